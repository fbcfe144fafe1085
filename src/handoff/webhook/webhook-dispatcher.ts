import type { FastifyBaseLogger as Logger } from 'fastify';
import type { WebhookConfig } from '../../config.js';
import type { OutboxEntry, OutboxStore } from './outbox-store.js';
import { ATTEMPT_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signBody } from './sign-webhook.js';

export const WEBHOOK_TOPIC = 'webhook';
const BATCH = 16;
/** Even with nothing due, look again this often: another instance may have written rows (PostgreSQL scale-out). */
const IDLE_POLL_MS = 30_000;

/** Only these 4xx answers are worth retrying; any other 4xx means the receiver refuses this event for good. */
const RETRYABLE_4XX = new Set([408, 409, 423, 425, 429]);

/** The URL as it may appear in logs: no credentials, no query string (tokens hide there). */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/** Exponential backoff with jitter: attempt n waits between half and all of base·2^(n-1), capped at max. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export interface WebhookDispatcherDeps {
  store: OutboxStore;
  config: WebhookConfig;
  logger: Logger;
}

/**
 * Delivers the outbox to WEBHOOK_URL: signed POSTs, one ticket's events strictly in order, retries with
 * backoff while the receiver is down, and whatever is still pending after a restart goes out on the next start.
 */
export function createWebhookDispatcher(deps: WebhookDispatcherDeps) {
  const { store, config } = deps;
  const log = deps.logger.child({ webhook: describeUrl(config.url) });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  const stopController = new AbortController();
  const inFlight = new Set<number>();

  async function deliver(entry: OutboxEntry): Promise<void> {
    const now = new Date();
    if (!(await store.lease(entry.id, now, new Date(now.getTime() + config.timeoutMs + 5000)))) return;
    inFlight.add(entry.id);
    const attempt = entry.attempts + 1;
    let failure: string;
    let permanent = false;
    try {
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
        signal: AbortSignal.any([AbortSignal.timeout(config.timeoutMs), stopController.signal]),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) {
        await store.markSent(entry.id);
        log.debug({ eventId: entry.eventId, event: entry.eventType, ticketId: entry.ticketId, attempt }, 'webhook delivered');
        return;
      }
      failure = `HTTP ${response.status}`;
      permanent = response.status >= 400 && response.status < 500 && !RETRYABLE_4XX.has(response.status);
    } catch (err) {
      if (stopController.signal.aborted) {
        await store.release(entry.id).catch(() => undefined);
        return;
      }
      failure = err instanceof Error ? `${err.name}: ${err.cause instanceof Error ? err.cause.message : err.message}` : String(err);
    } finally {
      inFlight.delete(entry.id);
    }
    if (permanent) {
      await store.markRejected(entry.id, attempt, failure);
      log.error({ eventId: entry.eventId, event: entry.eventType, ticketId: entry.ticketId, attempt, failure }, 'webhook receiver rejected the event; not retrying it');
      return;
    }
    const delay = backoffMs(attempt, config.retryBaseMs, config.retryMaxMs);
    await store.markRetry(entry.id, attempt, new Date(Date.now() + delay), failure);
    log.warn({ eventId: entry.eventId, event: entry.eventType, ticketId: entry.ticketId, attempt, failure, retryInMs: delay }, 'webhook delivery failed; will retry');
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      for (;;) {
        if (stopped) return;
        const batch = await store.due(WEBHOOK_TOPIC, new Date(), BATCH);
        if (batch.length === 0) break;
        // Each row is the head of a different ticket, so sending them side by side keeps every ticket in order.
        await Promise.all(batch.map((entry) => deliver(entry)));
      }
    } while (again && !stopped);
  }

  async function schedule(): Promise<void> {
    if (stopped) return;
    const next = await store.nextDueAt(WEBHOOK_TOPIC);
    if (stopped) return;
    const wait = next ? Math.min(Math.max(next.getTime() - Date.now(), 0), IDLE_POLL_MS) : IDLE_POLL_MS;
    clearTimeout(timer);
    timer = setTimeout(() => wake(), wait);
    timer.unref();
  }

  function wake(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = drain()
      .then(schedule)
      .catch((err: unknown) => {
        log.error({ err }, 'webhook dispatcher pass failed; retrying shortly');
        if (!stopped) {
          timer = setTimeout(() => wake(), Math.min(config.retryBaseMs, 5000));
          timer.unref();
        }
      })
      .finally(() => {
        running = undefined;
        if (again && !stopped) wake();
      });
  }

  return {
    start(): void {
      if (!stopped) return;
      stopped = false;
      log.info('webhook dispatcher started');
      wake();
    },
    /** Call after writing to the outbox: sends right away instead of at the next poll. */
    wake,
    /** Stops polling, aborts deliveries in flight (their rows stay pending) and waits for the current pass. */
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      stopController.abort();
      await running?.catch(() => undefined);
      log.info({ abandoned: inFlight.size }, 'webhook dispatcher stopped');
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
