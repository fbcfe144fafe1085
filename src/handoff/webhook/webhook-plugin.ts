import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import type { Ticket, TicketEvent } from '../handoff-service.js';
import { createOutboxStore, type OutboxStore } from './outbox-store.js';
import { WEBHOOK_TOPIC, createWebhookDispatcher, describeUrl, type WebhookDispatcher } from './webhook-dispatcher.js';

export interface Webhook {
  outbox: OutboxStore;
  dispatcher: WebhookDispatcher;
}

declare module 'fastify' {
  interface FastifyInstance {
    webhook?: Webhook;
  }
}

/** The JSON body an ITSM receives for one ticket event. The full transcript rides along only on ticket.created. */
export function webhookPayload(eventId: string, event: TicketEvent, ticket: Ticket): string {
  return JSON.stringify({
    id: eventId,
    type: event.type,
    occurredAt: event.at,
    actor: event.actor,
    text: event.text ?? null,
    ticket: {
      id: ticket.id,
      number: ticket.number,
      status: ticket.status,
      reason: ticket.reason,
      error: ticket.error,
      runbookId: ticket.runbookId,
      checks: ticket.checks,
      user: { id: ticket.userId, name: ticket.userName },
      channelId: ticket.channelId,
      locale: ticket.locale,
      createdAt: ticket.createdAt,
      updatedAt: ticket.updatedAt,
      ...(event.type === 'ticket.created' ? { transcript: ticket.transcript } : {}),
    },
  });
}

/**
 * The ITSM webhook (WEBHOOK_URL): every ticket event goes into the outbox table as it happens; the dispatcher
 * delivers it signed, in order per ticket, retrying until the receiver takes it, across restarts.
 */
export default fp(
  async (app) => {
    const { webhook } = app.helpdesk.config;
    if (!webhook.url) return;
    if (!app.hasDecorator('handoff')) {
      app.log.error('WEBHOOK_URL is set but the handoff service is not registered; no ticket events can be sent');
      return;
    }
    const outbox = createOutboxStore(app.storage.database);
    const dispatcher = createWebhookDispatcher({ store: outbox, config: webhook, logger: app.log });
    app.decorate('webhook', { outbox, dispatcher });

    // Outbox writes are chained so rows get ids in the order the events were emitted, even on a PostgreSQL pool.
    let chain: Promise<void> = Promise.resolve();
    const unsubscribe = app.handoff.onEvent((event, ticket) => {
      const eventId = randomUUID();
      const write = chain.then(() =>
        outbox.enqueue({
          eventId,
          topic: WEBHOOK_TOPIC,
          ticketId: event.ticketId,
          eventType: event.type,
          payload: webhookPayload(eventId, event, ticket),
        }),
      );
      chain = write.catch((err: unknown) => {
        app.log.error({ err, ticketId: event.ticketId, event: event.type }, 'could not write a ticket event to the webhook outbox');
      });
      // Resolves once the row is stored (the handoff service awaits its listeners), never rejects into the caller.
      return chain.then(() => dispatcher.wake());
    });

    app.addHook('onReady', async () => {
      dispatcher.start();
      app.log.info({ webhook: describeUrl(webhook.url) }, 'ITSM webhook enabled');
    });
    app.addHook('onClose', async () => {
      unsubscribe();
      await chain;
      await dispatcher.stop();
    });
  },
  { name: 'helpdesk-webhook' },
);
