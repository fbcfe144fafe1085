/**
 * The content check, run by `npm run content:check` and before a reload replaces the loaded content: everything an
 * admin can get wrong in content/, with the file and field of each fault.
 *   - every runbook file parses and matches the schema (all faults, not just the first);
 *   - every error a runbook names exists in the catalog; every fallbackFor family exists; no error has two runbooks;
 *   - ja and en tell the same steps, and no text quotes an error number or name itself (numbers come from the catalog);
 *   - every path through every runbook's machine (walked with xstate/graph) ends in `resolved` or `escalated`, every
 *     employee check is reached, no path asks an IT check;
 *   - audiences: every check says `employee` or `it`; a runbook has an employee check and an employee prevention tip;
 *   - symptom signals exist, and each symptom phrase of a runbook, in both languages, offers that runbook;
 *   - the punctuation rules of content/STYLE.md: full-width ？！：（） in Japanese text (quoted Windows labels in 「」
 *     keep their own spelling), half-width punctuation and no Japanese in English text — in runbooks and messages.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { getAdjacencyMap } from 'xstate/graph';
import { parse } from 'yaml';
import { CHECK_EVENTS, createRunbookMachine } from '../../dialogs/runbook.machine.js';
import type { HelpdeskEvent, HelpdeskInput } from '../../dialogs/types.js';
import type { ActorLogic, ActorSystem, ActorSystemInfo, EventObject } from 'xstate';
import { loadContent } from './load-content.js';
import { Runbook, type Localized, type Messages } from './schema.js';
import { employeeChecks } from '../../dialogs/helpdesk.setup.js';

export interface Fault {
  file: string;
  field: string;
  problem: string;
}

export interface AudienceLine {
  id: string;
  employee: number;
  it: number;
}

export interface CheckReport {
  faults: Fault[];
  runbooks: number;
  /** Per valid runbook: checks the employee is walked through, checks left to IT. */
  audiences: AudienceLine[];
  /** Distinct machine states walked, all runbooks together. */
  states: number;
}

/** Error numbers and names belong to the catalog; a runbook that writes one can drift from it. */
const QUOTED_CODE = /0x[0-9a-f]{4,8}\b|\bERROR_[A-Z0-9_]+|(?:エラー|error)\s*(?:コード|code)?\s*[:：]?\s*\d{3,5}\b/i;

function bulletCount(text: string): number {
  return text.split('\n').filter((line) => /^\s*-\s/.test(line)).length;
}

/** Every Localized value in a runbook with its JSON pointer. */
function localizedFields(value: unknown, path: string, out: Array<[string, Localized]>): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => localizedFields(item, `${path}/${i}`, out));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const ja: unknown = Reflect.get(value, 'ja');
  const en: unknown = Reflect.get(value, 'en');
  if (typeof ja === 'string' && typeof en === 'string') {
    out.push([path, { ja, en }]);
    return;
  }
  for (const [key, child] of Object.entries(value)) localizedFields(child, `${path}/${key}`, out);
}

function checkTexts(runbook: Runbook, file: string, faults: Fault[]): void {
  const fields: Array<[string, Localized]> = [];
  localizedFields(runbook, '', fields);
  for (const [field, text] of fields) {
    for (const locale of ['ja', 'en'] as const) {
      const quoted = QUOTED_CODE.exec(text[locale]);
      if (quoted) faults.push({ file, field: `${field}/${locale}`, problem: `quotes "${quoted[0]}"; name errors in "errors" and let the catalog supply numbers` });
    }
  }
  runbook.checks.forEach((check, i) => {
    const ja = bulletCount(check.specifics.ja);
    const en = bulletCount(check.specifics.en);
    if (ja !== en) faults.push({ file, field: `/checks/${i}/specifics`, problem: `ja has ${ja} steps, en has ${en}` });
  });
  if (runbook.symptoms.ja.length === 0) faults.push({ file, field: '/symptoms/ja', problem: 'no symptom phrases in Japanese' });
  if (runbook.symptoms.en.length === 0) faults.push({ file, field: '/symptoms/en', problem: 'no symptom phrases in English' });
}

