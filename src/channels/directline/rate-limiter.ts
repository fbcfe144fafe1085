import { sql } from 'kysely';
import type { Database } from '../../storage/database.js';

/**
 * Fixed-window counters per key (a token, a client address), kept in the shared database so that every instance
 * counts against the same limit: N instances behind a load balancer still allow the limit once, not N times.
 * One upsert per request, on SQLite and PostgreSQL alike.
 */
export interface RateLimiter {
  /** Counts one request; false when the key has used up its window. */
  take(key: string): Promise<boolean>;
}

export interface RateLimiterOptions {
  /** Which limit this is (several share the table): 'directline-post', 'webchat-token'. */
  scope: string;
  max: number;
  windowMs: number;
  now?: () => number;
}

/** Keys are client-chosen in part (ids, addresses); a bucket name stays short whatever they send. */
const MAX_KEY = 300;

export function createRateLimiter(database: Database, options: RateLimiterOptions): RateLimiter {
  const { db } = database;
  const now = options.now ?? Date.now;
  return {
    async take(key) {
      const t = now();
      const windowIndex = Math.floor(t / options.windowMs);
      const bucket = `${options.scope}:${key}`.slice(0, MAX_KEY);
      // The window's end, so the purge job can drop counters nobody needs any more.
      const expiresAt = new Date((windowIndex + 1) * options.windowMs).toISOString();
      const row = await db
        .insertInto('rate_limits')
        .values({ bucket, window_index: windowIndex, hits: 1, expires_at: expiresAt })
        .onConflict((oc) =>
          oc.column('bucket').doUpdateSet({
            hits: sql<number>`case when rate_limits.window_index = excluded.window_index then rate_limits.hits + 1 else 1 end`,
            window_index: sql<number>`excluded.window_index`,
            expires_at: sql<string>`excluded.expires_at`,
          }),
        )
        .returning('hits')
        .executeTakeFirstOrThrow();
      return Number(row.hits) <= options.max;
    },
  };
}
