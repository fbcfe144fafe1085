import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Enough for every distinct query the service sends; lists of varying length make a few more, forgotten first. */
const DEFAULT_CAPACITY = 500;

export interface CachingSqliteDatabase extends SqliteDatabase {
  /** Forgets every prepared statement (after migrations changed the schema). */
  clear(): void;
}

/**
 * Kysely's SQLite driver prepares every query anew; this keeps the prepared statements by their SQL text, so a
 * turn's queries skip SQLite's parser and planner after the first time. Safe because Kysely runs one query at a
 * time on its single SQLite connection (a mutex), so a statement is never used twice at once.
 */
export function cacheStatements(database: SqliteDatabase, capacity = DEFAULT_CAPACITY): CachingSqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached) {
        // Most recently used last, so the oldest is the one forgotten.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > capacity) {
        const oldest = statements.keys().next().value;
        if (oldest !== undefined) statements.delete(oldest);
      }
      return statement;
    },
    clear(): void {
      statements.clear();
    },
    close(): void {
      statements.clear();
      database.close();
    },
  };
}