/** Walks the runbook's machine: every reachable state must be able to end in resolved or escalated. */
function checkPaths(runbook: Runbook, messages: Messages, file: string, faults: Fault[]): number {
  const machine = createRunbookMachine(runbook, messages);
  // Where the user is, not what they answered before: keeps the graph small and finite.
  type Snap = ReturnType<typeof machine.getInitialSnapshot>;
  const serialize = (s: Snap) => JSON.stringify([s.status, s.value, s.context.checkIndex, s.context.detailsShown, s.context.escalationReason]);
  // Our own machine, not input: the cast only drops the emitted-event type, which getAdjacencyMap cannot infer.
  const logic = machine as unknown as ActorLogic<Snap, HelpdeskEvent, HelpdeskInput, ActorSystem<ActorSystemInfo>, EventObject>;
  const map = getAdjacencyMap(logic, { events: [...CHECK_EVENTS], serializeState: serialize });
  const keys = Object.keys(map);
  const reverse = new Map<string, Set<string>>();
  const ends = new Set<string>();
  const reachedChecks = new Set<number>();
  const endValues = new Set<string>();
  for (const key of keys) {
    const node = map[key as keyof typeof map];
    if (!node) continue;
    const snapshot = node.state;
    reachedChecks.add(snapshot.context.checkIndex);
    if (snapshot.status === 'done') {
      const value = String(snapshot.value);
      endValues.add(value);
      ends.add(key);
      if (value !== 'resolved' && value !== 'escalated') faults.push({ file, field: '/checks', problem: `a path ends in "${value}"` });
    }
    for (const transition of Object.values(node.transitions)) {
      const target = serialize(transition.state);
      const from = reverse.get(target) ?? new Set<string>();
      from.add(key);
      reverse.set(target, from);
    }
  }
  // Everything that can still reach an end, walking the edges backwards.
  const canEnd = new Set(ends);
  const queue = [...ends];
  for (let key = queue.pop(); key !== undefined; key = queue.pop()) {
    for (const from of reverse.get(key) ?? []) {
      if (!canEnd.has(from)) {
        canEnd.add(from);
        queue.push(from);
      }
    }
  }
  for (const key of keys) {
    if (!canEnd.has(key)) faults.push({ file, field: '/checks', problem: `state ${key} can never reach resolved or escalated` });
  }
  for (const end of ['resolved', 'escalated']) {
    if (!endValues.has(end)) faults.push({ file, field: '/checks', problem: `no path reaches "${end}"` });
  }
  const steps = employeeChecks(runbook);
  runbook.checks.forEach((check, i) => {
    const step = steps.indexOf(check);
    if (check.audience === 'employee' && !reachedChecks.has(step)) faults.push({ file, field: `/checks/${i}`, problem: `check "${check.id}" is never asked` });
  });
  for (const index of reachedChecks) {
    const asked = steps[index];
    if (asked && asked.audience !== 'employee') faults.push({ file, field: '/checks', problem: `a path asks the employee IT's check "${asked.id}"` });
  }
  return keys.length;
}

/** What the check needs of the error catalog (src/understanding/error-catalog.ts). */
export interface CatalogLookup {
  byName(name: string): { name: string } | undefined;
  family(id: string): unknown;
}

/**
 * What the check needs of understanding, passed in so that content/ stays below understanding/: the catalog, the
 * signal ids it knows, and which runbooks a symptom phrase offers among the runbooks being checked.
 */
export interface ContentCheckDeps {
  catalog: CatalogLookup;
  isSignalId(id: string): boolean;
  symptomOffers(runbooks: ReadonlyMap<string, Runbook>): (phrase: string) => string[];
}

