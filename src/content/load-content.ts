import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import type { TSchema, Static } from '@sinclair/typebox';
import { parse } from 'yaml';
import { projectRoot } from '../project-root.js';
import { matchesSchema } from './compiled-schema.js';
import { openParsedYamlCache, type ParsedYamlCache } from './parsed-yaml-cache.js';
import { Messages, Runbook } from './schema.js';

export class ContentError extends Error {
  override name = 'ContentError';
}

export interface Content {
  runbooks: Map<string, Runbook>;
  messages: Messages;
  /** Changes whenever any content file changes; part of the machine version. */
  hash: string;
}

/** Where parsed content is kept between starts (see parsed-yaml-cache.ts); `npm run build` fills it. */
export function parsedContentCacheFile(): string {
  return join(projectRoot(), 'dist', '.parsed-content.json');
}

let shared: ParsedYamlCache | undefined;

/**
 * A content file's YAML parsed through the process's parsed-YAML cache (opened once, in dist/ next to the build),
 * for the files read outside loadContent: the console, canned replies, staff card and dashboard texts were parsed
 * anew at every start (and by each plugin that reads them), a tenth of the start-up CPU.
 */
export function parseContentYaml(text: string): unknown {
  shared ??= openParsedYamlCache(parsedContentCacheFile());
  const value = shared.parse(text, parse);
  shared.save();
  return value;
}

function parseYaml(file: string, text: string, cache: ParsedYamlCache): unknown {
  try {
    return cache.parse(text, parse);
  } catch (err) {
    throw new ContentError(`${file}: not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Validates against a TypeBox schema, failing with the file and the JSON pointer of the first wrong field. */
export function validate<T extends TSchema>(schema: T, value: unknown, file: string): Static<T> {
  if (matchesSchema(schema, value)) return value;
  const first = Value.Errors(schema, value).First();
  throw new ContentError(`${file}: field "${first?.path || '/'}": ${first?.message ?? 'does not match the schema'}`);
}

function readYamlFile(dir: string, file: string, cache: ParsedYamlCache): unknown {
  const path = join(dir, file);
  return parseYaml(relative(process.cwd(), path) || path, readFileSync(path, 'utf8'), cache);
}

/** Loads every runbook and the bot's UI strings once, at start-up. Fails fast with the file and field at fault. */
export function loadContent(contentDir: string, cacheFile: string = parsedContentCacheFile()): Content {
  const cache = openParsedYamlCache(cacheFile);
  const hash = createHash('sha256');
  const runbooks = new Map<string, Runbook>();
  const runbookDir = join(contentDir, 'runbooks');
  const files = readdirSync(runbookDir).filter((f) => /\.ya?ml$/.test(f)).sort();
  for (const file of files) {
    const label = `content/runbooks/${file}`;
    const text = readFileSync(join(runbookDir, file), 'utf8');
    hash.update(file).update(text);
    const runbook = validate(Runbook, parseYaml(label, text, cache), label);
    if (runbooks.has(runbook.id)) throw new ContentError(`${label}: field "/id": duplicate runbook id "${runbook.id}"`);
    const seen = new Set<string>();
    runbook.checks.forEach((check, i) => {
      if (seen.has(check.id)) throw new ContentError(`${label}: field "/checks/${i}/id": duplicate check id "${check.id}"`);
      seen.add(check.id);
    });
    runbooks.set(runbook.id, runbook);
  }
  if (runbooks.size === 0) throw new ContentError(`${runbookDir}: no runbooks found`);
  const messagesText = readFileSync(join(contentDir, 'messages.yaml'), 'utf8');
  hash.update(messagesText);
  const messages = validate(Messages, readYamlFile(contentDir, 'messages.yaml', cache), 'content/messages.yaml');
  cache.save();
  return { runbooks, messages, hash: hash.digest('hex').slice(0, 12) };
}

/** One fault found before a reload: the file and the field (JSON pointer) at fault. */
export interface ContentFault {
  file: string;
  field: string;
  problem: string;
}

export type ReloadResult =
  | { ok: true; runbooks: number; hash: string; changed: boolean; at: string }
  | { ok: false; faults: ContentFault[]; at: string };

export interface ContentHolderOptions {
  /** The full content check (src/content/check-content.ts) run on the files before they replace what is loaded. */
  check(contentDir: string): ContentFault[];
}

/**
 * The loaded content, reloadable while the service runs (SIGHUP, the admin's button). `content` keeps its identity:
 * a reload that passes the check swaps the runbooks and messages inside it in one synchronous step, so every part
 * holding it (the machine, the renderer) sees the new content from the next turn on, and no turn sees half of it.
 * A reload that fails the check changes nothing and reports each fault with its file and field.
 */
export function createContentHolder(contentDir: string, options: ContentHolderOptions) {
  const content = loadContent(contentDir);
  const listeners = new Set<(content: Content) => void>();
  let last: ReloadResult | undefined;

  return {
    content,
    /** The outcome of the last reload, for the admin page. */
    lastReload(): ReloadResult | undefined {
      return last;
    },
    reload(): ReloadResult {
      const at = new Date().toISOString();
      let next: Content;
      try {
        const faults = options.check(contentDir);
        if (faults.length > 0) return (last = { ok: false, faults, at });
        next = loadContent(contentDir);
      } catch (err) {
        const text = err instanceof Error ? err.message : String(err);
        return (last = { ok: false, faults: [{ file: contentDir, field: '/', problem: text }], at });
      }
      const changed = next.hash !== content.hash;
      content.runbooks.clear();
      for (const [id, runbook] of next.runbooks) content.runbooks.set(id, runbook);
      Object.assign(content.messages, next.messages);
      content.hash = next.hash;
      for (const listener of listeners) listener(content);
      return (last = { ok: true, runbooks: content.runbooks.size, hash: content.hash, changed, at });
    },
    /** Called after each successful reload (to rebuild what is derived from the runbooks, such as the search index). */
    onReload(listener: (content: Content) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type ContentHolder = ReturnType<typeof createContentHolder>;
