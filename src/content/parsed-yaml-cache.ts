import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Entries kept in the file; old ones go first (content hashes never go stale, they only stop being used). */
const MAX_ENTRIES = 200;
const FORMAT = 1;

/** Only plain JSON (finite numbers, no undefined) goes into the cache, so a cached value is the parsed value. */
function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).every(isPlainJson);
  return false;
}

export interface ParsedYamlCache {
  /** The parsed value of a YAML text: from the cache when this very text was parsed before, else `parse(text)`. */
  parse(text: string, parse: (text: string) => unknown): unknown;
  /** Writes new entries to the cache file; a cache that cannot be written (read-only install) is simply not kept. */
  save(): void;
}

/**
 * Parsing YAML is slow next to JSON (about 100 KB of runbooks and messages took most of the content's start-up
 * time), so each file's parsed value is kept as JSON under the SHA-256 of its text. An edited file has a new hash
 * and is parsed again; validation always runs on the result, cached or not.
 */
export function openParsedYamlCache(file: string): ParsedYamlCache {
  let entries: Record<string, unknown> = {};
  try {
    const stored: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof stored === 'object' && stored !== null && Reflect.get(stored, 'format') === FORMAT) {
      const kept: unknown = Reflect.get(stored, 'entries');
      if (typeof kept === 'object' && kept !== null && !Array.isArray(kept)) entries = { ...kept };
    }
  } catch {
    // No cache yet, or an unreadable one: parse everything.
  }
  let changed = false;
  return {
    parse(text, parse) {
      const key = createHash('sha256').update(text).digest('base64url');
      if (Object.hasOwn(entries, key)) return structuredClone(entries[key]);
      const value = parse(text);
      if (isPlainJson(value)) {
        delete entries[key];
        entries[key] = structuredClone(value);
        changed = true;
      }
      return value;
    },
    save() {
      if (!changed) return;
      const keys = Object.keys(entries);
      const kept = Object.fromEntries(keys.slice(Math.max(0, keys.length - MAX_ENTRIES)).map((k) => [k, entries[k]]));
      const temporary = `${file}.${process.pid}.tmp`;
      try {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(temporary, JSON.stringify({ format: FORMAT, entries: kept }));
        renameSync(temporary, file);
        changed = false;
      } catch {
        // Read-only installation: start-up parses the YAML, as without a cache.
      }
    },
  };
}
