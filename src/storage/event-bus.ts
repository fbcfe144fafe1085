import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { afterCommit, executor } from './unit-of-work.js';

/** The topics instances tell each other about (PostgreSQL channel names). */
export type BusTopic = 'hd_directline' | 'hd_tickets';

export type BusListener = (payload: string) => void;

/**
 * How instances of the service tell each other that something was written: PostgreSQL LISTEN/NOTIFY, or, on SQLite
 * (one process), an in-process bus with the same interface. A notification only says what changed and where; the
 * receiver reads the rows, so a lost or late notification costs a delay, never data.
 */
export interface EventBus {
  /** This process's id (a receiver skips its own notifications when it has already acted on them locally). */
  readonly instanceId: string;
  /** Publishes `payload` (at most 7,000 bytes) once the surrounding transaction commits, or now outside one. */
  publish(topic: BusTopic, payload: string): Promise<void>;
  /** Listens to a topic; returns the unsubscribe function. */
  subscribe(topic: BusTopic, listener: BusListener): () => void;
  /** Told after the link to the bus was lost and restored: notifications may have been missed, re-read. */
  onResync(listener: () => void): () => void;
  close(): Promise<void>;
}

const MAX_PAYLOAD = 7000;

function createListeners() {
  const topics = new Map<BusTopic, Set<BusListener>>();
  const resync = new Set<() => void>();
  return {
    topics,
    resync,
    deliver(topic: BusTopic, payload: string, onError: (err: unknown) => void): void {
      for (const listener of [...(topics.get(topic) ?? [])]) {
        try {
          listener(payload);
        } catch (err) {
          onError(err);
        }
      }
    },
    subscribe(topic: BusTopic, listener: BusListener): () => void {
      let set = topics.get(topic);
      if (!set) topics.set(topic, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    onResync(listener: () => void): () => void {
      resync.add(listener);
      return () => resync.delete(listener);
    },
  };
}

function checkSize(payload: string): void {
  if (Buffer.byteLength(payload) > MAX_PAYLOAD) throw new Error(`a bus notification is limited to ${MAX_PAYLOAD} bytes`);
}

/** One process: notifications are delivered in this process after the writing transaction commits. */
export function createLocalEventBus(onError: (err: unknown) => void = () => undefined): EventBus {
  const listeners = createListeners();
  return {
    instanceId: randomUUID(),
    async publish(topic, payload) {
      checkSize(payload);
      afterCommit(() => listeners.deliver(topic, payload, onError));
    },
    subscribe: listeners.subscribe,
    onResync: listeners.onResync,
    async close() {
      listeners.topics.clear();
    },
  };
}

/**
 * PostgreSQL: NOTIFY goes out in the writer's transaction (delivered on commit, in commit order); one dedicated
 * connection per instance LISTENs, and reconnects after a cut (then every listener re-reads what it shows).
 */
export function createPostgresEventBus(
  database: Database,
  connectionString: string,
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void },
): EventBus {
  const listeners = createListeners();
  const topics: BusTopic[] = ['hd_directline', 'hd_tickets'];
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let everConnected = false;
  const onError = (err: unknown) => log.warn({ err }, 'a bus listener failed');

  function scheduleReconnect(): void {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, 1000);
    timer.unref();
  }

  async function connect(): Promise<void> {
    if (closed) return;
    const next = new pg.Client({ connectionString, connectionTimeoutMillis: 3000, keepAlive: true });
    next.on('error', (err) => {
      log.warn({ err: { message: err.message } }, 'the bus connection was lost; reconnecting');
      if (client === next) client = undefined;
      next.end().catch(() => undefined);
      scheduleReconnect();
    });
    next.on('end', () => {
      if (client === next) client = undefined;
      scheduleReconnect();
    });
    next.on('notification', (message) => {
      const topic = topics.find((t) => t === message.channel);
      if (topic && message.payload !== undefined) listeners.deliver(topic, message.payload, onError);
    });
    try {
      await next.connect();
      for (const topic of topics) await next.query(`LISTEN ${topic}`);
    } catch (err) {
      log.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'the bus could not connect; retrying');
      next.end().catch(() => undefined);
      scheduleReconnect();
      return;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    if (everConnected) {
      log.info({}, 'the bus is back; listeners re-read what they show');
      for (const listener of [...listeners.resync]) {
        try {
          listener();
        } catch (err) {
          onError(err);
        }
      }
    }
    everConnected = true;
  }

  const ready = connect();

  return {
    instanceId: randomUUID(),
    async publish(topic, payload) {
      checkSize(payload);
      await sql`select pg_notify(${topic}, ${payload})`.execute(executor(database.db));
    },
    subscribe: listeners.subscribe,
    onResync: listeners.onResync,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await ready;
      const last = client;
      client = undefined;
      await last?.end().catch(() => undefined);
      listeners.topics.clear();
    },
  };
}
