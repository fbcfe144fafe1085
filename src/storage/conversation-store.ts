import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './database.js';
import { executor } from './unit-of-work.js';
import type { Database } from './database.js';
import { maskEntries } from './mask-secrets.js';

export interface StoredConversation {
  id: string;
  channelId: string;
  userId: string;
  userName: string;
  locale: string;
  machineVersion: string;
  snapshot: unknown;
  /** Optimistic-concurrency token: a save must name the version it read. */
  version: number;
  reference: unknown;
}

export interface SaveConversation extends Omit<StoredConversation, 'version'> {
  /** The version read before the turn; 0 for a conversation that did not exist. */
  expectedVersion: number;
}

export interface TranscriptEntry {
  role: 'user' | 'bot' | 'agent' | 'system';
  author: string;
  text: string;
  at: string;
}

function parseJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

/** Conversation snapshots and transcripts. Saves are compare-and-set on `version`, so two turns never overwrite each other. */
export function createConversationStore(database: Database) {
  /** The surrounding transaction (unit of work) or the database. */
  const db = (): Kysely<DatabaseSchema> => executor(database.db);
  return {
    async load(id: string): Promise<StoredConversation | undefined> {
      const row = await db().selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      return {
        id: row.id,
        channelId: row.channel_id,
        userId: row.user_id,
        userName: row.user_name,
        locale: row.locale,
        machineVersion: row.machine_version,
        snapshot: parseJson(row.snapshot),
        version: Number(row.version),
        reference: parseJson(row.reference),
      };
    },

    /** Returns the new version, or undefined when someone else saved first (the caller's turn lost the race). */
    async save(conversation: SaveConversation): Promise<number | undefined> {
      const now = new Date().toISOString();
      const values = {
        channel_id: conversation.channelId,
        user_id: conversation.userId,
        user_name: conversation.userName,
        locale: conversation.locale,
        machine_version: conversation.machineVersion,
        snapshot: JSON.stringify(conversation.snapshot),
        reference: conversation.reference === null ? null : JSON.stringify(conversation.reference),
        updated_at: now,
      };
      const next = conversation.expectedVersion + 1;
      if (conversation.expectedVersion === 0) {
        const result = await db()
          .insertInto('conversations')
          .values({ id: conversation.id, ...values, version: next, created_at: now })
          .onConflict((oc) => oc.column('id').doNothing())
          .executeTakeFirst();
        return Number(result.numInsertedOrUpdatedRows ?? 0) === 1 ? next : undefined;
      }
      const result = await db()
        .updateTable('conversations')
        .set({ ...values, version: next })
        .where('id', '=', conversation.id)
        .where('version', '=', conversation.expectedVersion)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1 ? next : undefined;
    },

    async appendTranscript(conversationId: string, entries: readonly TranscriptEntry[]): Promise<void> {
      if (entries.length === 0) return;
      // Secrets typed into the chat are masked here, at the storage boundary, so neither IT nor a backup ever sees them.
      await db()
        .insertInto('transcript')
        .values(maskEntries(entries).map((e) => ({ conversation_id: conversationId, role: e.role, author: e.author, text: e.text, at: e.at })))
        .execute();
    },

    async transcript(conversationId: string): Promise<TranscriptEntry[]> {
      const rows = await db()
        .selectFrom('transcript')
        .select(['role', 'author', 'text', 'at'])
        .where('conversation_id', '=', conversationId)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ role: toRole(r.role), author: r.author, text: r.text, at: r.at }));
    },
  };
}

function toRole(role: string): TranscriptEntry['role'] {
  return role === 'user' || role === 'bot' || role === 'agent' ? role : 'system';
}

export type ConversationStore = ReturnType<typeof createConversationStore>;
