import type { Runbook } from '../../dialogs/types.js';
import type { CatalogEntry, ErrorCatalog } from './error-catalog.js';
import { normaliseText } from './normalise-text.js';
import { inVpnWorld, signalsOf, type SignalId } from './signals.js';

export interface RunbookMatch {
  runbook: Runbook;
  /** True when the runbook names this very error; false when it is its family's generic runbook. */
  exact: boolean;
}

export interface SymptomHit {
  runbookId: string;
  score: number;
}

export interface SymptomResult {
  /** Best first; at most three. */
  hits: SymptomHit[];
  /** The best hit is far ahead and strongly supported: start it without asking. */
  confident: boolean;
  /** The signals the message gave. */
  signals: SignalId[];
}

/** A runbook needs at least this much signal weight to be offered. */
export const MIN_SCORE = 3;
/**
 * Start a runbook without asking only when its score is at least this and at least CONFIDENT_LEAD times the next
 * one's. Measured on test/understanding/eval-set.yaml (npm run eval:understanding prints the margin): no message of
 * the set that should be confirmed clears it.
 */
export const CONFIDENT_SCORE = 9;
export const CONFIDENT_LEAD = 2;
const MAX_HITS = 3;

/**
 * Which runbook serves an error (the one naming it, else the generic runbook of its family), and which runbooks
 * fit a description with no code ("VPNが勝手に切れる"). Descriptions are matched through language-neutral signals
 * (signals.ts): each runbook weighs the signals that point to it, so a message and its translation reach the same
 * candidates. Nothing is offered unless the message is about the VPN world (the VPN, the company network, IKE, L2TP).
 */
export function createRunbookIndex(runbooks: ReadonlyMap<string, Runbook>, catalog: ErrorCatalog) {
  const byError = new Map<string, Runbook>();
  const byFamily = new Map<string, Runbook>();
  const byTitle = new Map<string, Runbook>();
  for (const runbook of runbooks.values()) {
    for (const name of runbook.errors) {
      const entry = catalog.byName(name);
      if (!entry) throw new Error(`runbook ${runbook.id} names ${name}, which is not in the error catalog`);
      byError.set(entry.name, runbook);
    }
    for (const family of runbook.fallbackFor ?? []) byFamily.set(family, runbook);
    for (const title of [runbook.title, runbook.plainTitle]) {
      byTitle.set(titleKey(title.ja), runbook);
      byTitle.set(titleKey(title.en), runbook);
    }
  }
  const ordered = [...runbooks.values()];

  return {
    runbook: (id: string): Runbook | undefined => runbooks.get(id),
    forError(entry: CatalogEntry): RunbookMatch | undefined {
      const exact = byError.get(entry.name);
      if (exact) return { runbook: exact, exact: true };
      const generic = byFamily.get(entry.family);
      return generic ? { runbook: generic, exact: false } : undefined;
    },
    /** The runbook whose title (or plain title) this text is, exactly. */
    byTitle: (text: string): Runbook | undefined => byTitle.get(titleKey(text)),
    searchSymptoms(text: string): SymptomResult {
      const signals = signalsOf(text);
      if (!inVpnWorld(signals)) return { hits: [], confident: false, signals };
      const scored = ordered
        .map((r) => ({ runbookId: r.id, score: signals.reduce((sum, s) => sum + (r.signals[s] ?? 0), 0) }))
        .filter((h) => h.score >= MIN_SCORE)
        // Stable: equal scores keep content order (runbooks are loaded sorted by file name).
        .sort((a, b) => b.score - a.score);
      const hits = scored.slice(0, MAX_HITS);
      const [first, second] = hits;
      // A family's generic runbook is never started on a description alone: it is the guess of last resort.
      const specific = first !== undefined && (runbooks.get(first.runbookId)?.errors.length ?? 0) > 0;
      const confident =
        first !== undefined &&
        specific &&
        first.score >= CONFIDENT_SCORE &&
        (second === undefined || first.score >= second.score * CONFIDENT_LEAD);
      return { hits, confident, signals };
    },
  };
}

function titleKey(text: string): string {
  return normaliseText(text).toLowerCase().replace(/\s+/g, '');
}

export type RunbookIndex = ReturnType<typeof createRunbookIndex>;
