import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../../storage/database.js';
import { executor, transact } from '../../storage/unit-of-work.js';
import type { Database } from '../../storage/database.js';
import { maskSecrets } from '../../storage/mask-secrets.js';

/** A card or file attached to a bot-side Direct Line activity (the Bot Framework attachment shape). */
export interface DirectLineAttachment {
  contentType: string;
  content?: unknown;
  contentUrl?: string;
  name?: string;
}

/** A button under a bot-side Direct Line message (the Bot Framework CardAction shape). */
export interface DirectLineCardAction {
  type: string;
  title: string;
  value?: unknown;
  text?: string;
  displayText?: string;
}

/** What another part of the service (the human handoff relay) may append to a Web Chat conversation. */
export interface BotSideActivity {
  type: 'message';
  text: string;
  /** Who speaks; defaults to the bot. An IT staff member may be named here (role 'bot' is kept for Web Chat). */
  from?: { id: string; name?: string; role?: string };
  suggestedActions?: { actions: DirectLineCardAction[]; to?: string[] };
  attachments?: DirectLineAttachment[];
  locale?: string;
}

/** Who a Direct Line conversation belongs to. */
export interface DirectLineUser {
  id: string;
  name: string;
  email?: string;
}

export interface DirectLineConversation {
  id: string;
  user: DirectLineUser;
  locale: string;
  createdAt: string;
}

/** An activity before the store gives it an id. */
export interface NewActivity {
  type: string;
  timestamp: string;
  channelId: string;
  conversation: { id: string };
  from: { id: string; name?: string; role?: string };
  [field: string]: unknown;
}

/** An activity as Direct Line clients receive it: the Bot Framework activity shape, always with id and from. */
export interface WireActivity extends NewActivity {
  id: string;
}

/** A page of history: what Direct Line's GET activities and the stream send. */
export interface ActivitySet {
  activities: WireActivity[];
  /** The watermark after the last activity of the set (the caller's own watermark when the set is empty). */
  watermark: string;
}

export interface DirectLineStore {
  createConversation(conversation: DirectLineConversation): Promise<void>;
  getConversation(id: string): Promise<DirectLineConversation | undefined>;
  /**
   * Stores an activity; the server assigns its id and watermark. With a client activity id, a second activity with
   * the same id in the same conversation is not stored: the first one's id comes back with `duplicate: true`.
   */
  append(conversationId: string, activity: NewActivity, clientActivityId?: string): Promise<WireActivity & { watermark: string; duplicate?: boolean }>;
  /** Replaces a stored activity's body, keeping its id; undefined when the id is not in this conversation. */
  replace(conversationId: string, activityId: string, activity: NewActivity): Promise<WireActivity | undefined>;
  /** One stored activity by id (an updated card that must be shown again). */
  get(conversationId: string, activityId: string): Promise<WireActivity | undefined>;
  /** Activities after the watermark ('' = from the start), oldest first. */
  list(conversationId: string, watermark: string, limit?: number): Promise<ActivitySet>;
}

/** Direct Line ids look like Azure's: the conversation, a bar, a zero-padded sequence number. */
export function activityId(conversationId: string, seq: number): string {
  return `${conversationId}|${String(seq).padStart(7, '0')}`;
}

/** Parses a client-supplied watermark; anything but a non-negative integer counts as "from the start". */
export function readWatermark(raw: unknown): number {
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) return 0;
  return Number(raw);
}

function parseBody(body: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed));
}

function readFrom(value: unknown): WireActivity['from'] {
  if (typeof value !== 'object' || value === null) return { id: 'unknown' };
  const id: unknown = Reflect.get(value, 'id');
  const name: unknown = Reflect.get(value, 'name');
  const role: unknown = Reflect.get(value, 'role');
  return {
    id: typeof id === 'string' ? id : 'unknown',
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof role === 'string' ? { role } : {}),
  };
}

/** History and conversations of the self-hosted Direct Line, in the shared database (SQLite or PostgreSQL). */
/** Told (inside the writing transaction) that an activity was stored: the bus tells every instance's sockets. */
export type StoredNotifier = (stored: { conversationId: string; seq: number }) => Promise<void>;

