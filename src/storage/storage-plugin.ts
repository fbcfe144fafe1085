import fp from 'fastify-plugin';
import { createConversationStore, type ConversationStore } from './conversation-store.js';
import { openDatabase, type Database } from './database.js';
import { createLocalEventBus, createPostgresEventBus, type EventBus } from './event-bus.js';
import { createTicketStore, type TicketEventSink, type TicketStore } from './ticket-store.js';

export interface Storage {
  database: Database;
  conversations: ConversationStore;
  tickets: TicketStore;
  /** How instances tell each other what they wrote (LISTEN/NOTIFY on PostgreSQL, in-process on SQLite). */
  bus: EventBus;
}

declare module 'fastify' {
  interface FastifyInstance {
    storage: Storage;
  }
}

/** Opens the database (SQLite by default, PostgreSQL when databaseUrl is set), runs migrations, closes it on shutdown. */
export interface StorageOptions {
  dataDir: string;
  databaseUrl: string;
  /** PostgreSQL: longest a statement may run. */
  statementTimeoutMs?: number;
  /** Written in the transaction of every ticket change (the webhook outbox), when set. */
  ticketSink?: TicketEventSink | undefined;
}

export default fp<StorageOptions>(
  async (app, opts) => {
    const database = await openDatabase({
      dataDir: opts.dataDir,
      databaseUrl: opts.databaseUrl,
      ...(opts.statementTimeoutMs ? { timeouts: { statementMs: opts.statementTimeoutMs, connectMs: Math.min(3000, opts.statementTimeoutMs) } } : {}),
      // The pool has already dropped the broken client; the next query reconnects. Logged, never fatal.
      onPoolError: (err) => app.log.warn({ err: { message: err.message, code: Reflect.get(err, 'code') } }, 'a database connection was lost; it will be reopened when needed'),
    });
    app.log.info({ dialect: database.dialect, location: database.location }, 'database ready');
    const busLog = app.log.child({ module: 'event-bus' });
    const bus =
      database.dialect === 'postgres'
        ? createPostgresEventBus(database, opts.databaseUrl, busLog)
        : createLocalEventBus((err) => busLog.warn({ err }, 'a bus listener failed'));
    app.decorate('storage', {
      database,
      bus,
      conversations: createConversationStore(database),
      tickets: createTicketStore(database, { sink: opts.ticketSink }),
    });
    app.addHook('onClose', async () => {
      await bus.close();
      await database.close();
    });
  },
  { name: 'storage' },
);
