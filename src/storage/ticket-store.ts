import { executor, transact } from './unit-of-work.js';
import { Type, type Static } from '@sinclair/typebox';
import { sql, type Kysely, type RawBuilder, type Selectable, type SqlBool, type Transaction, type Updateable } from 'kysely';
import type { Database, DatabaseSchema } from './database.js';
import { maskEntries, maskSecrets } from './mask-secrets.js';

/**
 * The ticket, once: this TypeBox schema is the TypeScript type (Static) and, without the transcript, the agent API's
 * response schema. Every ticket query of the service is in this file.
 */
export const TicketStatusSchema = Type.Union([Type.Literal('queued'), Type.Literal('assigned'), Type.Literal('resolved'), Type.Literal('cancelled')]);
export const ErrorRefSchema = Type.Union([Type.Object({ name: Type.String(), code: Type.Integer(), hex: Type.String() }), Type.Null()]);
export const PersonSchema = Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]);
export const CheckRecordSchema = Type.Object({
  checkId: Type.String(),
  title: Type.String(),
  outcome: Type.Union([Type.Literal('fixed'), Type.Literal('not_fixed'), Type.Literal('skipped'), Type.Literal('unsure'), Type.Literal('not_run')]),
});
export const TranscriptEntrySchema = Type.Object({
  role: Type.Union([Type.Literal('user'), Type.Literal('bot'), Type.Literal('agent'), Type.Literal('system')]),
  author: Type.String(),
  text: Type.String(),
  at: Type.String(),
});
export const TicketSchema = Type.Object({
  id: Type.Integer(),
  number: Type.String({ description: 'For humans: HD-000042' }),
  status: TicketStatusSchema,
  conversationId: Type.String(),
  reason: Type.Union([Type.Literal('checks_failed'), Type.Literal('user_request')]),
  userId: Type.String(),
  userName: Type.String(),
  /** From the host site's signed assertion (Web Chat), when there is one. */
  userEmail: Type.Union([Type.String(), Type.Null()]),
  channelId: Type.String(),
  locale: Type.String(),
  error: ErrorRefSchema,
  runbookId: Type.Union([Type.String(), Type.Null()]),
  checks: Type.Array(CheckRecordSchema, { description: 'Every employee check of the runbook and what happened to it' }),
  itSteps: Type.Array(Type.Object({ checkId: Type.String(), title: Type.String() }), {
    description: "The runbook's checks that need IT (admin rights): next steps for IT",
  }),
  description: Type.Union([Type.String(), Type.Null()], { description: "The employee's own words about the problem, if any" }),
  transcript: Type.Array(TranscriptEntrySchema),
  /** The IT staff member who has the ticket (or had it, once resolved). */
  assignee: PersonSchema,
  createdAt: Type.String(),
  updatedAt: Type.String(),
  /** When the ticket last entered the queue (creation, reopening, hand-back). */
  queuedAt: Type.String(),
  assignedAt: Type.Union([Type.String(), Type.Null()]),
  closedAt: Type.Union([Type.String(), Type.Null()]),
  /** The employee's answers after resolution: problem solved?, satisfaction 1–5. */
  solved: Type.Union([Type.Boolean(), Type.Null()]),
  rating: Type.Union([Type.Integer(), Type.Null()]),
  resolutionNote: Type.Union([Type.String(), Type.Null()]),
});

export type Ticket = Static<typeof TicketSchema>;
export type TicketStatus = Static<typeof TicketStatusSchema>;

/** What the conversation knows when it asks for a ticket. */
export type NewTicket = Pick<Ticket, 'conversationId' | 'reason' | 'userId' | 'userName' | 'channelId' | 'locale' | 'error' | 'runbookId' | 'checks' | 'transcript'> & {
  userEmail?: string | null;
  itSteps?: Ticket['itSteps'] | undefined;
  description?: string | null | undefined;
};

