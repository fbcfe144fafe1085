import MiniSearch from 'minisearch';
import type { Runbook } from '../content/schema.js';
import type { CatalogEntry, ErrorCatalog } from './error-catalog.js';
import { normaliseText } from './normalise-text.js';
import { searchTokens } from './search-tokens.js';

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
  /** The best hit is clearly ahead of the others: start it without asking. */
  confident: boolean;
  /** Share of the message's words (0–1) the best hit matched: low means the hit rests on a stray word. */
  coverage: number;
}

interface SymptomDoc {
  id: string;
  title: string;
  symptoms: string;
  causes: string;
}

/** Below this BM25 score a hit is noise (one shared character pair, one common word). */
const MIN_SCORE = 4;
/** The best hit must beat the second by this factor to be taken without asking. */
const CONFIDENCE_RATIO = 1.6;
const MAX_HITS = 3;
/** Longest term that gets typo-tolerant (fuzzy) or prefix matching. */
export const MAX_FUZZY_TERM = 24;
/** A generic runbook (no error of its own) gives way to a specific one that matches about as well. */
const GENERIC_WEIGHT = 0.7;

/**
 * Which runbook serves an error (the one naming it, else the generic runbook of its family), and which runbooks
 * fit a description with no code ("VPNが勝手に切れる"). The search is MiniSearch (BM25 with fuzzy and prefix
 * matching) over each runbook's titles and symptom phrases in both languages, tokenised by `searchTokens`.
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
    byTitle.set(titleKey(runbook.title.ja), runbook);
    byTitle.set(titleKey(runbook.title.en), runbook);
  }

  const generic = new Set([...runbooks.values()].filter((r) => r.errors.length === 0).map((r) => r.id));
  const search = new MiniSearch<SymptomDoc>({
    fields: ['title', 'symptoms', 'causes'],
    tokenize: searchTokens,
    processTerm: (term) => term,
    searchOptions: {
      boost: { symptoms: 2, title: 1.5, causes: 0.5 },
      // Typos are forgiven in ordinary words only: edit-distance search costs grow with the square of a term's
      // length, so a pasted 40,000-letter "word" must not reach it (no real word is longer than MAX_FUZZY_TERM).
      fuzzy: (term) => (term.length >= 6 && term.length <= MAX_FUZZY_TERM && /^[a-z]+$/.test(term) ? 0.2 : false),
      prefix: (term) => term.length >= 4 && term.length <= MAX_FUZZY_TERM && /^[a-z]+$/.test(term),
      combineWith: 'OR',
      boostDocument: (id) => (generic.has(String(id)) ? GENERIC_WEIGHT : 1),
    },
  });
  search.addAll(
    [...runbooks.values()].map((r) => ({
      id: r.id,
      title: `${r.title.ja}\n${r.title.en}`,
      symptoms: [...r.symptoms.ja, ...r.symptoms.en].join('\n'),
      causes: r.causes.map((c) => `${c.ja}\n${c.en}`).join('\n'),
    })),
  );

  return {
    runbook: (id: string): Runbook | undefined => runbooks.get(id),
    forError(entry: CatalogEntry): RunbookMatch | undefined {
      const exact = byError.get(entry.name);
      if (exact) return { runbook: exact, exact: true };
      const generic = byFamily.get(entry.family);
      return generic ? { runbook: generic, exact: false } : undefined;
    },
    /** The runbook whose title this text is, exactly (a button label sent back). */
    byTitle: (text: string): Runbook | undefined => byTitle.get(titleKey(text)),
    searchSymptoms(text: string): SymptomResult {
      const results = search.search(text).filter((r) => r.score >= MIN_SCORE);
      const hits = results.slice(0, MAX_HITS).map((r) => ({ runbookId: String(r.id), score: r.score }));
      const [first, second] = hits;
      const confident = first !== undefined && (second === undefined || first.score >= second.score * CONFIDENCE_RATIO);
      const words = new Set(searchTokens(text));
      const matched = new Set(results[0]?.queryTerms ?? []);
      const coverage = words.size === 0 ? 0 : [...words].filter((w) => matched.has(w)).length / words.size;
      return { hits, confident, coverage };
    },
  };
}

function titleKey(text: string): string {
  return normaliseText(text).toLowerCase().replace(/\s+/g, '');
}

export type RunbookIndex = ReturnType<typeof createRunbookIndex>;
