import type { Selectable, Updateable } from 'kysely';
import type { CheckRecord } from '../../dialogs/types.js';
import type { Database, DatabaseSchema } from '../storage/database.js';

export const OUTCOMES = ['in_progress', 'resolved_by_bot', 'escalated', 'resolved_by_it', 'abandoned'] as const;
export type OutcomeKind = (typeof OUTCOMES)[number];

export const ESCALATION_REASONS = ['checks_failed', 'user_request', 'out_of_scope', 'unknown_code'] as const;
export type EscalationReasonCode = (typeof ESCALATION_REASONS)[number];

/** What the employee brought: a runbook's problem, a code nobody knows, a known error no runbook covers, or no problem named. */
export const PROBLEM_KINDS = ['runbook', 'unknown_code', 'out_of_scope', 'request'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

/** One problem an employee brought, and how it ended. */
export interface OutcomeRecord {
  id: number;
  conversationId: string;
  channelId: string;
  locale: string;
  kind: ProblemKind;
  outcome: OutcomeKind;
  runbookId: string | null;
  errorName: string | null;
  errorHex: string | null;
  checksReached: number;
  fixedAtCheck: number | null;
  checks: CheckRecord[];
  escalationReason: EscalationReasonCode | null;
  ticketId: number | null;
  agentName: string | null;
  helpful: boolean | null;
  solved: boolean | null;
  rating: number | null;
  queueWaitSeconds: number | null;
  resolutionSeconds: number | null;
  startedAt: string;
  lastActivityAt: string;
  escalatedAt: string | null;
  endedAt: string | null;
}

export type NewOutcome = Pick<OutcomeRecord, 'conversationId' | 'channelId' | 'locale' | 'kind' | 'runbookId' | 'errorName' | 'errorHex' | 'checksReached' | 'checks' | 'startedAt'>;

export interface UnrecognisedMessage {
  conversationId: string;
  channelId: string;
  locale: string;
  /** Already masked. */
  text: string;
  at: string;
}

type Row = Selectable<DatabaseSchema['outcomes']>;
type OutcomeUpdate = Updateable<DatabaseSchema['outcomes']>;

function oneOf<T extends string>(values: readonly T[], value: string | null, fallback: T): T {
  return values.find((v) => v === value) ?? fallback;
}

function flag(value: number | null): boolean | null {
  return value === null ? null : Number(value) === 1;
}

function num(value: number | null): number | null {
  return value === null ? null : Number(value);
}

function parseChecks(text: string): CheckRecord[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as CheckRecord[]) : [];
  } catch {
    return [];
  }
}

function toRecord(row: Row): OutcomeRecord {
  return {
    id: Number(row.id),
    conversationId: row.conversation_id,
    channelId: row.channel_id,
    locale: row.locale,
    kind: oneOf(PROBLEM_KINDS, row.kind, 'runbook'),
    outcome: oneOf(OUTCOMES, row.outcome, 'in_progress'),
    runbookId: row.runbook_id,
    errorName: row.error_name,
    errorHex: row.error_hex,
    checksReached: Number(row.checks_reached),
    fixedAtCheck: num(row.fixed_at_check),
    checks: parseChecks(row.checks),
    escalationReason: row.escalation_reason === null ? null : oneOf(ESCALATION_REASONS, row.escalation_reason, 'user_request'),
    ticketId: num(row.ticket_id),
    agentName: row.agent_name,
    helpful: flag(row.helpful),
    solved: flag(row.solved),
    rating: num(row.rating),
    queueWaitSeconds: num(row.queue_wait_seconds),
    resolutionSeconds: num(row.resolution_seconds),
    startedAt: row.started_at,
    lastActivityAt: row.last_activity_at,
    escalatedAt: row.escalated_at,
    endedAt: row.ended_at,
  };
}

/** The changes the recorder makes, in the record's own words. */
export type OutcomePatch = Partial<Omit<OutcomeRecord, 'id' | 'conversationId' | 'startedAt'>>;

function toUpdate(patch: OutcomePatch): OutcomeUpdate {
  const set: OutcomeUpdate = {};
  if (patch.channelId !== undefined) set.channel_id = patch.channelId;
  if (patch.locale !== undefined) set.locale = patch.locale;
  if (patch.kind !== undefined) set.kind = patch.kind;
  if (patch.outcome !== undefined) set.outcome = patch.outcome;
  if (patch.runbookId !== undefined) set.runbook_id = patch.runbookId;
  if (patch.errorName !== undefined) set.error_name = patch.errorName;
  if (patch.errorHex !== undefined) set.error_hex = patch.errorHex;
  if (patch.checksReached !== undefined) set.checks_reached = patch.checksReached;
  if (patch.fixedAtCheck !== undefined) set.fixed_at_check = patch.fixedAtCheck;
  if (patch.checks !== undefined) set.checks = JSON.stringify(patch.checks);
  if (patch.escalationReason !== undefined) set.escalation_reason = patch.escalationReason;
  if (patch.ticketId !== undefined) set.ticket_id = patch.ticketId;
  if (patch.agentName !== undefined) set.agent_name = patch.agentName;
  if (patch.helpful !== undefined) set.helpful = patch.helpful === null ? null : patch.helpful ? 1 : 0;
  if (patch.solved !== undefined) set.solved = patch.solved === null ? null : patch.solved ? 1 : 0;
  if (patch.rating !== undefined) set.rating = patch.rating;
  if (patch.queueWaitSeconds !== undefined) set.queue_wait_seconds = patch.queueWaitSeconds;
  if (patch.resolutionSeconds !== undefined) set.resolution_seconds = patch.resolutionSeconds;
  if (patch.lastActivityAt !== undefined) set.last_activity_at = patch.lastActivityAt;
  if (patch.escalatedAt !== undefined) set.escalated_at = patch.escalatedAt;
  if (patch.endedAt !== undefined) set.ended_at = patch.endedAt;
  return set;
}

