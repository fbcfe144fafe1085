import type { CatalogEntry, ErrorCatalog } from './error-catalog.js';
import { normaliseText } from './normalise-text.js';

/** How the user wrote an error: its name, a 0x… hex code, an HRESULT, a bare hex code or a decimal number. */
export type MentionForm = 'name' | 'hex' | 'hresult' | 'bare-hex' | 'decimal';

export interface ErrorMention {
  /** How the user wrote it (after width folding). */
  raw: string;
  kind: 'name' | 'code';
  form: MentionForm;
  /** Where it starts in the folded text; mentions come back in this order. */
  at: number;
  /** True when a word such as エラー / error / code stands right before it. */
  cued: boolean;
  /** What the catalog says it is; undefined when the catalog does not know it. */
  entry: CatalogEntry | undefined;
}

/** Constant-like names: ERROR_IPSEC_IKE_SA_REAPED, RPC_S_SERVER_UNAVAILABLE, WSAETIMEDOUT, … */
const NAME = /(?<![A-Za-z0-9_])(?:[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+|WSAE[A-Za-z]+)(?![A-Za-z0-9_])/g;
/** 0x… in one to eight hex digits. */
const HEX = /(?<![0-9A-Za-z])0x([0-9A-Fa-f]{1,8})(?![0-9A-Za-z])/g;
/** Eight hex digits that start like an HRESULT (800Xxxxx), written without 0x; 8007xxxx always, others when known. */
const BARE_HRESULT = /(?<![0-9A-Za-z])(800[0-9A-Fa-f]{5})(?![0-9A-Za-z])/g;
/** A negative HRESULT as some tools print it: -2147024891. */
const SIGNED_HRESULT = /(?<![0-9A-Za-z.])-(214[67]\d{6})(?![0-9])/g;
/** Four to eight hex digits mixing letters and digits ("35F0"); plain words such as "cafe" are not codes. */
const BARE_HEX = /(?<![0-9A-Za-z_.:/-])(?=[0-9A-Fa-f]*[0-9])(?=[0-9A-Fa-f]*[A-Fa-f])([0-9A-Fa-f]{4}|[0-9A-Fa-f]{8})(?![0-9A-Za-z_-])/g;
/** Hex digits right after an error word, even with a colon between ("エラーコード：35F0"). */
const CUED_HEX = /(?:エラー|error|err|code|コード)\s*(?:コード|code)?\s*[:：=]\s*([0-9A-Fa-f]{4,8})(?![0-9A-Za-z_])/dgi;
/** Whole numbers that are not part of a date, a time, a version, an address or a quantity. */
const DECIMAL = /(?<![0-9A-Za-z_.:/,-])(\d{1,10})(?![0-9A-Za-z_]|[.,:/-]\d|\s*(?:%|回|分|秒|時|日|年|月|件|台|人|円|個|度|番ポート|ポート|mb|gb|kb|ms|min|sec|hours?|days?|times|minutes?|seconds?|mbps|番目)(?![A-Za-z]))/gi;
/** Words that make the number right after them an error number. */
const CUE = /(?:エラー|エラ|えらー|ｴﾗｰ|error|err|code|コード|番号|no\.?|#|hresult|status|ステータス)\s*(?:番号|コード|code|no\.?|number)?\s*[:：=]?\s*(?:は|が)?\s*$/i;
/** Words that make the number after them something else: a port, a build, a version. */
const NOT_AN_ERROR = /(?:port|ポート|udp|tcp|build|ビルド|version|バージョン|ver\.?|windows|win|step|ステップ|手順|kb|office|iphone|android|内線|tel|電話)\s*[:：]?\s*$/i;

/** Numbers a VPN user actually sees without saying "error": the RAS range and the IPsec ranges. */
function isVpnFamily(entry: CatalogEntry): boolean {
  return entry.family === 'ras' || entry.family === 'ipsec-ike' || entry.family === 'ipsec';
}

/**
 * Every error name or number a message quotes, in the order written, with what the catalog says it is
 * (undefined when unknown). Plain numbers count only when they look like an error number: cued by a word
 * such as エラー or error, in the VPN/IPsec ranges, or standing alone as the whole message.
 */
/** A dash of any width between an error word and a number ("エラ-809", "error－809", "エラーコードは-809"). */
const DASH_AFTER_CUE = /((?:エラー|エラ|えらー|ｴﾗｰ|error|err|code|コード|番号)(?:\s*(?:コード|code))?\s*(?:は|:|：)?\s*)[-\u2010-\u2015\u2212\u30fc\uff0d\uff70](?=\s*\d)/gi;

export function findErrorMentions(text: string, catalog: ErrorCatalog): ErrorMention[] {
  // Same length as before (one dash becomes one space), so positions still line up.
  const folded = normaliseText(text).replace(DASH_AFTER_CUE, '$1 ');
  const mentions: ErrorMention[] = [];
  // Characters already claimed by a stronger form, so "0x35F0" is not also read as "35F0".
  const claimed: boolean[] = new Array<boolean>(folded.length).fill(false);
  const free = (start: number, length: number) => {
    for (let i = start; i < start + length; i++) if (claimed[i]) return false;
    return true;
  };
  const claim = (start: number, length: number) => {
    for (let i = start; i < start + length; i++) claimed[i] = true;
  };
  const cuedAt = (start: number) => CUE.test(folded.slice(Math.max(0, start - 16), start));
  const add = (mention: Omit<ErrorMention, 'cued'>, length: number) => {
    if (!free(mention.at, length)) return;
    claim(mention.at, length);
    mentions.push({ ...mention, cued: cuedAt(mention.at) });
  };

  for (const match of folded.matchAll(NAME)) {
    const raw = match[0];
    const entry = catalog.byName(raw) ?? (/^ERROR_/i.test(raw) ? undefined : catalog.byName(`ERROR_${raw}`));
    // Only names the catalog knows, or that look like Windows error names, are error mentions; "VPN_GATEWAY" is not.
    if (entry || /^(?:ERROR|RPC_S|RPC_X|DNS_ERROR|WSAE|EPT_S)_?/i.test(raw)) {
      add({ raw, kind: 'name', form: 'name', at: match.index, entry }, raw.length);
    }
  }
  for (const match of folded.matchAll(HEX)) {
    const value = Number.parseInt(match[1] ?? '', 16);
    const form: MentionForm = value > 0xffff ? 'hresult' : 'hex';
    add({ raw: match[0], kind: 'code', form, at: match.index, entry: catalog.byCode(value) }, match[0].length);
  }
  for (const match of folded.matchAll(BARE_HRESULT)) {
    const value = Number.parseInt(match[1] ?? '', 16);
    const entry = catalog.byCode(value);
    if (!entry && value >>> 16 !== 0x8007) continue; // "80012345" may be an order number
    add({ raw: match[0], kind: 'code', form: 'hresult', at: match.index, entry }, match[0].length);
  }
  for (const match of folded.matchAll(SIGNED_HRESULT)) {
    const value = -Number(match[1]);
    add({ raw: match[0], kind: 'code', form: 'hresult', at: match.index, entry: catalog.byCode(value) }, match[0].length);
  }
  for (const match of folded.matchAll(CUED_HEX)) {
    const raw = match[1] ?? '';
    const at = match.indices?.[1]?.[0];
    if (at === undefined || !/[A-Fa-f]/.test(raw)) continue; // digits only: read as a decimal below
    add({ raw, kind: 'code', form: 'bare-hex', at, entry: catalog.byCode(Number.parseInt(raw, 16)) }, raw.length);
  }
  for (const match of folded.matchAll(BARE_HEX)) {
    const raw = match[1] ?? '';
    add({ raw, kind: 'code', form: 'bare-hex', at: match.index, entry: catalog.byCode(Number.parseInt(raw, 16)) }, raw.length);
  }
  const alone = /^\D*\d+\D*$/.test(folded) && folded.replace(/[^0-9A-Za-z\u3040-\u30ff\u3400-\u9fff]/g, '').length <= 12;
  for (const match of folded.matchAll(DECIMAL)) {
    const raw = match[1] ?? '';
    const at = match.index;
    if (!free(at, raw.length)) continue;
    const before = folded.slice(Math.max(0, at - 16), at);
    if (NOT_AN_ERROR.test(before)) continue;
    const entry = catalog.byCode(Number(raw));
    const cued = cuedAt(at);
    const plausible = cued || alone || (raw.length >= 3 && entry !== undefined && isVpnFamily(entry));
    if (!plausible) continue;
    add({ raw, kind: 'code', form: 'decimal', at, entry }, raw.length);
  }
  return mentions.sort((a, b) => a.at - b.at);
}
