import assert from 'node:assert/strict';
import { STATUS_CODES } from 'node:http';
import fc from 'fast-check';
import type { Kysely } from 'kysely';

/** Generators of hostile input and the bookkeeping of the fuzz suites (test/fuzz/*.test.ts). */

/** C0 control characters and DEL, NUL among them: the input boundary strips them from every body and query string. */
export const STRIPPED = fc.constantFrom('\u0000', '\u0001', '\u0007', '\b', '\u000b', '\u001b', '\u007f');
/** Characters that survive stripping and have no business in an id, a type or a locale (C1, separators, BOM, lone surrogates). */
export const CONTROL = fc.constantFrom('\u0085', '\u009f', '\u2028', '\u2029', '\ufeff', '\ud800');

/** Some text with NUL and friends (stripped) and at least one character that must still refuse the field. */
export const controlString = fc
  .tuple(fc.string({ maxLength: 6 }), fc.array(STRIPPED, { maxLength: 4 }), fc.array(CONTROL, { minLength: 1, maxLength: 4 }), fc.string({ maxLength: 6 }))
  .map(([a, stripped, c, b]) => `${a}${stripped.join('')}${c.join('')}${b}`);

/** Text full of stripped control characters, for the noise around a defect. */
export const strippedString = fc.array(fc.oneof(STRIPPED, fc.string({ maxLength: 2 })), { minLength: 1, maxLength: 10 }).map((parts) => parts.join(''));

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** A string no API field accepts as an id: control characters, huge, markup, path tricks, empty. */
export const junkString = fc.oneof(
  controlString,
  fc.integer({ min: 2_000, max: 60_000 }).map((n) => 'A'.repeat(n)),
  fc.constantFrom('', ' ', '\t', '<script>alert(1)</script>', '../../etc/passwd', "' OR 1=1 --", '${jndi:ldap://x/a}', '%00', 'null', 'undefined'),
  fc.constantFrom(...PROTO_KEYS),
);

/** Any string at all (for fields that take free text): unicode, binary code units, control characters, huge. */
export const anyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  strippedString,
  fc.string({ unit: 'binary', maxLength: 40 }),
  controlString,
  fc.integer({ min: 1_000, max: 100_000 }).map((n) => 'あ'.repeat(n)),
);

/** A value of the wrong kind for a string field. */
export const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

/** A value of the wrong kind for an object field. */
export const notAnObject = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.string({ maxLength: 20 }), fc.array(fc.integer(), { maxLength: 3 }));

/** Extra keys a hostile client adds: prototype-pollution names and junk values. They must never turn a 4xx into a 5xx. */
export const noise = fc.dictionary(
  fc.oneof(fc.constantFrom(...PROTO_KEYS, 'toString', 'hasOwnProperty', 'x_junk'), fc.string({ maxLength: 8 })),
  fc.oneof(anyString, notAString, fc.constant({ polluted: true })),
  { maxKeys: 3 },
);

