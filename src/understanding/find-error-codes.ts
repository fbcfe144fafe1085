import type { CatalogEntry, ErrorCatalog } from './error-catalog.js';
import { normaliseText } from './normalise-text.js';

export interface ErrorMention {
  /** How the user wrote it. */
  raw: string;
  kind: 'name' | 'code';
  entry: CatalogEntry | undefined;
}

const NAME = /\b(?:ERROR|RPC_S|WSAE|DNS_ERROR|EPT_S)_[A-Z0-9_]+\b|\bWSAE[A-Z]+\b/gi;
const HEX = /(?<![0-9a-z])0x[0-9a-f]{1,8}\b/gi;
/** Decimal codes: three digits and more, so "Windows 11" or "step 2" are not read as error codes. */
const DECIMAL = /(?<![0-9a-z.:/-])\d{3,10}(?![0-9.:/])/gi;
/** Bare hex like "35F0" only counts next to the word error / エラー. */
const BARE_HEX = /(?:エラー|error|code|コード)\s*[:：]?\s*([0-9a-f]{4,8})\b/gi;

/** Every error name or number a message quotes, with what the catalog says it is (undefined when unknown). */
export function findErrorMentions(text: string, catalog: ErrorCatalog): ErrorMention[] {
  const normalised = normaliseText(text);
  const mentions: ErrorMention[] = [];
  const seen = new Set<string>();
  const add = (mention: ErrorMention) => {
    const key = `${mention.kind}:${mention.entry ? mention.entry.name : mention.raw.toLowerCase()}`;
    if (!seen.has(key)) {
      seen.add(key);
      mentions.push(mention);
    }
  };
  for (const match of normalised.matchAll(NAME)) {
    add({ raw: match[0], kind: 'name', entry: catalog.byName(match[0]) });
  }
  const withoutNames = normalised.replace(NAME, ' ');
  for (const match of withoutNames.matchAll(HEX)) {
    add({ raw: match[0], kind: 'code', entry: catalog.byCode(Number.parseInt(match[0].slice(2), 16)) });
  }
  const withoutHex = withoutNames.replace(HEX, ' ');
  for (const match of withoutHex.matchAll(BARE_HEX)) {
    const digits = match[1] ?? '';
    if (/[a-f]/i.test(digits)) add({ raw: digits, kind: 'code', entry: catalog.byCode(Number.parseInt(digits, 16)) });
  }
  for (const match of withoutHex.matchAll(DECIMAL)) {
    const value = Number(match[0]);
    add({ raw: match[0], kind: 'code', entry: catalog.byCode(value) });
  }
  return mentions;
}