export const TICKET_EVENT_TYPES = [
  'ticket.created',
  'ticket.assigned',
  'ticket.message',
  'ticket.released',
  'ticket.resolved',
  'ticket.reopened',
  'ticket.cancelled',
  'ticket.rated',
  /** An internal note by IT staff: never shown to the employee. */
  'ticket.note',
  /** Handed from one agent to another (`text`: the new agent's name). */
  'ticket.transferred',
] as const;
export type TicketEventType = (typeof TICKET_EVENT_TYPES)[number];

export const TicketActorSchema = Type.Object({
  kind: Type.Union([Type.Literal('user'), Type.Literal('agent'), Type.Literal('bot'), Type.Literal('system')]),
  id: Type.String(),
  name: Type.String(),
});
export type TicketActor = Static<typeof TicketActorSchema>;

/** One stored change of a ticket: who did what, and when. The console, Teams staff channel and webhook listen to these. */
export interface TicketEvent {
  type: TicketEventType;
  ticketId: number;
  ticketNumber: string;
  at: string;
  actor: TicketActor;
  text?: string;
}

/**
 * Written in the same transaction as the ticket change it reports (the ITSM webhook's outbox row), so a crash
 * between the change and the record cannot lose the event.
 */
export type TicketEventSink = (trx: Transaction<DatabaseSchema>, event: TicketEvent, ticket: Ticket) => Promise<void>;

type TicketUpdate = Updateable<DatabaseSchema['tickets']>;

