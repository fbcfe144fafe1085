import type { FastifyBaseLogger as Logger } from 'fastify';
import type { WebhookConfig } from '../../config.js';
import { DeliveryFailure, createOutboxDispatcher, isPermanentStatus } from '../../outbox/outbox-dispatcher.js';
import type { OutboxStore } from '../../outbox/outbox-store.js';
import { ATTEMPT_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signBody } from './sign-webhook.js';

export { backoffMs } from '../../outbox/outbox-dispatcher.js';

export const WEBHOOK_TOPIC = 'webhook';

/** The URL as it may appear in logs: no credentials, no query string (tokens hide there). */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

export interface WebhookDispatcherDeps {
  store: OutboxStore;
  config: WebhookConfig;
  logger: Logger;
}

/**
 * Delivers the webhook topic of the outbox to WEBHOOK_URL: signed POSTs, one ticket's events strictly in order,
 * retries with backoff while the receiver is down, and whatever is still pending after a restart goes out on the
 * next start (the outbox dispatcher does the ordering, leasing and retrying).
 */
export function createWebhookDispatcher(deps: WebhookDispatcherDeps) {
  const { config } = deps;
  const log = deps.logger.child({ webhook: describeUrl(config.url) });
  const dispatcher = createOutboxDispatcher({
    store: deps.store,
    topic: WEBHOOK_TOPIC,
    label: 'webhook',
    retryBaseMs: config.retryBaseMs,
    retryMaxMs: config.retryMaxMs,
    leaseMs: config.timeoutMs + 5000,
    logger: log,
    async send(entry, attempt, signal) {
      const response = await fetch(config.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'helpdesk-bot-webhook/1',
          [SIGNATURE_HEADER]: signBody(config.secret, entry.payload),
          [TIMESTAMP_HEADER]: String(Math.floor(Date.now() / 1000)),
          [EVENT_ID_HEADER]: entry.eventId,
          [EVENT_TYPE_HEADER]: entry.eventType,
          [ATTEMPT_HEADER]: String(attempt),
        },
        body: entry.payload,
        signal: AbortSignal.any([AbortSignal.timeout(config.timeoutMs), signal]),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) throw new DeliveryFailure(`HTTP ${response.status}`, isPermanentStatus(response.status));
    },
  });
  return {
    start(): void {
      dispatcher.start();
      log.info('webhook dispatcher started');
    },
    wake: dispatcher.wake,
    stop: dispatcher.stop,
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
