import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Generated, type Migration } from 'kysely';
import pg from 'pg';
import { DatabaseUnavailableError } from './database-errors.js';
import { cacheStatements, type CachingSqliteDatabase } from './sqlite-statement-cache.js';

export { DatabaseUnavailableError, isDatabaseUnavailable } from './database-errors.js';

export interface ConversationTable {
  id: string;
  channel_id: string;
  user_id: string;
  user_name: string;
  locale: string;
  machine_version: string;
  snapshot: string | null;
  version: number;
  reference: string | null;
  created_at: string;
  updated_at: string;
}

export interface TranscriptTable {
  id: Generated<number>;
  conversation_id: string;
  role: string;
  author: string;
  text: string;
  at: string;
}

export interface TicketTable {
  id: Generated<number>;
  conversation_id: string;
  status: string;
  reason: string;
  user_id: string;
  user_name: string;
  user_email: string | null;
  channel_id: string;
  locale: string;
  error_name: string | null;
  error_code: number | null;
  error_hex: string | null;
  runbook_id: string | null;
  checks: string;
  transcript: string;
  created_at: string;
  updated_at: string;
  /** The employee's own words about the problem (intake sentence, out-of-scope message), or null. */
  description: string | null;
  /** JSON list of the runbook's IT-only checks: next steps for IT. */
  it_steps: string | null;
}

/** Handoff state of a ticket (issue 5): who has it, since when, and what the employee said at the end. */
export interface TicketHandoffColumns {
  assignee_id: string | null;
  assignee_name: string | null;
  queued_at: string | null;
  assigned_at: string | null;
  closed_at: string | null;
  solved: number | null;
  rating: number | null;
  resolution_note: string | null;
}

/** Every change of a ticket: who, what, when (issue 5). */
export interface TicketEventTable {
  id: Generated<number>;
  ticket_id: number;
  type: string;
  actor_kind: string;
  actor_id: string;
  actor_name: string;
  text: string | null;
  at: string;
}

/** A conversation started through the self-hosted Direct Line (issue 4). */
export interface DirectLineConversationTable {
  id: string;
  user_id: string;
  user_name: string;
  user_email: string | null;
  locale: string;
  created_at: string;
  updated_at: string;
}

/** The Direct Line history; the global sequence `seq` is the watermark. */
export interface DirectLineActivityTable {
  seq: Generated<number>;
  conversation_id: string;
  body: string;
  created_at: string;
  /** The id the client gave its activity (Web Chat's channelData.clientActivityID): a retried POST is stored once. */
  client_activity_id: string | null;
}

/**
 * How one problem an employee brought ended (issue 13): one row per problem, not per conversation, since one
 * conversation can carry several. Written by src/analytics from the turn runner and the ticket events.
 */
export interface OutcomeTable {
  id: Generated<number>;
  conversation_id: string;
  channel_id: string;
  locale: string;
  /** runbook | unknown_code | out_of_scope | request (asked for a person before naming a problem) */
  kind: string;
  /** in_progress | resolved_by_bot | escalated | resolved_by_it | abandoned */
  outcome: string;
  runbook_id: string | null;
  error_name: string | null;
  error_hex: string | null;
  /** How many of the runbook's checks were asked (1 = the first one). */
  checks_reached: number;
  /** 0-based index of the check that fixed it. */
  fixed_at_check: number | null;
  checks: string;
  escalation_reason: string | null;
  ticket_id: number | null;
  agent_name: string | null;
  helpful: number | null;
  solved: number | null;
  rating: number | null;
  queue_wait_seconds: number | null;
  resolution_seconds: number | null;
  started_at: string;
  last_activity_at: string;
  escalated_at: string | null;
  ended_at: string | null;
}

/** What the bot did not understand, with personal data masked (issue 13), for content authors. */
export interface UnrecognisedMessageTable {
  id: Generated<number>;
  conversation_id: string;
  channel_id: string;
  locale: string;
  text: string;
  at: string;
}

/** Fixed-window request counters shared by every instance (issue 14): one row per limited key. */
export interface RateLimitTable {
  bucket: string;
  window_index: number;
  hits: number;
  expires_at: string;
}

/** Direct Line activities accepted but whose turn has not committed yet (the durable inbox). */
export interface InboxTable {
  id: string;
  conversation_id: string;
  /** The inbound activity as the bot should see it (JSON). */
  body: string;
  status: string;
  attempts: number;
  /** While a live instance works on it; a lapsed lease lets any instance take it over. */
  locked_until: string;
  created_at: string;
  done_at: string | null;
}

