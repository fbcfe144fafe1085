import type { Kysely } from 'kysely';
import type { DirectLineInbound } from '../../bot/directline-adapter.js';
import type { Database, DatabaseSchema } from '../../storage/database.js';
import { executor } from '../../storage/unit-of-work.js';

/** How long an instance holds an accepted message before any other instance may run its turn instead. */
export const INBOX_LEASE_MS = 15_000;

/** An accepted message whose turn has not committed yet. */
export interface PendingTurn {
  id: string;
  inbound: DirectLineInbound;
}

function isInbound(value: unknown): value is DirectLineInbound {
  if (typeof value !== 'object' || value === null) return false;
  const type: unknown = Reflect.get(value, 'type');
  const conversationId: unknown = Reflect.get(value, 'conversationId');
  return (type === 'message' || type === 'conversationUpdate') && typeof conversationId === 'string';
}

/**
 * The durable inbox of the Direct Line: a message is `pending` from the transaction that stores it (before the client
 * hears 200) until the transaction that commits its turn removes it. A pending message whose lease lapsed (its
 * instance died) is run again by whichever instance sweeps first.
 */
export function createInboxStore(database: Database, leaseMs = INBOX_LEASE_MS) {
  const db = (): Kysely<DatabaseSchema> => executor(database.db);
  const leaseEnd = () => new Date(Date.now() + leaseMs).toISOString();
  return {
    /** Records an accepted activity as pending, leased to this instance (call inside the storing transaction). */
    async accept(inbound: DirectLineInbound): Promise<void> {
      await db()
        .insertInto('inbox')
        .values({
          id: inbound.id,
          conversation_id: inbound.conversationId,
          body: JSON.stringify(inbound),
          status: 'pending',
          attempts: 0,
          locked_until: leaseEnd(),
          created_at: new Date().toISOString(),
          done_at: null,
        })
        .execute();
    },

    /**
     * The turn is done: its row goes (the history keeps the message; the inbox keeps nothing it no longer needs).
     * False when it was already gone (another instance's run of the same message committed first).
     */
    async complete(id: string): Promise<boolean> {
      const result = await db().deleteFrom('inbox').where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    async isPending(id: string): Promise<boolean> {
      const row = await db().selectFrom('inbox').select('status').where('id', '=', id).executeTakeFirst();
      return row?.status === 'pending';
    },

    /** Extends this instance's lease on a turn that is still running. */
    async renew(id: string): Promise<void> {
      await db().updateTable('inbox').set({ locked_until: leaseEnd() }).where('id', '=', id).where('status', '=', 'pending').execute();
    },

    /**
     * Takes over pending turns whose lease lapsed, oldest first (so one conversation's messages keep their order).
     * Each is claimed with a compare-and-set on its lease, so two sweeping instances never take the same one.
     */
    async claimLapsed(limit = 50): Promise<PendingTurn[]> {
      const now = new Date().toISOString();
      const rows = await db()
        .selectFrom('inbox')
        .select(['id', 'body', 'locked_until', 'attempts'])
        .where('status', '=', 'pending')
        .where('locked_until', '<', now)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      const claimed: PendingTurn[] = [];
      for (const row of rows) {
        const result = await db()
          .updateTable('inbox')
          .set({ locked_until: leaseEnd(), attempts: Number(row.attempts) + 1 })
          .where('id', '=', row.id)
          .where('status', '=', 'pending')
          .where('locked_until', '=', row.locked_until)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) continue;
        const inbound: unknown = JSON.parse(row.body);
        if (isInbound(inbound)) claimed.push({ id: row.id, inbound });
      }
      return claimed;
    },
  };
}

export type InboxStore = ReturnType<typeof createInboxStore>;