export interface TicketChange {
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

export function ticketNumber(id: number): string {
  return `HD-${String(id).padStart(6, '0')}`;
}

/** Parses "HD-000042" (or "42") back to the row id. */
export function ticketIdFromNumber(text: string): number | undefined {
  const match = /^(?:HD-)?0*(\d{1,9})$/i.exec(text.trim());
  return match?.[1] ? Number(match[1]) : undefined;
}

const STATUSES: readonly TicketStatus[] = ['queued', 'assigned', 'resolved', 'cancelled'];

/**
 * The tickets a search in the console means: the ticket number ("HD-000042", "42"), part of the user's name, or the
 * error's name, decimal code or hex code. Case-insensitive on SQLite and PostgreSQL alike. Unqualified columns, so
 * it reads the same inside the closed-tickets subquery.
 */
function searchFilter(query: string | undefined): RawBuilder<SqlBool> {
  const text = (query ?? '').trim().toLowerCase();
  if (text === '') return sql<SqlBool>`1 = 1`;
  const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const alternatives = [
    sql`lower(user_name) like ${like} escape '\\'`,
    sql`lower(coalesce(error_name, '')) like ${like} escape '\\'`,
    sql`lower(coalesce(error_hex, '')) like ${like} escape '\\'`,
  ];
  const id = ticketIdFromNumber(text);
  if (id !== undefined) alternatives.push(sql`id = ${id}`);
  if (/^\d{1,10}$/.test(text)) alternatives.push(sql`error_code = ${Number(text)}`);
  return sql<SqlBool>`(${sql.join(alternatives, sql` or `)})`;
}
const OPEN: readonly TicketStatus[] = ['queued', 'assigned'];
const ACTOR_KINDS: readonly TicketActor['kind'][] = ['user', 'agent', 'bot', 'system'];
const OUTCOMES: readonly Ticket['checks'][number]['outcome'][] = ['fixed', 'not_fixed', 'skipped', 'unsure', 'not_run'];
const ROLES: readonly Ticket['transcript'][number]['role'][] = ['user', 'bot', 'agent', 'system'];

function toStatus(value: string): TicketStatus {
  const found = STATUSES.find((s) => s === value);
  if (!found) throw new Error(`unknown ticket status in database: ${value}`);
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonArray(text: string): unknown[] {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed : [];
}

/** The checks column, read back item by item (a damaged item is left out rather than trusted). */
function readChecks(text: string): Ticket['checks'] {
  return jsonArray(text).flatMap((item) => {
    if (!isRecord(item) || typeof item.checkId !== 'string' || typeof item.title !== 'string') return [];
    const outcome = OUTCOMES.find((o) => o === item.outcome);
    return outcome ? [{ checkId: item.checkId, title: item.title, outcome }] : [];
  });
}

function readTranscript(text: string): Ticket['transcript'] {
  return jsonArray(text).flatMap((item) => {
    if (!isRecord(item) || typeof item.author !== 'string' || typeof item.text !== 'string' || typeof item.at !== 'string') return [];
    const role = ROLES.find((r) => r === item.role) ?? 'system';
    return [{ role, author: item.author, text: item.text, at: item.at }];
  });
}

type TicketRow = Selectable<DatabaseSchema['tickets']>;

function toTicket(row: TicketRow): Ticket {
  const id = Number(row.id);
  return {
    id,
    number: ticketNumber(id),
    status: toStatus(row.status),
    conversationId: row.conversation_id,
    reason: row.reason === 'checks_failed' ? 'checks_failed' : 'user_request',
    userId: row.user_id,
    userName: row.user_name,
    userEmail: row.user_email,
    channelId: row.channel_id,
    locale: row.locale,
    error:
      row.error_name !== null && row.error_code !== null && row.error_hex !== null
        ? { name: row.error_name, code: Number(row.error_code), hex: row.error_hex }
        : null,
    runbookId: row.runbook_id,
    checks: readChecks(row.checks),
    itSteps: jsonArray(row.it_steps ?? '[]').flatMap((item) =>
      isRecord(item) && typeof item.checkId === 'string' && typeof item.title === 'string' ? [{ checkId: item.checkId, title: item.title }] : [],
    ),
    description: row.description,
    transcript: readTranscript(row.transcript),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    assignee: row.assignee_id !== null ? { id: row.assignee_id, name: row.assignee_name ?? row.assignee_id } : null,
    queuedAt: row.queued_at ?? row.created_at,
    assignedAt: row.assigned_at,
    closedAt: row.closed_at,
    solved: row.solved === null ? null : Number(row.solved) === 1,
    rating: row.rating === null ? null : Number(row.rating),
    resolutionNote: row.resolution_note,
  };
}

/** Queue order: queued tickets longest waiting first, then assigned ones, then closed ones as they came. */
function queueRank(t: Ticket): number {
  return t.status === 'queued' ? 0 : t.status === 'assigned' ? 1 : 2;
}

/**
 * All ticket SQL: creation, reads, the queue view, and state changes. Each change is atomic together with its audit
 * event and the sink's row (the webhook outbox): `UPDATE … WHERE status IN (…)` decides who wins (two agents
 * cannot both take a ticket), the event row says who did it and when.
 */
export function createTicketStore(database: Database, options: { sink?: TicketEventSink | undefined } = {}) {
  /** The surrounding transaction (unit of work) or the database. */
  const db = (): Kysely<DatabaseSchema> => executor(database.db);
  // Outbox writers (the webhook, the Teams staff channel) add theirs as their plugins start.
  const sinks: TicketEventSink[] = options.sink ? [options.sink] : [];

  async function read(executor: Kysely<DatabaseSchema>, id: number): Promise<Ticket | undefined> {
    const row = await executor.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toTicket(row) : undefined;
  }

  async function insertEvent(trx: Transaction<DatabaseSchema>, ticketId: number, given: TicketChange['event'], at: string): Promise<TicketEvent> {
    // An employee's note on the ticket is what they typed: its secrets are masked before IT reads it.
    const event = given.text === undefined ? given : { ...given, text: maskSecrets(given.text) };
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
    const stored: TicketEvent = { type: event.type, ticketId, ticketNumber: ticketNumber(ticketId), at, actor: event.actor };
    if (event.text !== undefined) stored.text = event.text;
    if (sinks.length > 0) {
      const ticket = await read(trx, ticketId);
      if (ticket) for (const sink of sinks) await sink(trx, stored, ticket);
    }
    return stored;
  }

  return {
    /** Adds a writer that records every ticket event in the change's own transaction; returns its removal. */
    addSink(sink: TicketEventSink): () => void {
      sinks.push(sink);
      return () => {
        const at = sinks.indexOf(sink);
        if (at !== -1) sinks.splice(at, 1);
      };
    },

    /** Creates a queued ticket together with its ticket.created event (the employee asked, or the checks failed). */
    async create(ticket: NewTicket): Promise<Ticket> {
      const now = new Date().toISOString();
      const actor: TicketActor = { kind: 'user', id: ticket.userId, name: ticket.userName || ticket.userId };
      const text = ticket.reason === 'checks_failed' ? 'The checks did not solve the problem.' : 'The employee asked for a person.';
      return transact(database.db, async (trx) => {
        const row = await trx
          .insertInto('tickets')
          .values({
            conversation_id: ticket.conversationId,
            status: 'queued',
            reason: ticket.reason,
            user_id: ticket.userId,
            user_name: ticket.userName,
            user_email: ticket.userEmail ?? null,
            channel_id: ticket.channelId,
            locale: ticket.locale,
            error_name: ticket.error?.name ?? null,
            error_code: ticket.error?.code ?? null,
            error_hex: ticket.error?.hex ?? null,
            runbook_id: ticket.runbookId,
            checks: JSON.stringify(ticket.checks),
            it_steps: JSON.stringify(ticket.itSteps ?? []),
            // The employee's words and the transcript a ticket carries to IT (console, Teams card, webhook) have their secrets masked.
            description: ticket.description ? maskSecrets(ticket.description) : null,
            transcript: JSON.stringify(maskEntries(ticket.transcript)),
            created_at: now,
            updated_at: now,
            queued_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const id = Number(row.id);
        await insertEvent(trx, id, { type: 'ticket.created', actor, text }, now);
        const created = await read(trx, id);
        if (!created) throw new Error(`ticket ${id} vanished while it was created`);
        return created;
      });
    },

    get(id: number): Promise<Ticket | undefined> {
      return read(db(), id);
    },

    async latestForConversation(conversationId: string): Promise<Ticket | undefined> {
      const row = await db().selectFrom('tickets').selectAll().where('conversation_id', '=', conversationId).orderBy('id', 'desc').executeTakeFirst();
      return row ? toTicket(row) : undefined;
    },

    /** The conversation key of the user's newest open ticket on a channel (a signed-in Web Chat user comes back to it). */
    async openConversationOf(userId: string, channelId: string): Promise<string | undefined> {
      const row = await db()
        .selectFrom('tickets')
        .select('conversation_id')
        .where('user_id', '=', userId)
        .where('channel_id', '=', channelId)
        .where('status', 'in', OPEN)
        .orderBy('id', 'desc')
        .executeTakeFirst();
      return row?.conversation_id;
    },

    /** Applies the change if the ticket is in an allowed state; otherwise reports the ticket as it is. */
    async change(ticketId: number, change: TicketChange): Promise<ChangeResult> {
      const at = new Date().toISOString();
      const done = await transact(database.db, async (trx) => {
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
                assigned ? eb.and([eb('status', 'in', strict), eb('assignee_id', '=', change.assignee ?? '')]) : eb('status', 'in', strict),
              );
            }
            if (loose.length > 0) alternatives.push(eb('status', 'in', loose));
            return alternatives.length > 0 ? eb.or(alternatives) : eb('id', '<', 0);
          })
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return undefined;
        const event = await insertEvent(trx, ticketId, change.event, at);
        const ticket = await read(trx, ticketId);
        return ticket ? { ticket, event } : undefined;
      });
      if (!done) return { ok: false, ticket: await read(db(), ticketId) };
      return { ok: true, ...done };
    },

    /** An event that changes no status (a message, a rating answer); `set` updates columns in the same transaction. */
    async record(ticketId: number, event: TicketChange['event'], set: TicketUpdate = {}): Promise<{ event: TicketEvent; ticket: Ticket | undefined }> {
      const at = new Date().toISOString();
      return transact(database.db, async (trx) => {
        await trx.updateTable('tickets').set({ ...set, updated_at: at }).where('id', '=', ticketId).execute();
        const stored = await insertEvent(trx, ticketId, event, at);
        return { event: stored, ticket: await read(trx, ticketId) };
      });
    },

    async events(ticketId: number): Promise<TicketEvent[]> {
      const rows = await db().selectFrom('ticket_events').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
      return rows.flatMap((row) => {
        const type = TICKET_EVENT_TYPES.find((t) => t === row.type);
        const kind = ACTOR_KINDS.find((k) => k === row.actor_kind);
        if (!type || !kind) return [];
        const event: TicketEvent = { type, ticketId, ticketNumber: ticketNumber(ticketId), at: row.at, actor: { kind, id: row.actor_id, name: row.actor_name } };
        if (row.text !== null) event.text = row.text;
        return [event];
      });
    },

    /**
     * The queue view, in one query: every open ticket (queued, longest waiting first, then assigned), never cut
     * off, followed by the most recently changed closed ones up to `limit` in all.
     */
    async list(status: TicketStatus | undefined, limit = 200, query?: string): Promise<Ticket[]> {
      const matching = searchFilter(query);
      const wantOpen = status === undefined ? OPEN : OPEN.filter((s) => s === status);
      const wantClosed = status === undefined ? STATUSES.filter((s) => !OPEN.includes(s)) : OPEN.includes(status) ? [] : [status];
      const rows = await db()
        .selectFrom('tickets')
        .selectAll()
        .where((eb) => {
          const alternatives = [];
          if (wantOpen.length > 0) alternatives.push(eb('status', 'in', wantOpen));
          if (wantClosed.length > 0) {
            alternatives.push(
              eb(
                'id',
                'in',
                eb
                  .selectFrom('tickets as closed')
                  .select('closed.id')
                  .where('closed.status', 'in', wantClosed)
                  .where(matching)
                  .orderBy('closed.updated_at', 'desc')
                  .orderBy('closed.id', 'desc')
                  .limit(limit),
              ),
            );
          }
          return alternatives.length > 0 ? eb.or(alternatives) : eb('id', '<', 0);
        })
        .where(matching)
        .execute();
      const tickets = rows.map(toTicket);
      const open = tickets.filter((t) => queueRank(t) < 2).sort((a, b) => a.id - b.id);
      const closed = tickets
        .filter((t) => queueRank(t) === 2)
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.id - a.id)
        .slice(0, Math.max(0, limit - open.length));
      return [...open, ...closed].sort((a, b) => queueRank(a) - queueRank(b) || (queueRank(a) === 0 ? a.queuedAt.localeCompare(b.queuedAt) : 0));
    },

    /** 1 = next in line: queued tickets that entered the queue before this one, plus itself. */
    async queuePosition(ticket: Ticket): Promise<number> {
      const row = await db()
        .selectFrom('tickets')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'queued')
        .where((eb) => eb.or([eb('queued_at', '<', ticket.queuedAt), eb.and([eb('queued_at', '=', ticket.queuedAt), eb('id', '<=', ticket.id)])]))
        .executeTakeFirst();
      return Math.max(1, Number(row?.n ?? 1));
    },

    /** Average seconds from entering the queue to being taken, over the most recent assignments; null without history. */
    async recentWaitSeconds(sample = 20): Promise<number | null> {
      const rows = await db()
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

export type TicketStore = ReturnType<typeof createTicketStore>;
