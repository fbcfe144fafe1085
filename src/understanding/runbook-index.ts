import type { Runbook } from '../content/schema.js';
import type { CatalogEntry, ErrorCatalog } from './error-catalog.js';

/** Which runbook serves an error: the one naming it, else the generic runbook of its family. */
export function createRunbookIndex(runbooks: ReadonlyMap<string, Runbook>, catalog: ErrorCatalog) {
  const byError = new Map<string, Runbook>();
  const byFamily = new Map<string, Runbook>();
  for (const runbook of runbooks.values()) {
    for (const name of runbook.errors) {
      const entry = catalog.byName(name);
      if (!entry) throw new Error(`runbook ${runbook.id} names ${name}, which is not in the error catalog`);
      byError.set(entry.name, runbook);
    }
    for (const family of runbook.fallbackFor ?? []) byFamily.set(family, runbook);
  }
  return {
    forError(entry: CatalogEntry): { runbook: Runbook; exact: boolean } | undefined {
      const exact = byError.get(entry.name);
      if (exact) return { runbook: exact, exact: true };
      const generic = byFamily.get(entry.family);
      return generic ? { runbook: generic, exact: false } : undefined;
    },
  };
}

export type RunbookIndex = ReturnType<typeof createRunbookIndex>;