export function checkContent(contentDir: string, deps: ContentCheckDeps): CheckReport {
  const { catalog, isSignalId } = deps;
  const faults: Fault[] = [];
  const runbookDir = join(contentDir, 'runbooks');
  const label = (file: string) => relative(process.cwd(), join(runbookDir, file)) || file;
  const valid: Array<{ file: string; runbook: Runbook }> = [];
  for (const name of readdirSync(runbookDir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const file = label(name);
    let data: unknown;
    try {
      data = parse(readFileSync(join(runbookDir, name), 'utf8'));
    } catch (err) {
      faults.push({ file, field: '/', problem: `not valid YAML: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    const schemaFaults = [...Value.Errors(Runbook, data)].map((e) => ({ file, field: e.path || '/', problem: e.message }));
    if (schemaFaults.length > 0 || !Value.Check(Runbook, data)) {
      faults.push(...schemaFaults);
      continue;
    }
    valid.push({ file, runbook: data });
  }

  const ids = new Map<string, string>();
  const errorOwners = new Map<string, string>();
  for (const { file, runbook } of valid) {
    const other = ids.get(runbook.id);
    if (other) faults.push({ file, field: '/id', problem: `"${runbook.id}" is also the id of ${other}` });
    ids.set(runbook.id, file);
    const checkIds = new Set<string>();
    runbook.checks.forEach((check, i) => {
      if (checkIds.has(check.id)) faults.push({ file, field: `/checks/${i}/id`, problem: `duplicate check id "${check.id}"` });
      checkIds.add(check.id);
    });
    runbook.errors.forEach((name, i) => {
      const entry = catalog.byName(name);
      if (!entry) {
        faults.push({ file, field: `/errors/${i}`, problem: `${name} is not in the error catalog` });
        return;
      }
      if (entry.name !== name) faults.push({ file, field: `/errors/${i}`, problem: `write it as the catalog does: ${entry.name}` });
      const owner = errorOwners.get(entry.name);
      if (owner) faults.push({ file, field: `/errors/${i}`, problem: `${entry.name} already has a runbook: ${owner}` });
      errorOwners.set(entry.name, file);
    });
    (runbook.fallbackFor ?? []).forEach((family, i) => {
      if (!catalog.family(family)) faults.push({ file, field: `/fallbackFor/${i}`, problem: `no error family "${family}" in the catalog` });
    });
    if (runbook.errors.length === 0 && (runbook.fallbackFor ?? []).length === 0) {
      faults.push({ file, field: '/errors', problem: 'names no error and is no family fallback: nothing would reach it but symptom search' });
    }
    checkTexts(runbook, file, faults);
    checkStyle(runbook, file, faults);
    checkAudiences(runbook, file, faults);
    Object.keys(runbook.signals).forEach((id) => {
      if (!isSignalId(id)) faults.push({ file, field: `/signals/${id}`, problem: `no signal "${id}" in src/understanding/signals.ts` });
    });
  }
  if (valid.length > 0 && faults.length === 0) {
    const offers = deps.symptomOffers(new Map(valid.map(({ runbook }) => [runbook.id, runbook])));
    for (const { file, runbook } of valid) {
      for (const locale of ['ja', 'en'] as const) {
        runbook.symptoms[locale].forEach((phrase, i) => {
          const hits = offers(phrase);
          if (!hits.includes(runbook.id)) {
            faults.push({ file, field: `/symptoms/${locale}/${i}`, problem: `"${phrase}" does not offer this runbook (offers: ${hits.join(', ') || 'nothing'}); adjust signals` });
          }
        });
      }
    }
  }

  let messages: Messages | undefined;
  try {
    messages = loadContent(contentDir).messages;
    checkStyle(messages, label('../messages.yaml'), faults);
  } catch (err) {
    faults.push({ file: 'content', field: '/', problem: err instanceof Error ? err.message : String(err) });
  }
  let states = 0;
  if (messages) for (const { file, runbook } of valid) states += checkPaths(runbook, messages, file, faults);
  const audiences = valid.map(({ runbook }) => ({
    id: runbook.id,
    employee: runbook.checks.filter((c) => c.audience === 'employee').length,
    it: runbook.checks.filter((c) => c.audience === 'it').length,
  }));
  return { faults, runbooks: valid.length, audiences, states };
}

/** Half-width ? ! ( ) and a colon that is not part of a time or an address, in Japanese text outside 「quotes」. */
const JA_HALF_WIDTH = /[?!()]|(?<![0-9A-Za-z]):(?![0-9/])/;
/** Full-width punctuation or Japanese script in English text. */
const EN_FULL_WIDTH = /[（）？！：、。「」]|[\u3040-\u30ff\u3400-\u9fff]/;

/** STYLE.md's punctuation rules for every ja/en pair in a content file. */
export function checkStyle(data: unknown, file: string, faults: Fault[]): void {
  const pairs: Array<[string, Localized]> = [];
  localizedFields(data, '', pairs);
  for (const [field, text] of pairs) {
    const ja = text.ja.replace(/「[^」]*」/g, '「」');
    const half = JA_HALF_WIDTH.exec(ja);
    if (half) faults.push({ file, field: `${field}/ja`, problem: `half-width "${half[0]}" in Japanese text: write ${fullWidth(half[0])} (content/STYLE.md)` });
    const full = EN_FULL_WIDTH.exec(text.en);
    if (full) faults.push({ file, field: `${field}/en`, problem: `"${full[0]}" in English text: use half-width punctuation and English words (content/STYLE.md)` });
  }
}

function fullWidth(char: string): string {
  return { '?': '？', '!': '！', '(': '（', ')': '）', ':': '：' }[char] ?? char;
}

/** Employees are walked only through their own checks: a runbook needs at least one, and a tip they can follow. */
function checkAudiences(runbook: Runbook, file: string, faults: Fault[]): void {
  if (!runbook.checks.some((c) => c.audience === 'employee')) {
    faults.push({ file, field: '/checks', problem: 'no check with audience: employee; the employee would be handed over at once' });
  }
  if (!runbook.prevention.some((p) => p.audience === 'employee')) {
    faults.push({ file, field: '/prevention', problem: 'no tip with audience: employee; the employee would see no prevention advice' });
  }
}
