import type { Transaction, Updateable } from 'kysely';
import type { Database, DatabaseSchema } from '../storage/database.js';
import { ticketNumber, type Ticket, type TicketStatus, type TicketStore } from '../storage/ticket-store.js';
import type { TicketActor, TicketEvent, TicketEventType } from './handoff-service.js';

type TicketUpdate = Updateable<DatabaseSchema['tickets']>;

export interface Change {
  /** The statuses the ticket may be in for the change to apply (checked in the UPDATE itself: atomic). */
  from: readonly TicketStatus[];
  /** When set, the ticket must be assigned to this agent (or be in one of `fromUnassigned`). */
  assignee?: string;
  /** Statuses in which the assignee condition does not apply. */
  fromUnassigned?: readonly TicketStatus[];
  set: TicketUpdate;
  event: { type: TicketEventType; actor: TicketActor; text?: string | undefined };
}

export type ChangeResult = { ok: true; ticket: Ticket; event: TicketEvent } | { ok: false; ticket: Ticket | undefined };

const EVENT_TYPES: readonly TicketEventType[] = [
  'ticket.created',
  'ticket.assigned',
  'ticket.message',
  'ticket.released',
  'ticket.resolved',
  'ticket.reopened',
  'ticket.cancelled',
  'ticket.rated',
];
const ACTOR_KINDS: readonly TicketActor['kind'][] = ['user', 'agent', 'bot', 'system'];

/**
 * Ticket state changes, each one atomic together with its audit event: `UPDATE … WHERE status IN (…)` decides who
 * wins (two agents cannot both take a ticket), and the event row says who did it and when.
 */
export function createTicketLifecycle(database: Database, tickets: TicketStore) {
  const { db } = database;

  async function insertEvent(
    trx: Transaction<DatabaseSchema>,
    ticketId: number,
    event: Change['event'],
    at: string,
  ): Promise<TicketEvent> {
    await trx
      .insertInto('ticket_events')
      .values({
        ticket_id: ticketId,
        type: event.type,
        actor_kind: event.actor.kind,
        actor_id: event.actor.id,
        actor_name: event.actor.name,
        text: event.text ?? null,
        at,
      })
      .execute();
    return {
      type: event.type,
      ticketId,
      ticketNumber: ticketNumber(ticketId),
      at,
      actor: event.actor,
      ...(event.text !== undefined ? { text: event.text } : {}),
    };
  }

  return {
    /** Applies the change if the ticket is in an allowed state; otherwise reports the ticket as it is. */
    async change(ticketId: number, change: Change): Promise<ChangeResult> {
      const at = new Date().toISOString();
      const event = await db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('tickets')
          .set({ ...change.set, updated_at: at })
          .where('id', '=', ticketId)
          .where((eb) => {
            const assigned = change.assignee !== undefined;
            const strict = assigned ? change.from.filter((s) => !(change.fromUnassigned ?? []).includes(s)) : change.from;
            const loose = assigned ? (change.fromUnassigned ?? []).filter((s) => change.from.includes(s)) : [];
            const alternatives = [];
            if (strict.length > 0) {
              alternatives.push(
                assigned
                  ? eb.and([eb('status', 'in', strict), eb('assignee_id', '=', change.assignee ?? '')])
                  : eb('status', 'in', strict),
              );
            }
            if (loose.length > 0) alternatives.push(eb('status', 'in', loose));
            return alternatives.length > 0 ? eb.or(alternatives) : eb('id', '<', 0);
          })
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return undefined;
        return insertEvent(trx, ticketId, change.event, at);
      });
      const ticket = await tickets.get(ticketId);
      if (!event || !ticket) return { ok: false, ticket };
      return { ok: true, ticket, event };
    },

    /** An event that changes no status (a message, a rating answer, the creation). */
    async record(ticketId: number, event: Change['event'], set: TicketUpdate = {}): Promise<TicketEvent> {
      const at = new Date().toISOString();
      return db.transaction().execute(async (trx) => {
        await trx.updateTable('tickets').set({ ...set, updated_at: at }).where('id', '=', ticketId).execute();
        return insertEvent(trx, ticketId, event, at);
      });
    },

    async events(ticketId: number): Promise<TicketEvent[]> {
      const rows = await db.selectFrom('ticket_events').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
      return rows.flatMap((row) => {
        const type = EVENT_TYPES.find((t) => t === row.type);
        const kind = ACTOR_KINDS.find((k) => k === row.actor_kind);
        if (!type || !kind) return [];
        const event: TicketEvent = {
          type,
          ticketId,
          ticketNumber: ticketNumber(ticketId),
          at: row.at,
          actor: { kind, id: row.actor_id, name: row.actor_name },
        };
        if (row.text !== null) event.text = row.text;
        return [event];
      });
    },

    /**
     * Tickets for the queue view: every open ticket (queued, longest waiting first, then assigned), never cut off,
     * followed by the most recently changed closed ones up to `limit`.
     */
    async list(status: TicketStatus | undefined, limit = 200): Promise<Ticket[]> {
      const OPEN: TicketStatus[] = ['queued', 'assigned'];
      const wantOpen = status === undefined ? OPEN : OPEN.filter((s) => s === status);
      const openRows = wantOpen.length
        ? await db.selectFrom('tickets').select('id').where('status', 'in', wantOpen).orderBy('id').execute()
        : [];
      const closedRows =
        status === undefined || !OPEN.includes(status)
          ? await db
              .selectFrom('tickets')
              .select('id')
              .where('status', status ? '=' : 'not in', status ?? OPEN)
              .orderBy('updated_at', 'desc')
              .orderBy('id', 'desc')
              .limit(Math.max(0, limit - openRows.length))
              .execute()
          : [];
      const found = await Promise.all([...openRows, ...closedRows].map((r) => tickets.get(Number(r.id))));
      const rank = (t: Ticket) => (t.status === 'queued' ? 0 : t.status === 'assigned' ? 1 : 2);
      return found
        .filter((t): t is Ticket => t !== undefined)
        .sort((a, b) => rank(a) - rank(b) || (rank(a) === 0 ? a.queuedAt.localeCompare(b.queuedAt) : 0));
    },

    /** 1 = next in line: queued tickets that entered the queue before this one, plus itself. */
    async queuePosition(ticket: Ticket): Promise<number> {
      const row = await db
        .selectFrom('tickets')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'queued')
        .where((eb) => eb.or([eb('queued_at', '<', ticket.queuedAt), eb.and([eb('queued_at', '=', ticket.queuedAt), eb('id', '<=', ticket.id)])]))
        .executeTakeFirst();
      return Math.max(1, Number(row?.n ?? 1));
    },

    /** Average seconds from entering the queue to being taken, over the most recent assignments; null without history. */
    async recentWaitSeconds(sample = 20): Promise<number | null> {
      const rows = await db
        .selectFrom('tickets')
        .select(['queued_at', 'assigned_at'])
        .where('assigned_at', 'is not', null)
        .orderBy('assigned_at', 'desc')
        .limit(sample)
        .execute();
      const waits = rows.flatMap((r) => {
        if (!r.assigned_at || !r.queued_at) return [];
        const seconds = (Date.parse(r.assigned_at) - Date.parse(r.queued_at)) / 1000;
        return Number.isFinite(seconds) && seconds >= 0 ? [seconds] : [];
      });
      return waits.length === 0 ? null : waits.reduce((a, b) => a + b, 0) / waits.length;
    },
  };
}

export type TicketLifecycle = ReturnType<typeof createTicketLifecycle>;
