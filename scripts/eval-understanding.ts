/**
 * npm run eval:understanding — runs every message of test/understanding/eval-set.yaml through the real
 * understanding (catalog, runbooks, symptom index) and prints accuracy per category, then the misses.
 * Exits 1 when any category is below the threshold (95 %), so it can gate a change on its own.
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
import { createRunbookIndex } from '../src/understanding/runbook-index.js';
import { createUnderstanding, type Understanding } from '../src/understanding/understand.js';

export const THRESHOLD = 0.95;

const Case = Type.Object(
  {
    category: Type.Union(
      ['code', 'mismatch', 'uncovered', 'unknown', 'symptom', 'intent', 'language', 'none'].map((c) => Type.Literal(c)),
    ),
    text: Type.String({ minLength: 1 }),
    expect: Type.Object(
      {
        event: Type.String({ minLength: 1 }),
        runbook: Type.Optional(Type.String()),
        error: Type.Optional(Type.String()),
        locale: Type.Optional(Type.Union([Type.Literal('ja'), Type.Literal('en')])),
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
  got: { event: string; runbook?: string | undefined; error?: string | undefined; locale?: Locale | undefined };
}

export interface EvalResult {
  total: number;
  byCategory: Map<string, { passed: number; total: number }>;
  misses: Miss[];
}

function routing(understood: Understanding): Miss['got'] {
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
      return { ...base, runbook: event.runbookIds[0] };
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

export function evaluate(cases: Case[] = loadEvalSet()): EvalResult {
  const root = projectRoot();
  const content = loadContent(join(root, 'content'));
  const catalog = loadErrorCatalog(join(root, 'content', 'catalog'));
  const understand = createUnderstanding(catalog, createRunbookIndex(content.runbooks, catalog));
  const byCategory = new Map<string, { passed: number; total: number }>();
  const misses: Miss[] = [];
  for (const c of cases) {
    const got = routing(understand({ text: c.text }));
    const ok =
      got.event === c.expect.event &&
      (c.expect.runbook === undefined || got.runbook === c.expect.runbook) &&
      (c.expect.error === undefined || got.error === c.expect.error) &&
      (c.expect.locale === undefined || got.locale === c.expect.locale);
    const tally = byCategory.get(c.category) ?? { passed: 0, total: 0 };
    tally.total++;
    if (ok) tally.passed++;
    else misses.push({ text: c.text, category: c.category, expected: c.expect, got });
    byCategory.set(c.category, tally);
  }
  return { total: cases.length, byCategory, misses };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = evaluate();
  const pct = (p: number, t: number) => `${((100 * p) / t).toFixed(1)}%`;
  let passed = 0;
  let failing = false;
  for (const [category, { passed: p, total: t }] of result.byCategory) {
    passed += p;
    if (p / t < THRESHOLD) failing = true;
    process.stdout.write(`${category.padEnd(10)} ${String(p).padStart(3)}/${String(t).padEnd(3)} ${pct(p, t)}\n`);
  }
  process.stdout.write(`${'all'.padEnd(10)} ${String(passed).padStart(3)}/${String(result.total).padEnd(3)} ${pct(passed, result.total)}\n`);
  for (const miss of result.misses) {
    process.stdout.write(`MISS [${miss.category}] ${JSON.stringify(miss.text)}\n  expected ${JSON.stringify(miss.expected)}\n  got      ${JSON.stringify(miss.got)}\n`);
  }
  if (failing) process.exit(1);
}
