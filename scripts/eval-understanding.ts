/**
 * npm run eval:understanding — runs every message of test/understanding/eval-set.yaml through the real
 * understanding (catalog, runbooks, symptom index) and prints accuracy per category, then the misses, then the ja/en
 * pairs that reach different candidates, then the margin of the "start without asking" threshold.
 * Exits 1 when the total is below 97 %, a category below 90 %, or a pair diverges.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import type { HelpdeskEvent, Locale } from '../dialogs/types.js';
import { loadContent } from '../src/content/load-content.js';
import { projectRoot } from '../src/project-root.js';
import { loadErrorCatalog } from '../src/understanding/error-catalog.js';
import { CONFIDENT_LEAD, CONFIDENT_SCORE, createRunbookIndex } from '../src/understanding/runbook-index.js';
import { createUnderstanding, type Understanding } from '../src/understanding/understand.js';

export const THRESHOLD = 0.9;
export const TOTAL_THRESHOLD = 0.97;

const Case = Type.Object(
  {
    category: Type.Union(
      [
        'code', 'mismatch', 'uncovered', 'unknown', 'symptom', 'out-of-scope', 'small-talk', 'person', 'command', 'intent',
        'language', 'none',
      ].map((c) => Type.Literal(c)),
    ),
    /** Messages sharing a pair id say the same thing in Japanese and English: they must reach the same candidates. */
    pair: Type.Optional(Type.String({ minLength: 1 })),
    text: Type.String({ minLength: 1 }),
    expect: Type.Object(
      {
        event: Type.String({ minLength: 1 }),
        runbook: Type.Optional(Type.String()),
        error: Type.Optional(Type.String()),
        locale: Type.Optional(Type.Union([Type.Literal('ja'), Type.Literal('en')])),
        topic: Type.Optional(Type.String()),
        kind: Type.Optional(Type.String()),
        confident: Type.Optional(Type.Boolean()),
        description: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
type Case = Static<typeof Case>;
const EvalSet = Type.Array(Case, { minItems: 1 });

export interface Miss {
  text: string;
  category: string;
  expected: Case['expect'];
  got: Routing;
}

interface Routing {
  event: string;
  locale?: Locale | undefined;
  runbook?: string | undefined;
  /** All candidates offered, best first (symptoms). */
  runbooks?: string[] | undefined;
  error?: string | undefined;
  topic?: string | undefined;
  kind?: string | undefined;
  confident?: boolean | undefined;
  description?: boolean | undefined;
}

export interface Divergence {
  pair: string;
  routes: Array<{ text: string; route: string }>;
}

export interface EvalResult {
  total: number;
  byCategory: Map<string, { passed: number; total: number }>;
  misses: Miss[];
  divergences: Divergence[];
}

function routing(understood: Understanding): Routing {
  const event: HelpdeskEvent = understood.event;
  const base = { event: event.type, locale: understood.locale };
  switch (event.type) {
    case 'REPORT_ERROR':
      return { ...base, runbook: event.runbookId, error: event.error?.name };
    case 'REPORT_MISMATCH':
      return { ...base, error: event.byName.name };
    case 'REPORT_UNCOVERED_ERROR':
      return { ...base, error: event.error.name, runbook: event.fallbackRunbookId ?? undefined };
    case 'REPORT_SYMPTOM':
      return { ...base, runbook: event.runbookIds[0], runbooks: event.runbookIds, confident: event.confident };
    case 'REPORT_OUT_OF_SCOPE':
      return { ...base, topic: event.topic };
    case 'SMALL_TALK':
      return { ...base, kind: event.kind };
    case 'REQUEST_HUMAN':
      return { ...base, description: event.description !== undefined };
    default:
      return base;
  }
}

export function loadEvalSet(file = join(projectRoot(), 'test', 'understanding', 'eval-set.yaml')): Case[] {
  const data: unknown = parse(readFileSync(file, 'utf8'));
  const first = Value.Errors(EvalSet, data).First();
  if (first) throw new Error(`${file}: ${first.path || '/'}: ${first.message}`);
  return Value.Decode(EvalSet, data);
}

/**
 * The "start without asking" threshold against the set: the best score among messages that must be confirmed
 * (expect.confident: false) must stay below CONFIDENT_SCORE, and how many symptom messages start directly.
 */
export function confidenceMargin(cases: Case[] = loadEvalSet()) {
  const { index } = build();
  let mustAskBest = 0;
  let direct = 0;
  let symptoms = 0;
  for (const c of cases) {
    if (c.expect.event !== 'REPORT_SYMPTOM') continue;
    symptoms++;
    const result = index.searchSymptoms(c.text);
    if (result.confident) direct++;
    if (c.expect.confident === false) mustAskBest = Math.max(mustAskBest, result.hits[0]?.score ?? 0);
  }
  return { mustAskBest, direct, symptoms };
}

function build() {
  const root = projectRoot();
  const content = loadContent(join(root, 'content'));
  const catalog = loadErrorCatalog(join(root, 'content', 'catalog'));
  const index = createRunbookIndex(content.runbooks, catalog);
  return { index, understand: createUnderstanding(catalog, index) };
}

export function evaluate(cases: Case[] = loadEvalSet()): EvalResult {
  const { understand } = build();
  const byCategory = new Map<string, { passed: number; total: number }>();
  const misses: Miss[] = [];
  const pairs = new Map<string, Array<{ text: string; route: string }>>();
  for (const c of cases) {
    const got = routing(understand({ text: c.text }));
    const runbookOk =
      c.expect.runbook === undefined ||
      (got.event === 'REPORT_SYMPTOM' ? (got.runbooks ?? []).includes(c.expect.runbook) : got.runbook === c.expect.runbook);
    const ok =
      got.event === c.expect.event &&
      runbookOk &&
      (c.expect.error === undefined || got.error === c.expect.error) &&
      (c.expect.locale === undefined || got.locale === c.expect.locale) &&
      (c.expect.topic === undefined || got.topic === c.expect.topic) &&
      (c.expect.kind === undefined || got.kind === c.expect.kind) &&
      (c.expect.confident === undefined || got.confident === c.expect.confident) &&
      (c.expect.description === undefined || got.description === c.expect.description);
    if (c.pair) {
      const routes = pairs.get(c.pair) ?? [];
      routes.push({ text: c.text, route: pairRoute(got) });
      pairs.set(c.pair, routes);
    }
    const tally = byCategory.get(c.category) ?? { passed: 0, total: 0 };
    tally.total++;
    if (ok) tally.passed++;
    else misses.push({ text: c.text, category: c.category, expected: c.expect, got });
    byCategory.set(c.category, tally);
  }
  const divergences = [...pairs]
    .filter(([, routes]) => new Set(routes.map((r) => r.route)).size > 1)
    .map(([pair, routes]) => ({ pair, routes }));
  return { total: cases.length, byCategory, misses, divergences };
}

/** What a pair must agree on: the event and, for symptoms, the set of candidates and whether to ask first. */
function pairRoute(got: Routing): string {
  if (got.event !== 'REPORT_SYMPTOM') return [got.event, got.topic ?? '', got.error ?? '', got.runbook ?? ''].join('|');
  return `${got.event}|${[...(got.runbooks ?? [])].sort().join(',')}|${String(got.confident)}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = evaluate();
  const pct = (p: number, t: number) => `${((100 * p) / t).toFixed(1)}%`;
  let passed = 0;
  let failing = false;
  process.stdout.write(`${'category'.padEnd(13)} ${'passed'.padStart(7)}  accuracy\n`);
  for (const [category, { passed: p, total: t }] of [...result.byCategory].sort(([a], [b]) => a.localeCompare(b))) {
    passed += p;
    if (p / t < THRESHOLD) failing = true;
    process.stdout.write(`${category.padEnd(13)} ${`${p}/${t}`.padStart(7)}  ${pct(p, t).padStart(6)}${p / t < THRESHOLD ? '  < 90%' : ''}\n`);
  }
  if (passed / result.total < TOTAL_THRESHOLD) failing = true;
  process.stdout.write(`${'total'.padEnd(13)} ${`${passed}/${result.total}`.padStart(7)}  ${pct(passed, result.total).padStart(6)}\n`);
  const pairCount = new Set(loadEvalSet().flatMap((c) => (c.pair ? [c.pair] : []))).size;
  process.stdout.write(`ja/en pairs   ${pairCount - result.divergences.length}/${pairCount} reach the same candidates\n`);
  const margin = confidenceMargin();
  process.stdout.write(
    `start without asking: score >= ${CONFIDENT_SCORE} and ${CONFIDENT_LEAD}x the next; best must-ask message scores ${margin.mustAskBest}; ` +
      `${margin.direct}/${margin.symptoms} symptom messages start directly, the rest are confirmed\n`,
  );
  for (const miss of result.misses) {
    process.stdout.write(`MISS [${miss.category}] ${JSON.stringify(miss.text)}\n  expected ${JSON.stringify(miss.expected)}\n  got      ${JSON.stringify(miss.got)}\n`);
  }
  for (const d of result.divergences) {
    failing = true;
    process.stdout.write(`PAIR ${d.pair} diverges:\n${d.routes.map((r) => `  ${JSON.stringify(r.text)} → ${r.route}`).join('\n')}\n`);
  }
  if (failing) process.exit(1);
}