/** All SQL of the analytics: the outcome of each problem, and the messages the bot did not understand. */
export function createOutcomeStore(database: Database) {
  const { db } = database;
  return {
    async start(outcome: NewOutcome): Promise<OutcomeRecord> {
      const row = await db
        .insertInto('outcomes')
        .values({
          conversation_id: outcome.conversationId,
          channel_id: outcome.channelId,
          locale: outcome.locale,
          kind: outcome.kind,
          outcome: 'in_progress',
          runbook_id: outcome.runbookId,
          error_name: outcome.errorName,
          error_hex: outcome.errorHex,
          checks_reached: outcome.checksReached,
          fixed_at_check: null,
          checks: JSON.stringify(outcome.checks),
          escalation_reason: null,
          ticket_id: null,
          agent_name: null,
          helpful: null,
          solved: null,
          rating: null,
          queue_wait_seconds: null,
          resolution_seconds: null,
          started_at: outcome.startedAt,
          last_activity_at: outcome.startedAt,
          escalated_at: null,
          ended_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    },

    async update(id: number, patch: OutcomePatch): Promise<void> {
      const set = toUpdate(patch);
      if (Object.keys(set).length === 0) return;
      await db.updateTable('outcomes').set(set).where('id', '=', id).execute();
    },

    /**
     * Moves the problem from one outcome to another only if it is still in `from` (checked in the UPDATE itself, so
     * two instances never both count the same change). True when this call made the change.
     */
    async transition(id: number, from: readonly OutcomeKind[], patch: OutcomePatch): Promise<boolean> {
      const result = await db.updateTable('outcomes').set(toUpdate(patch)).where('id', '=', id).where('outcome', 'in', [...from]).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async latestForConversation(conversationId: string): Promise<OutcomeRecord | undefined> {
      const row = await db.selectFrom('outcomes').selectAll().where('conversation_id', '=', conversationId).orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    async forTicket(ticketId: number): Promise<OutcomeRecord | undefined> {
      const row = await db.selectFrom('outcomes').selectAll().where('ticket_id', '=', ticketId).orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    /** Problems still in progress whose last answer is older than `before`: candidates for "abandoned". */
    async idleSince(before: string, limit = 500): Promise<OutcomeRecord[]> {
      const rows = await db
        .selectFrom('outcomes')
        .selectAll()
        .where('outcome', '=', 'in_progress')
        .where('last_activity_at', '<', before)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toRecord);
    },

    /** Problems that started in [from, to), optionally on one channel. */
    async startedBetween(from: string, to: string, channel?: string): Promise<OutcomeRecord[]> {
      let query = db.selectFrom('outcomes').selectAll().where('started_at', '>=', from).where('started_at', '<', to);
      if (channel) query = query.where('channel_id', '=', channel);
      return (await query.orderBy('started_at').orderBy('id').execute()).map(toRecord);
    },

    async addUnrecognised(message: UnrecognisedMessage): Promise<void> {
      await db
        .insertInto('unrecognised_messages')
        .values({ conversation_id: message.conversationId, channel_id: message.channelId, locale: message.locale, text: message.text, at: message.at })
        .execute();
    },

    async unrecognisedBetween(from: string, to: string, channel?: string): Promise<UnrecognisedMessage[]> {
      let query = db.selectFrom('unrecognised_messages').selectAll().where('at', '>=', from).where('at', '<', to);
      if (channel) query = query.where('channel_id', '=', channel);
      const rows = await query.orderBy('at').execute();
      return rows.map((r) => ({ conversationId: r.conversation_id, channelId: r.channel_id, locale: r.locale, text: r.text, at: r.at }));
    },

    /** Channels seen so far, for the dashboard's filter. */
    async channels(): Promise<string[]> {
      const rows = await db.selectFrom('outcomes').select('channel_id').distinct().orderBy('channel_id').execute();
      return rows.map((r) => r.channel_id);
    },
  };
}

export type OutcomeStore = ReturnType<typeof createOutcomeStore>;
