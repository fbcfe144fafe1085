import type { CheckRecord, ErrorRef, EscalationReason } from '../../dialogs/types.js';
import type { TranscriptEntry } from './conversation-store.js';
import type { Database } from './database.js';

export type TicketStatus = 'queued' | 'assigned' | 'resolved' | 'cancelled';

export interface NewTicket {
  conversationId: string;
  reason: EscalationReason;
  userId: string;
  userName: string;
  /** From the host site's signed assertion (Web Chat), when there is one. */
  userEmail?: string | null;
  channelId: string;
  locale: string;
  error: ErrorRef | null;
  runbookId: string | null;
  checks: CheckRecord[];
  transcript: TranscriptEntry[];
}

export interface Ticket extends NewTicket {
  id: number;
  /** For humans: HD-000042. */
  number: string;
  status: TicketStatus;
  createdAt: string;
  updatedAt: string;
  /** The IT staff member who has the ticket (or had it, once resolved). */
  assignee: { id: string; name: string } | null;
  /** When the ticket last entered the queue (creation, reopening, hand-back). */
  queuedAt: string;
  assignedAt: string | null;
  closedAt: string | null;
  /** The employee's answers after resolution: problem solved?, satisfaction 1–5. */
  solved: boolean | null;
  rating: number | null;
  resolutionNote: string | null;
}

export function ticketNumber(id: number): string {
  return `HD-${String(id).padStart(6, '0')}`;
}

/** Parses "HD-000042" (or "42") back to the row id. */
export function ticketIdFromNumber(text: string): number | undefined {
  const match = /^(?:HD-)?0*(\d{1,9})$/i.exec(text.trim());
  return match?.[1] ? Number(match[1]) : undefined;
}

const STATUSES: readonly TicketStatus[] = ['queued', 'assigned', 'resolved', 'cancelled'];
function toStatus(value: string): TicketStatus {
  const found = STATUSES.find((s) => s === value);
  if (!found) throw new Error(`unknown ticket status in database: ${value}`);
  return found;
}

export function createTicketStore(database: Database) {
  const { db } = database;
  return {
    async create(ticket: NewTicket): Promise<Ticket> {
      const now = new Date().toISOString();
      const row = await db
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
          transcript: JSON.stringify(ticket.transcript),
          created_at: now,
          updated_at: now,
          queued_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const id = Number(row.id);
      return {
        ...ticket,
        id,
        number: ticketNumber(id),
        status: 'queued',
        createdAt: now,
        updatedAt: now,
        assignee: null,
        queuedAt: now,
        assignedAt: null,
        closedAt: null,
        solved: null,
        rating: null,
        resolutionNote: null,
      };
    },

    async get(id: number): Promise<Ticket | undefined> {
      const row = await db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const id_ = Number(row.id);
      return {
        id: id_,
        number: ticketNumber(id_),
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
        checks: JSON.parse(row.checks) as CheckRecord[],
        transcript: JSON.parse(row.transcript) as TranscriptEntry[],
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
    },

    async latestForConversation(conversationId: string): Promise<Ticket | undefined> {
      const row = await db
        .selectFrom('tickets')
        .select('id')
        .where('conversation_id', '=', conversationId)
        .orderBy('id', 'desc')
        .executeTakeFirst();
      return row ? this.get(Number(row.id)) : undefined;
    },
  };
}

export type TicketStore = ReturnType<typeof createTicketStore>;