/** A JSON text nested `depth` levels deep (built as text: the value itself would overflow JSON.stringify). */
export function deepJson(depth: number, key = 'a'): string {
  return `${`{"${key}":`.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** How a body goes on the wire. Everything but `json` is a defect by itself. */
export type Encoding = 'json' | 'json-charset' | 'text/plain' | 'xml' | 'form' | 'multipart' | 'octet' | 'none' | 'bad-utf8' | 'truncated' | 'deep';

export const anyEncoding = fc.constantFrom<Encoding>('json', 'json-charset', 'text/plain', 'xml', 'form', 'multipart', 'octet', 'none', 'bad-utf8', 'truncated', 'deep');
/** Only the encodings that are defects by themselves. */
export const badEncoding = fc.constantFrom<Encoding>('text/plain', 'xml', 'form', 'multipart', 'octet', 'none', 'bad-utf8', 'truncated', 'deep');

const INVALID_UTF8 = [Buffer.from([0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe3, 0x81]), Buffer.from([0x80, 0x80])];

/** The headers and bytes of a body in the given encoding. */
export function encode(body: unknown, encoding: Encoding, seed: number): { headers: Record<string, string>; payload: Buffer } {
  const text = JSON.stringify(body) ?? 'null';
  switch (encoding) {
    case 'json':
      return { headers: { 'content-type': 'application/json' }, payload: Buffer.from(text) };
    case 'json-charset':
      return { headers: { 'content-type': 'application/json; charset=utf-8' }, payload: Buffer.from(text) };
    case 'text/plain':
      return { headers: { 'content-type': 'text/plain' }, payload: Buffer.from(text) };
    case 'xml':
      return { headers: { 'content-type': 'application/xml' }, payload: Buffer.from(`<activity>${text}</activity>`) };
    case 'form':
      return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: Buffer.from(`body=${encodeURIComponent(text)}`) };
    case 'multipart':
      return { headers: { 'content-type': 'multipart/form-data; boundary=x' }, payload: Buffer.from(`--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n${text}\r\n--x--\r\n`) };
    case 'octet':
      return { headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from(text) };
    case 'none':
      return { headers: {}, payload: Buffer.from(text) };
    case 'bad-utf8': {
      // Broken bytes inside a JSON string: the JSON is well-formed apart from its encoding.
      const bad = INVALID_UTF8[seed % INVALID_UTF8.length] ?? Buffer.from([0xff]);
      const withString = typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body, text: '@@BAD@@' } : { text: '@@BAD@@' };
      const [before, after] = JSON.stringify(withString).split('@@BAD@@');
      return { headers: { 'content-type': 'application/json' }, payload: Buffer.concat([Buffer.from(before ?? ''), bad, Buffer.from(after ?? '')]) };
    }
    case 'truncated':
      return { headers: { 'content-type': 'application/json' }, payload: Buffer.from(text.slice(0, Math.max(1, seed % Math.max(1, text.length)))) };
    case 'deep':
      return { headers: { 'content-type': 'application/json' }, payload: Buffer.from(`{"type":"message","text":"hi","x":${deepJson(100 + (seed % 5_000))}}`) };
  }
}

/** Sets (or, with `undefined`, removes) a dotted path in a copy of `base`. */
export function withField(base: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = structuredClone(base);
  const parts = path.split('.');
  let target: Record<string, unknown> = copy;
  for (const part of parts.slice(0, -1)) {
    const next = target[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      const created: Record<string, unknown> = {};
      target[part] = created;
      target = created;
    } else {
      target = next as Record<string, unknown>;
    }
  }
  const last = parts.at(-1) ?? '';
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

/** Adds noise keys with defineProperty, so a "__proto__" key is an own key (as JSON.parse makes it), not a prototype change. */
export function withNoise(body: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...body };
  for (const [key, value] of Object.entries(extra)) {
    if (key in body) continue;
    Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  }
  return copy;
}

export interface Answer {
  status: number;
  body: string;
  contentType: string;
}

/** One suite's counts, printed at the end. */
export interface Tally {
  endpoint: string;
  fuzzed: number;
  status4xx: number;
  status5xx: number;
  byStatus: Map<number, number>;
}

export const tallies: Tally[] = [];

export function newTally(endpoint: string): Tally {
  const tally: Tally = { endpoint, fuzzed: 0, status4xx: 0, status5xx: 0, byStatus: new Map() };
  tallies.push(tally);
  return tally;
}

/** A request that takes longer than this is a hang (a guard, not a speed assertion). */
const HANG_MS = 5_000;

export async function guarded<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS / 1000} s: ${what}`)), HANG_MS);
  });
  try {
    return await Promise.race([work, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** The answer must be a 4xx with the house error body: { statusCode, code: HD_ERR_…, error: reason phrase, message }. */
export function expectCoded4xx(tally: Tally, answer: Answer, what: string): void {
  tally.fuzzed++;
  tally.byStatus.set(answer.status, (tally.byStatus.get(answer.status) ?? 0) + 1);
  if (answer.status >= 500) tally.status5xx++;
  if (answer.status >= 400 && answer.status < 500) tally.status4xx++;
  const shown = what.length > 300 ? `${what.slice(0, 300)}…` : what;
  assert.ok(answer.status >= 400 && answer.status < 500, `expected a 4xx, got ${answer.status} ${answer.body.slice(0, 300)} for ${shown}`);
  assert.match(answer.contentType, /^application\/json/, `not JSON (${answer.contentType}) for ${shown}`);
  const parsed: unknown = JSON.parse(answer.body);
  assert.ok(typeof parsed === 'object' && parsed !== null, `body is not an object for ${shown}`);
  assert.equal(Reflect.get(parsed, 'statusCode'), answer.status, shown);
  assert.match(String(Reflect.get(parsed, 'code')), /^HD_ERR_[A-Z_]+$/, shown);
  assert.equal(Reflect.get(parsed, 'error'), STATUS_CODES[answer.status], shown);
  assert.equal(typeof Reflect.get(parsed, 'message'), 'string', shown);
}

/** Tables whose rows a refused request may change: rate-limit windows count refused requests too, on purpose. */
const NOT_DATA = new Set(['hd_migrations', 'hd_migrations_lock', 'rate_limits']);

/** Row counts of every data table, to prove a refused request wrote nothing. */
export async function rowCounts(db: Kysely<unknown>): Promise<Record<string, number>> {
  const tables = (await db.introspection.getTables()).map((t) => t.name).filter((name) => !NOT_DATA.has(name)).sort();
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await (db as Kysely<Record<string, Record<string, unknown>>>)
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

export const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

/** Every byte of the UTF-8 form percent-encoded (a lone surrogate becomes U+FFFD, as a browser would send it). */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
}

/**
 * Runs `numRuns` generated requests through `check`. A failure is reported with the request that caused it, cut to a
 * readable length (a generated body can be hundreds of kilobytes).
 */
export async function fuzz<T>(arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void>, describe: (value: T) => string, numRuns = RUNS): Promise<void> {
  const result = await fc.check(fc.asyncProperty(arbitrary, check), { numRuns, endOnFailure: true });
  if (!result.failed) return;
  const example = result.counterexample?.[0];
  const shown = example === undefined ? '(no example)' : describe(example);
  const reason = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
  throw new Error(`after ${result.numRuns} requests (seed ${result.seed}): ${reason.slice(0, 600)}\n  request: ${shown.slice(0, 600)}`);
}

export function printTallies(): void {
  const lines = tallies.map((t) => {
    const statuses = [...t.byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
    return `  ${t.endpoint.padEnd(58)} fuzzed ${String(t.fuzzed).padStart(5)}  4xx ${String(t.status4xx).padStart(5)}  5xx ${t.status5xx}  (${statuses})`;
  });
  const total = tallies.reduce((sum, t) => sum + t.fuzzed, 0);
  const total4xx = tallies.reduce((sum, t) => sum + t.status4xx, 0);
  const total5xx = tallies.reduce((sum, t) => sum + t.status5xx, 0);
  process.stdout.write(`\nhostile input: requests fuzzed ${total}, 4xx ${total4xx}, 5xx ${total5xx}\n${lines.join('\n')}\n`);
}
