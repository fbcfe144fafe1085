import { sql } from 'kysely';
import type { Database } from './database.js';

/** How long personal data is kept, in days; 0 keeps it for ever. */
export interface RetentionPolicy {
  /** Transcript lines (what employees, the bot and IT said) and the transcript copy on closed tickets. */
  transcriptDays: number;
  /** The Direct Line (Web Chat) history and its conversations. */
  directLineDays: number;
}

export interface PurgeResult {
  /** False when another instance held the purge lock (PostgreSQL): this run did nothing. */
  ran: boolean;
  transcriptLines: number;
  ticketTranscripts: number;
  directLineActivities: number;
  directLineConversations: number;
  rateLimitCounters: number;
}

/** The advisory lock key of the purge job: any fixed 64-bit number no other part of the service uses ("hd-purge"). */
export const PURGE_LOCK_KEY = 0x6864_7075_7267_65n;

const DAY_MS = 86_400_000;
const OPEN = ['queued', 'assigned'];

function cutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString();
}

/**
 * Deletes what is older than the policy allows, in one transaction. Conversations whose ticket is still open keep
 * everything: IT is working from that transcript and the employee may come back to that Web Chat conversation.
 * On PostgreSQL the run takes a transaction-scoped advisory lock first, so of several instances only one purges at a
 * time (the others skip this round); on SQLite the single process is the only one.
 */
export async function purgeExpired(database: Database, policy: RetentionPolicy, now: Date = new Date()): Promise<PurgeResult> {
  return database.db.transaction().execute(async (trx) => {
    const result: PurgeResult = { ran: true, transcriptLines: 0, ticketTranscripts: 0, directLineActivities: 0, directLineConversations: 0, rateLimitCounters: 0 };
    if (database.dialect === 'postgres') {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${PURGE_LOCK_KEY.toString()}::bigint) as locked`.execute(trx);
      if (rows[0]?.locked !== true) return { ...result, ran: false };
    }
    const openConversations = trx.selectFrom('tickets').select('conversation_id').where('status', 'in', OPEN);

    if (policy.transcriptDays > 0) {
      const before = cutoff(now, policy.transcriptDays);
      const lines = await trx
        .deleteFrom('transcript')
        .where('at', '<', before)
        .where('conversation_id', 'not in', openConversations)
        .executeTakeFirst();
      result.transcriptLines = Number(lines.numDeletedRows);
      const tickets = await trx
        .updateTable('tickets')
        .set({ transcript: '[]' })
        .where('status', 'not in', OPEN)
        .where('closed_at', '<', before)
        .where('transcript', '<>', '[]')
        .executeTakeFirst();
      result.ticketTranscripts = Number(tickets.numUpdatedRows);
    }

    if (policy.directLineDays > 0) {
      const before = cutoff(now, policy.directLineDays);
      // Web Chat conversations are keyed "webchat:<Direct Line id>" on the ticket side.
      const openDirectLine = trx
        .selectFrom('tickets')
        .select(sql<string>`substr(conversation_id, 9)`.as('id'))
        .where('status', 'in', OPEN)
        .where('conversation_id', 'like', 'webchat:%');
      const activities = await trx
        .deleteFrom('directline_activities')
        .where('created_at', '<', before)
        .where('conversation_id', 'not in', openDirectLine)
        .executeTakeFirst();
      result.directLineActivities = Number(activities.numDeletedRows);
      const conversations = await trx
        .deleteFrom('directline_conversations')
        .where('updated_at', '<', before)
        .where('id', 'not in', openDirectLine)
        .where('id', 'not in', trx.selectFrom('directline_activities').select('conversation_id'))
        .executeTakeFirst();
      result.directLineConversations = Number(conversations.numDeletedRows);
    }

    const counters = await trx.deleteFrom('rate_limits').where('expires_at', '<', now.toISOString()).executeTakeFirst();
    result.rateLimitCounters = Number(counters.numDeletedRows);
    return result;
  });
}