export function createDirectLineStore(database: Database, options: { notify?: StoredNotifier } = {}): DirectLineStore {
  /** The surrounding transaction (unit of work) or the database. */
  const db = (): Kysely<DatabaseSchema> => executor(database.db);
  return {
    async createConversation(conversation) {
      await db()
        .insertInto('directline_conversations')
        .values({
          id: conversation.id,
          user_id: conversation.user.id,
          user_name: conversation.user.name,
          user_email: conversation.user.email ?? null,
          locale: conversation.locale,
          created_at: conversation.createdAt,
          updated_at: conversation.createdAt,
        })
        .execute();
    },

    async getConversation(id) {
      const row = await db().selectFrom('directline_conversations').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      return {
        id: row.id,
        user: { id: row.user_id, name: row.user_name, ...(row.user_email ? { email: row.user_email } : {}) },
        locale: row.locale,
        createdAt: row.created_at,
      };
    },

    async append(conversationId, given, clientActivityId) {
      const now = new Date().toISOString();
      // What the employee typed is kept with its secrets masked (the bot's turn has the words it needs already).
      const activity = given.from.role === 'user' && typeof given.text === 'string' ? { ...given, text: maskSecrets(given.text) } : given;
      return transact(database.db, async () => {
        // The conversation row is locked first: one conversation's activities commit in the order of their seq, so a
        // reader that has seen seq n never misses a smaller seq committed later (watermarks stay gap-free). The lock
        // also serialises two copies of one retried POST (on two instances, say): the second finds the first.
        await db().updateTable('directline_conversations').set({ updated_at: now }).where('id', '=', conversationId).execute();
        if (clientActivityId !== undefined) {
          const row = await db()
            .selectFrom('directline_activities')
            .select('seq')
            .where('conversation_id', '=', conversationId)
            .where('client_activity_id', '=', clientActivityId)
            .executeTakeFirst();
          if (row) return { ...given, id: activityId(conversationId, Number(row.seq)), watermark: String(row.seq), duplicate: true };
        }
        const inserted = await db()
          .insertInto('directline_activities')
          .values({ conversation_id: conversationId, body: JSON.stringify(activity), created_at: now, client_activity_id: clientActivityId ?? null })
          .returning('seq')
          .executeTakeFirstOrThrow();
        const seq = Number(inserted.seq);
        await options.notify?.({ conversationId, seq });
        return { ...activity, id: activityId(conversationId, seq), watermark: String(seq) };
      });
    },

    async replace(conversationId, activityId, activity) {
      const prefix = `${conversationId}|`;
      const seq = activityId.startsWith(prefix) ? readWatermark(activityId.slice(prefix.length)) : 0;
      if (seq === 0) return undefined;
      const result = await db()
        .updateTable('directline_activities')
        .set({ body: JSON.stringify(activity) })
        .where('conversation_id', '=', conversationId)
        .where('seq', '=', seq)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1 ? { ...activity, id: activityId } : undefined;
    },

    async get(conversationId, id) {
      const prefix = `${conversationId}|`;
      const seq = id.startsWith(prefix) ? readWatermark(id.slice(prefix.length)) : 0;
      if (seq === 0) return undefined;
      const row = await db().selectFrom('directline_activities').select(['seq', 'body']).where('conversation_id', '=', conversationId).where('seq', '=', seq).executeTakeFirst();
      return row ? toWire(conversationId, row) : undefined;
    },

    async list(conversationId, watermark, limit = 500) {
      const after = readWatermark(watermark);
      const rows = await db()
        .selectFrom('directline_activities')
        .select(['seq', 'body'])
        .where('conversation_id', '=', conversationId)
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(limit)
        .execute();
      const activities = rows.map((row) => toWire(conversationId, row));
      const last = rows.at(-1);
      return { activities, watermark: last ? String(last.seq) : after > 0 ? String(after) : '' };
    },
  };
}

function toWire(conversationId: string, row: { seq: number; body: string }): WireActivity {
  const body = parseBody(row.body);
  const type = body.type;
  const timestamp = body.timestamp;
  const channelId = body.channelId;
  return {
    ...body,
    type: typeof type === 'string' ? type : 'message',
    id: activityId(conversationId, Number(row.seq)),
    timestamp: typeof timestamp === 'string' ? timestamp : new Date(0).toISOString(),
    channelId: typeof channelId === 'string' ? channelId : 'webchat',
    conversation: { id: conversationId },
    from: readFrom(body.from),
  };
}
