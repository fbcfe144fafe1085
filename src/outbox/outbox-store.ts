import { randomUUID } from 'node:crypto';
import type { Generated, Kysely } from 'kysely';
import type { Database, DatabaseSchema } from '../storage/database.js';
import type { Ticket, TicketEvent, TicketEventSink } from '../storage/ticket-store.js';
import { executor } from '../storage/unit-of-work.js';

/**
 * The outbox table of migration 0004_outbox: side effects that must reach another system (the ITSM webhook, the Teams
 * staff channel, replies to Teams) are written here in the transaction that causes them, and a dispatcher per topic
 * (outbox-dispatcher.ts) delivers them with retries. Kept out of the storage schema so storage knows no topics.
 */
export interface OutboxTable {
  id: Generated<number>;
  event_id: string;
  topic: string;
  ticket_id: number;
  event_type: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export type OutboxStatus = 'pending' | 'sent' | 'rejected';

export interface NewOutboxEntry {
  eventId: string;
  topic: string;
  ticketId: number;
  eventType: string;
  /** The exact body that will be sent (and signed), serialised once so every retry is byte-identical. */
  payload: string;
}

export interface OutboxEntry extends NewOutboxEntry {
  id: number;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

function toStatus(value: string): OutboxStatus {
  return value === 'sent' ? 'sent' : value === 'rejected' ? 'rejected' : 'pending';
}

type Row = Omit<OutboxTable, 'id'> & { id: number | string | bigint };

function toEntry(row: Row): OutboxEntry {
  return {
    id: Number(row.id),
    eventId: row.event_id,
    topic: row.topic,
    ticketId: Number(row.ticket_id),
    eventType: row.event_type,
    payload: row.payload,
    status: toStatus(row.status),
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

type OutboxDb = Kysely<DatabaseSchema & { outbox: OutboxTable }>;

/** Writes one pending row with `db` (pass the transaction the causing change runs in). */
export async function writeOutboxEntry(db: Kysely<DatabaseSchema>, entry: NewOutboxEntry, now = new Date()): Promise<void> {
  await insertEntry(db.withTables<{ outbox: OutboxTable }>(), entry, now);
}

async function insertEntry(db: OutboxDb, entry: NewOutboxEntry, now: Date): Promise<void> {
  const at = now.toISOString();
  await db
    .insertInto('outbox')
    .values({
      event_id: entry.eventId,
      topic: entry.topic,
      ticket_id: entry.ticketId,
      event_type: entry.eventType,
      payload: entry.payload,
      status: 'pending',
      attempts: 0,
      next_attempt_at: at,
      locked_until: null,
      last_error: null,
      created_at: at,
      sent_at: null,
    })
    .execute();
}

/** The ticket store's sink: each ticket event becomes an outbox row inside the ticket change's own transaction. */
export function createOutboxSink(topic: string, payload: (eventId: string, event: TicketEvent, ticket: Ticket) => string): TicketEventSink {
  return async (trx, event, ticket) => {
    const eventId = randomUUID();
    await insertEntry(trx.withTables<{ outbox: OutboxTable }>(), { eventId, topic, ticketId: event.ticketId, eventType: event.type, payload: payload(eventId, event, ticket) }, new Date());
  };
}

/**
 * A durable outbox: rows are written when the event happens and stay until they were delivered.
 * Per ticket only the oldest pending row of a topic is ever handed out, so a ticket's events never overtake each
 * other; a short lease keeps two instances (PostgreSQL scale-out) from sending the same row at once.
 */
export function createOutboxStore(database: Database) {
  const db: OutboxDb = database.db.withTables<{ outbox: OutboxTable }>();
  /** Pending rows that are the oldest pending row of their ticket: one ticket's events go out in order. */
  const pendingHeads = (topic: string) =>
    db
      .selectFrom('outbox as o')
      .where('o.topic', '=', topic)
      .where('o.status', '=', 'pending')
      .where((eb) =>
        eb(
          'o.id',
          '=',
          eb
            .selectFrom('outbox as i')
            .select((ib) => ib.fn.min('i.id').as('head'))
            .whereRef('i.ticket_id', '=', 'o.ticket_id')
            .whereRef('i.topic', '=', 'o.topic')
            .where('i.status', '=', 'pending'),
        ),
      );
  return {
    /** Writes a pending row, inside the surrounding unit of work when there is one (it commits with the turn). */
    enqueue(entry: NewOutboxEntry, now = new Date()): Promise<void> {
      return insertEntry(executor(database.db).withTables<{ outbox: OutboxTable }>(), entry, now);
    },

    /** The head row of each ticket's pending queue that is due now and not leased by another sender. */
    async due(topic: string, now: Date, limit: number): Promise<OutboxEntry[]> {
      const at = now.toISOString();
      const rows = await pendingHeads(topic)
        .selectAll('o')
        .where('o.next_attempt_at', '<=', at)
        .where((eb) => eb.or([eb('o.locked_until', 'is', null), eb('o.locked_until', '<', at)]))
        .orderBy('o.id')
        .limit(limit)
        .execute();
      return rows.map(toEntry);
    },

    /** Takes a lease on a row; false when another sender got it first. */
    async lease(id: number, now: Date, until: Date): Promise<boolean> {
      const result = await db
        .updateTable('outbox')
        .set({ locked_until: until.toISOString() })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now.toISOString())]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async markSent(id: number, now = new Date()): Promise<void> {
      await db
        .updateTable('outbox')
        .set((eb) => ({ status: 'sent', sent_at: now.toISOString(), locked_until: null, last_error: null, attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id)
        .execute();
    },

    async markRetry(id: number, attempts: number, nextAttemptAt: Date, error: string): Promise<void> {
      await db
        .updateTable('outbox')
        .set({ attempts, next_attempt_at: nextAttemptAt.toISOString(), locked_until: null, last_error: error.slice(0, 500) })
        .where('id', '=', id)
        .execute();
    },

    /** The receiver refused the event for good (a 4xx other than timeouts and rate limits): keep it, stop retrying. */
    async markRejected(id: number, attempts: number, error: string): Promise<void> {
      await db
        .updateTable('outbox')
        .set({ status: 'rejected', attempts, locked_until: null, last_error: error.slice(0, 500) })
        .where('id', '=', id)
        .execute();
    },

    /** Gives a lease back without counting an attempt (used when the app stops in the middle of a delivery). */
    async release(id: number): Promise<void> {
      await db.updateTable('outbox').set({ locked_until: null }).where('id', '=', id).where('status', '=', 'pending').execute();
    },

    /** When the next head row becomes due (or its lease runs out); undefined when nothing is pending. */
    async nextDueAt(topic: string): Promise<Date | undefined> {
      const rows = await pendingHeads(topic)
        .select(['o.next_attempt_at', 'o.locked_until'])
        .execute();
      let earliest: string | undefined;
      for (const row of rows) {
        const at = row.locked_until !== null && row.locked_until > row.next_attempt_at ? row.locked_until : row.next_attempt_at;
        if (earliest === undefined || at < earliest) earliest = at;
      }
      return earliest === undefined ? undefined : new Date(earliest);
    },

    /**
     * Forgets delivered rows sent before `sentBefore` and refused ones created before `rejectedBefore`; pending rows
     * always stay. Returns how many rows went.
     */
    async purge(topic: string, sentBefore: Date, rejectedBefore: Date): Promise<number> {
      const result = await db
        .deleteFrom('outbox')
        .where('topic', '=', topic)
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'sent'), eb('sent_at', '<', sentBefore.toISOString())]),
            eb.and([eb('status', '=', 'rejected'), eb('created_at', '<', rejectedBefore.toISOString())]),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async list(topic: string): Promise<OutboxEntry[]> {
      const rows = await db.selectFrom('outbox').selectAll().where('topic', '=', topic).orderBy('id').execute();
      return rows.map(toEntry);
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;
