import type { FastifyBaseLogger as Logger } from 'fastify';
import type { OutboxEntry, OutboxStore } from './outbox-store.js';

const BATCH = 16;
const DAY_MS = 86_400_000;
/** Delivered rows are kept a week (to answer "did Teams get it?"), refused ones a month (to see why); then purged. */
const KEEP_SENT_MS = 7 * DAY_MS;
const KEEP_REJECTED_MS = 30 * DAY_MS;
/** How often an instance purges old rows of its topic (every instance may; a delete twice deletes nothing more). */
const PURGE_EVERY_MS = 60 * 60_000;
/** Even with nothing due, look again this often: another instance may have written rows (PostgreSQL scale-out). */
const IDLE_POLL_MS = 30_000;

/** Exponential backoff with jitter: attempt n waits between half and all of base·2^(n-1), capped at max. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * A failed delivery, as the topic's sender describes it: `permanent` when the receiver refused this row for good
 * (trying again would get the same answer), otherwise it is retried with backoff.
 */
export class DeliveryFailure extends Error {
  override name = 'DeliveryFailure';
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** Only these 4xx answers are worth retrying; any other 4xx means the receiver refuses the row for good. */
const RETRYABLE_4XX = new Set([408, 409, 423, 425, 429]);

/** True for an HTTP status that will not change on a retry. */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && !RETRYABLE_4XX.has(status);
}

export interface OutboxDispatcherOptions {
  store: OutboxStore;
  topic: string;
  /** What the rows are, for the logs ("webhook", "Teams staff card"). */
  label: string;
  /**
   * Sends one row; resolves when the receiver took it. A DeliveryFailure says whether to retry; any other error is
   * retried unless it carries a permanent HTTP `statusCode` (a 4xx other than 408, 409, 423, 425, 429).
   */
  send(entry: OutboxEntry, attempt: number, signal: AbortSignal): Promise<void>;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a row stays leased to this instance while it is being sent (longer than a send can take). */
  leaseMs: number;
  logger: Logger;
}

/** The HTTP status an error says the receiver answered (`statusCode`, as the Bot Connector's errors carry it). */
function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status: unknown = Reflect.get(err, 'statusCode');
  return typeof status === 'number' ? status : undefined;
}

/** A refusal that will not change on a retry: said so by the sender, or a permanent HTTP status on the error. */
function isPermanent(err: unknown): boolean {
  if (err instanceof DeliveryFailure) return err.permanent;
  const status = statusOf(err);
  return status !== undefined && isPermanentStatus(status);
}

function describe(err: unknown): string {
  if (err instanceof DeliveryFailure) return err.message;
  const status = statusOf(err);
  if (status !== undefined) return `HTTP ${status}`;
  if (err instanceof Error) return `${err.name}: ${err.cause instanceof Error ? err.cause.message : err.message}`;
  return String(err);
}

/**
 * Delivers one topic of the outbox: rows in order per ticket, side by side across tickets, retried with backoff while
 * the receiver is down, and whatever is still pending after a restart goes out on the next start (on whichever
 * instance leases it first). Writers call `wake` after their transaction commits; otherwise it polls.
 */
export function createOutboxDispatcher(opts: OutboxDispatcherOptions) {
  const { store, topic } = opts;
  const log = opts.logger;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  const stopController = new AbortController();
  const inFlight = new Set<number>();

  async function deliver(entry: OutboxEntry): Promise<void> {
    const now = new Date();
    if (!(await store.lease(entry.id, now, new Date(now.getTime() + opts.leaseMs)))) return;
    inFlight.add(entry.id);
    const attempt = entry.attempts + 1;
    const facts = { topic, eventId: entry.eventId, event: entry.eventType, ticketId: entry.ticketId, attempt };
    try {
      await opts.send(entry, attempt, stopController.signal);
    } catch (err) {
      if (stopController.signal.aborted) {
        await store.release(entry.id).catch(() => undefined);
        return;
      }
      const failure = describe(err);
      if (isPermanent(err)) {
        await store.markRejected(entry.id, attempt, failure);
        log.error({ ...facts, failure }, `${opts.label} refused by the receiver; not retrying it`);
        return;
      }
      const delay = backoffMs(attempt, opts.retryBaseMs, opts.retryMaxMs);
      await store.markRetry(entry.id, attempt, new Date(Date.now() + delay), failure);
      log.warn({ ...facts, failure, retryInMs: delay }, `${opts.label} delivery failed; will retry`);
      return;
    } finally {
      inFlight.delete(entry.id);
    }
    await store.markSent(entry.id);
    log.debug(facts, `${opts.label} delivered`);
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      for (;;) {
        if (stopped) return;
        const batch = await store.due(topic, new Date(), BATCH);
        if (batch.length === 0) break;
        // Each row is the head of a different ticket, so sending them side by side keeps every ticket in order.
        await Promise.all(batch.map((entry) => deliver(entry)));
      }
    } while (again && !stopped);
  }

  async function schedule(): Promise<void> {
    if (stopped) return;
    const next = await store.nextDueAt(topic);
    if (stopped) return;
    const wait = next ? Math.min(Math.max(next.getTime() - Date.now(), 0), IDLE_POLL_MS) : IDLE_POLL_MS;
    clearTimeout(timer);
    timer = setTimeout(() => wake(), wait);
    timer.unref();
  }

  /** Deletes the rows of this topic that are done and old enough; pending rows always stay. */
  async function purge(now = new Date()): Promise<number> {
    const purged = await store.purge(topic, new Date(now.getTime() - KEEP_SENT_MS), new Date(now.getTime() - KEEP_REJECTED_MS));
    if (purged > 0) log.info({ topic, purged }, `${opts.label}: old delivered rows purged from the outbox`);
    return purged;
  }
  let purger: NodeJS.Timeout | undefined;

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
        log.error({ err, topic }, `${opts.label} dispatcher pass failed; retrying shortly`);
        if (!stopped) {
          timer = setTimeout(() => wake(), Math.min(opts.retryBaseMs, 5000));
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
      wake();
      purger = setInterval(() => {
        purge().catch((err: unknown) => log.warn({ err, topic }, `${opts.label}: the outbox purge failed; next hour again`));
      }, PURGE_EVERY_MS);
      purger.unref();
    },
    purge,
    /** Call after writing to the outbox: sends right away instead of at the next poll. */
    wake,
    /** Stops polling, aborts deliveries in flight (their rows stay pending) and waits for the current pass. */
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      clearInterval(purger);
      stopController.abort();
      await running?.catch(() => undefined);
      if (inFlight.size > 0) log.info({ topic, abandoned: inFlight.size }, `${opts.label} dispatcher stopped with deliveries in flight; they stay pending`);
    },
  };
}

export type OutboxDispatcher = ReturnType<typeof createOutboxDispatcher>;
