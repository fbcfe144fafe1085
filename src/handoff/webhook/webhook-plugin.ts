import fp from 'fastify-plugin';
import type { Config } from '../../config.js';
import { createOutboxSink, createOutboxStore, type OutboxStore } from '../../outbox/outbox-store.js';
import { webhookPayload } from './webhook-payload.js';
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

/**
 * The ITSM webhook (WEBHOOK_URL): every ticket event's outbox row is written in the same transaction as the ticket
 * change (createOutboxSink, added to the ticket store here); the dispatcher delivers the rows signed, in
 * order per ticket, retrying until the receiver takes them, across restarts. Events only wake it up early.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const { webhook } = config;
    if (!webhook.url) return;
    const outbox = createOutboxStore(app.storage.database);
    const dispatcher = createWebhookDispatcher({ store: outbox, config: webhook, logger: app.log });
    app.decorate('webhook', { outbox, dispatcher });
    // Every ticket event becomes a row in the ticket change's own transaction: a crash cannot lose one.
    const removeSink = app.storage.tickets.addSink(createOutboxSink(WEBHOOK_TOPIC, webhookPayload));
    const unsubscribe = app.handoff.onEvent(() => dispatcher.wake());

    app.addHook('onReady', async () => {
      dispatcher.start();
      app.log.info({ webhook: describeUrl(webhook.url) }, 'ITSM webhook enabled');
    });
    app.addHook('onClose', async () => {
      unsubscribe();
      removeSink();
      await dispatcher.stop();
    });
  },
  { name: 'helpdesk-webhook', dependencies: ['storage', 'handoff'] },
);
