import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely, Transaction } from 'kysely';
import type { DatabaseSchema } from './database.js';

/**
 * The transaction a piece of work runs in, carried by the async context: a store called inside `transact(...)` writes
 * in that transaction without being handed it, so one turn (snapshot, transcript, ticket, outbox, replies, inbox)
 * commits together or not at all. Outside `transact`, stores use the database directly.
 */
interface Scope {
  trx: Transaction<DatabaseSchema>;
  /** What to do once the transaction has committed (live notifications of what it wrote). */
  afterCommit: Array<() => void>;
}

const ambient = new AsyncLocalStorage<Scope>();

/** The executor a store should use now: the surrounding transaction, or the database. */
export function executor(db: Kysely<DatabaseSchema>): Kysely<DatabaseSchema> {
  return ambient.getStore()?.trx ?? db;
}

/**
 * Runs `fn` once the surrounding transaction has committed (never when it rolls back), or right away (on the next
 * tick) outside a transaction; always outside the transaction's async context.
 */
export function afterCommit(fn: () => void): void {
  const scope = ambient.getStore();
  if (scope) scope.afterCommit.push(fn);
  else ambient.exit(() => setImmediate(fn));
}

/** True inside `transact`. */
export function inTransaction(): boolean {
  return ambient.getStore() !== undefined;
}

/**
 * Runs `work` in a transaction, joining the surrounding one when there is one (then the outer transaction commits
 * it). A rejection rolls everything back.
 */
export async function transact<T>(db: Kysely<DatabaseSchema>, work: (trx: Transaction<DatabaseSchema>) => Promise<T>): Promise<T> {
  const outer = ambient.getStore();
  if (outer) return work(outer.trx);
  const after: Array<() => void> = [];
  const result = await db.transaction().execute((trx) => ambient.run({ trx, afterCommit: after }, () => work(trx)));
  ambient.exit(() => {
    for (const fn of after) setImmediate(fn);
  });
  return result;
}

/** Runs `work` outside any surrounding transaction (fire-and-forget work started inside one must not inherit it). */
export function detached<T>(work: () => T): T {
  return ambient.exit(work);
}

/**
 * Work a channel asks to be done in the transaction that commits a turn (the Direct Line marks its inbox entry done
 * there). The channel wraps the turn in `withCommitWork`; the turn runner calls `runCommitWork` inside its
 * transaction. A rejected commit work rolls the turn back.
 */
const commitWork = new AsyncLocalStorage<() => Promise<void>>();

export function withCommitWork<T>(work: () => Promise<void>, turn: () => Promise<T>): Promise<T> {
  return commitWork.run(work, turn);
}

export async function runCommitWork(): Promise<void> {
  await commitWork.getStore()?.();
}

/** The turn had already been committed by another instance's run of the same message: nothing more to do. */
export class TurnSupersededError extends Error {
  override name = 'TurnSupersededError';
}