export interface DatabaseSchema {
  outcomes: OutcomeTable;
  unrecognised_messages: UnrecognisedMessageTable;
  conversations: ConversationTable;
  transcript: TranscriptTable;
  tickets: TicketTable & TicketHandoffColumns;
  ticket_events: TicketEventTable;
  directline_conversations: DirectLineConversationTable;
  directline_activities: DirectLineActivityTable;
  rate_limits: RateLimitTable;
  inbox: InboxTable;
}

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DatabaseSchema>;
  dialect: Dialect;
  /** Where the data lives, for logs (never contains a password). */
  location: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

function idColumn(dialect: Dialect): 'integer' | 'serial' {
  return dialect === 'postgres' ? 'serial' : 'integer';
}

/** Migrations are code, ordered by name; each one runs once per database. */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_core': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('conversations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('channel_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('user_name', 'text', (c) => c.notNull())
          .addColumn('locale', 'text', (c) => c.notNull())
          .addColumn('machine_version', 'text', (c) => c.notNull())
          .addColumn('snapshot', 'text')
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('reference', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('transcript')
          .addColumn('id', idColumn(dialect), (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('author', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('transcript_conversation').on('transcript').columns(['conversation_id', 'id']).execute();
        await db.schema
          .createTable('tickets')
          .addColumn('id', idColumn(dialect), (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('user_name', 'text', (c) => c.notNull())
          .addColumn('channel_id', 'text', (c) => c.notNull())
          .addColumn('locale', 'text', (c) => c.notNull())
          .addColumn('error_name', 'text')
          .addColumn('error_code', 'integer')
          .addColumn('error_hex', 'text')
          .addColumn('runbook_id', 'text')
          .addColumn('checks', 'text', (c) => c.notNull())
          .addColumn('transcript', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('tickets_status').on('tickets').columns(['status', 'id']).execute();
        await db.schema.createIndex('tickets_conversation').on('tickets').columns(['conversation_id']).execute();
      },
    },
    // Issue 4: the self-hosted Direct Line's conversations and history (a reload or another instance resumes them).
    '0002_directline': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('directline_conversations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('user_name', 'text', (c) => c.notNull())
          .addColumn('user_email', 'text')
          .addColumn('locale', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('directline_activities')
          .addColumn('seq', idColumn(dialect), (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('directline_activities_conversation').on('directline_activities').columns(['conversation_id', 'seq']).execute();
      },
    },
    // Issue 5 part A: the ticket lifecycle (assignee, timestamps, rating) and its audit trail.
    '0003_handoff': {
      async up(db: Kysely<unknown>) {
        const columns: Array<[string, 'text' | 'integer']> = [
          ['assignee_id', 'text'],
          ['assignee_name', 'text'],
          ['queued_at', 'text'],
          ['assigned_at', 'text'],
          ['closed_at', 'text'],
          ['solved', 'integer'],
          ['rating', 'integer'],
          ['resolution_note', 'text'],
        ];
        for (const [name, type] of columns) await db.schema.alterTable('tickets').addColumn(name, type).execute();
        await sql`update tickets set queued_at = created_at`.execute(db);
        await db.schema
          .createTable('ticket_events')
          .addColumn('id', idColumn(dialect), (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('ticket_id', 'integer', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('actor_kind', 'text', (c) => c.notNull())
          .addColumn('actor_id', 'text', (c) => c.notNull())
          .addColumn('actor_name', 'text', (c) => c.notNull())
          .addColumn('text', 'text')
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('ticket_events_ticket').on('ticket_events').columns(['ticket_id', 'id']).execute();
        await db.schema.createIndex('tickets_assigned').on('tickets').columns(['assigned_at']).execute();
      },
    },
    // Issue 5 part B: the durable outbox of ticket events for the ITSM webhook (src/handoff/webhook/).
    '0004_outbox': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('outbox')
          .addColumn('id', idColumn(dialect), (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('event_id', 'text', (c) => c.notNull().unique())
          .addColumn('topic', 'text', (c) => c.notNull())
          .addColumn('ticket_id', 'integer', (c) => c.notNull())
          .addColumn('event_type', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('locked_until', 'text')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'text')
          .execute();
        await db.schema.createIndex('outbox_pending').on('outbox').columns(['topic', 'status', 'ticket_id', 'id']).execute();
      },
    },
    // Issue 5 part B: the Teams staff channel captured on install, and the ticket card posted for each ticket.
    '0005_teams_staff': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('teams_staff_channel')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('channel_id', 'text', (c) => c.notNull())
          .addColumn('service_url', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('team_id', 'text', (c) => c.notNull())
          .addColumn('team_name', 'text', (c) => c.notNull())
          .addColumn('captured_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('teams_ticket_cards')
          .addColumn('ticket_id', 'integer', (c) => c.primaryKey())
          .addColumn('channel_id', 'text', (c) => c.notNull())
          .addColumn('thread_id', 'text', (c) => c.notNull())
          .addColumn('activity_id', 'text', (c) => c.notNull())
          .addColumn('service_url', 'text', (c) => c.notNull())
          .addColumn('tenant_id', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('teams_ticket_cards_thread').on('teams_ticket_cards').columns(['thread_id']).execute();
      },
    },
    // The e-mail a host site asserts for a Web Chat user (issue 4), so it reaches the ticket.
    '0006_ticket_email': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('tickets').addColumn('user_email', 'text').execute();
      },
    },
    // Issue 11: the employee's own words and IT's next steps on the ticket; HRESULTs (0x8xxxxxxx) as error codes.
    '0011_ticket_description': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('tickets').addColumn('description', 'text').execute();
        await db.schema.alterTable('tickets').addColumn('it_steps', 'text').execute();
        // SQLite integers are 64-bit already; PostgreSQL's integer stops at 2^31 - 1, below most HRESULTs.
        if (dialect === 'postgres') await sql`alter table tickets alter column error_code type bigint`.execute(db);
      },
    },
    // Issue 13: how each problem ended (deflection analytics) and what the bot did not understand.
    '0013_analytics': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('outcomes')
          .addColumn('id', idColumn(dialect), (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('channel_id', 'text', (c) => c.notNull())
          .addColumn('locale', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('runbook_id', 'text')
          .addColumn('error_name', 'text')
          .addColumn('error_hex', 'text')
          .addColumn('checks_reached', 'integer', (c) => c.notNull())
          .addColumn('fixed_at_check', 'integer')
          .addColumn('checks', 'text', (c) => c.notNull())
          .addColumn('escalation_reason', 'text')
          .addColumn('ticket_id', 'integer')
          .addColumn('agent_name', 'text')
          .addColumn('helpful', 'integer')
          .addColumn('solved', 'integer')
          .addColumn('rating', 'integer')
          .addColumn('queue_wait_seconds', 'integer')
          .addColumn('resolution_seconds', 'integer')
          .addColumn('started_at', 'text', (c) => c.notNull())
          .addColumn('last_activity_at', 'text', (c) => c.notNull())
          .addColumn('escalated_at', 'text')
          .addColumn('ended_at', 'text')
          .execute();
        await db.schema.createIndex('outcomes_started').on('outcomes').columns(['started_at']).execute();
        await db.schema.createIndex('outcomes_conversation').on('outcomes').columns(['conversation_id', 'id']).execute();
        await db.schema.createIndex('outcomes_open').on('outcomes').columns(['outcome', 'last_activity_at']).execute();
        await db.schema.createIndex('outcomes_ticket').on('outcomes').columns(['ticket_id']).execute();
        await db.schema
          .createTable('unrecognised_messages')
          .addColumn('id', idColumn(dialect), (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('channel_id', 'text', (c) => c.notNull())
          .addColumn('locale', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('unrecognised_messages_at').on('unrecognised_messages').columns(['at']).execute();
      },
    },
    // Issue 14: rate limits shared by every instance on the same database.
    '0014_rate_limits': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('rate_limits')
          .addColumn('bucket', 'text', (c) => c.primaryKey())
          .addColumn('window_index', 'integer', (c) => c.notNull())
          .addColumn('hits', 'integer', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('rate_limits_expiry').on('rate_limits').columns(['expires_at']).execute();
      },
    },
    // Issue 14: a client's retry of the same Direct Line activity is stored and answered once.
    '0014_directline_client_ids': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('directline_activities').addColumn('client_activity_id', 'text').execute();
        await db.schema
          .createIndex('directline_activities_client_id')
          .on('directline_activities')
          .columns(['conversation_id', 'client_activity_id'])
          .unique()
          .execute();
      },
    },
    // Issue 14: the durable inbox of Direct Line turns (accepted → done in the turn's own transaction).
    '0016_inbox': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('inbox')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('conversation_id', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('locked_until', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('done_at', 'text')
          .execute();
        await db.schema.createIndex('inbox_pending').on('inbox').columns(['status', 'locked_until']).execute();
      },
    },
  };
}

export interface OpenDatabaseOptions {
  dataDir: string;
  databaseUrl?: string;
  /** Deadlines for PostgreSQL (defaults below); SQLite is a local file and needs none. */
  timeouts?: Partial<DatabaseTimeouts>;
  /** Told about connection errors the pool recovers from by itself (an idle client reset, a restarted server). */
  onPoolError?: (err: Error) => void;
}

export interface DatabaseTimeouts {
  /** Waiting for a connection (new or from the pool). */
  connectMs: number;
  /** One statement, enforced by the server (statement_timeout) and by the client (query_timeout) for a stalled link. */
  statementMs: number;
  /** The readiness ping. */
  pingMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = { connectMs: 3000, statementMs: 5000, pingMs: 1500 };

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseUnavailableError(`${what} took longer than ${ms} ms`)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Opens SQLite (default, a file in dataDir) or PostgreSQL (when databaseUrl is set) and brings the schema up to date. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const url = options.databaseUrl ?? '';
  const timeouts: DatabaseTimeouts = { ...DEFAULT_DATABASE_TIMEOUTS, ...options.timeouts };
  let db: Kysely<DatabaseSchema>;
  let dialect: Dialect;
  let location: string;
  let statements: CachingSqliteDatabase | undefined;
  if (url) {
    dialect = 'postgres';
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      connectionTimeoutMillis: timeouts.connectMs,
      // The server ends a statement that runs too long; the client gives up on a link that stalls (no answer at all).
      statement_timeout: timeouts.statementMs,
      query_timeout: timeouts.statementMs + 1000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
    });
    // A client sitting idle in the pool can be cut (server restart, failover, pg_terminate_backend, a proxy reset):
    // pg reports that as an 'error' on the pool, which would end the process when nobody listens. The pool drops
    // that client by itself and the next query opens a new connection.
    pool.on('error', (err) => options.onPoolError?.(err));
    // A client in use (checked out by a query) has no pool listener: the same cut would be an uncaught 'error'
    // there. Every client gets one for life; its query fails on its own, and the pool drops the broken client
    // when it is released (it is no longer queryable).
    pool.on('connect', (client) => {
      client.on('error', (err) => options.onPoolError?.(err));
    });
    db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
    const parsed = new URL(url);
    location = `postgres://${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } else {
    dialect = 'sqlite';
    mkdirSync(options.dataDir, { recursive: true });
    location = join(options.dataDir, 'helpdesk.sqlite');
    const created = !existsSync(location);
    const sqlite = new SqliteDatabase(location);
    // Transcripts and tickets are personal data: a new database file is readable by the service account only
    // (SQLite gives its -wal and -shm files the same mode).
    if (created) chmodSync(location, 0o600);
    sqlite.pragma('journal_mode = WAL');
    // In WAL mode, NORMAL syncs the log at checkpoints instead of at every commit. A crash of this process loses
    // nothing (a commit is in the WAL file the moment it returns); only a crash of the operating system or a power
    // loss can roll back the last commits, and the database stays consistent either way (SQLite's documented
    // guarantee for WAL + NORMAL). That trade is worth it: a commit no longer waits for the disk.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    statements = cacheStatements(sqlite);
    db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: statements }) });
  }
  // On PostgreSQL the migration tables live in the connection's own schema (its search_path): Kysely otherwise looks
  // for them in every schema, and a second deployment (or a test) in another schema of the same database would
  // make it skip creating its own.
  const schema = dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  const migrator = new Migrator({
    db,
    ...(schema ? { migrationTableSchema: schema } : {}),
    provider: { getMigrations: async () => migrations(dialect) },
    migrationTableName: 'hd_migrations',
    migrationLockTableName: 'hd_migrations_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw error instanceof Error ? error : new Error(`migration failed: ${String(error)}`);
  }
  // Statements prepared while migrations changed the schema are not kept.
  statements?.clear();
  return {
    db,
    dialect,
    location,
    async ping() {
      await withDeadline(sql`select 1`.execute(db), timeouts.pingMs, 'the database ping');
    },
    async close() {
      await db.destroy();
    },
  };
}
