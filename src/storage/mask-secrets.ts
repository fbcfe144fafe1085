/**
 * Secrets people type into a helpdesk chat ("password: …", 「パスワードは…」, a pre-shared key, a token pasted from a
 * browser) never reach the transcript, a ticket, the Direct Line history or IT: they are replaced here, before they
 * are stored. Pure and deterministic; the words around a secret stay, so IT still reads what the employee meant.
 */

/** What a masked value becomes: language-neutral, visibly not the original, fixed length so nothing leaks by size. */
export const MASK = '********';

/**
 * Characters a typed secret is made of: printable ASCII, and the full-width letters, digits and symbols a Japanese IME
 * types (not the full-width ？！（）： that end a Japanese sentence).
 */
const SECRET_CHARS = String.raw`[\x21-\x7E０-９Ａ-Ｚａ-ｚ＠＃＄％＆＊＋－＿．／＝]`;

/** Closing marks that end a quoted secret, by the mark that opened it. */
const QUOTE_PAIRS: Record<string, string> = { '「': '」', '『': '』', '"': '"', "'": "'", '“': '”', '‘': '’', '`': '`' };

/** Words that name a secret, in English. Matched case-insensitively, as whole words. */
const EN_KEYWORDS = [
  'pass(?:word|wd|code|phrase|\\s?phrase)?',
  'pwd',
  'pin(?:\\s?code)?',
  'psk',
  'pre-?shared[\\s-]?key',
  'shared[\\s-]?(?:key|secret)',
  '(?:client[\\s_-]?)?secret',
  '(?:api|access|secret|private|license|product|recovery|bitlocker)[\\s_-]?key',
  '(?:access|auth|api|bearer|session|refresh)?[\\s_-]?token',
  'otp',
  'one[\\s-]time[\\s-](?:password|code)',
  'credentials?',
].join('|');

/** Words that name a secret, in Japanese (katakana, kanji, and the short forms people type). */
const JA_KEYWORDS = [
  'パスワード',
  'ﾊﾟｽﾜｰﾄﾞ',
  'パスコード',
  'パスフレーズ',
  '暗証番号',
  'PIN(?:コード|番号)?',
  '事前共有(?:キー|鍵)',
  '共有(?:キー|鍵|シークレット)',
  'シークレット(?:キー)?',
  '(?:API|アクセス|秘密|回復|回復用|プロダクト|ライセンス)(?:キー|鍵)',
  'トークン',
  'ワンタイム(?:パスワード|コード)',
  '認証コード',
  'PSK',
  'ＰＳＫ',
  'ＰＩＮ',
].join('|');

/** After an English keyword: "password: x", "password = x", "password is x", "PSK was x". */
const EN_LABELLED = new RegExp(
  String.raw`\b(${EN_KEYWORDS})\b(\s*(?:[:=：＝]|\bis\b:?|\bwas\b:?|\bto\b:?)\s*)(${SECRET_CHARS}+)`,
  'gi',
);

/** After a Japanese keyword: 「パスワードは x」「パスワード：x」「PSKが x」. */
const JA_LABELLED = new RegExp(String.raw`(${JA_KEYWORDS})(\s*(?:は|が|[:=：＝]|って|とは)\s*)(${SECRET_CHARS}+)`, 'giu');

/** A keyword directly followed by a quoted value, with or without a particle: パスワード「abc」, password "abc". */
const QUOTED = new RegExp(
  String.raw`((?:${JA_KEYWORDS}|\b(?:${EN_KEYWORDS})\b))(\s*(?:は|が|を|[:=：＝]|\bis\b|って)?\s*)([「『"'“‘\x60])([^」』"'”’\x60\n]{1,200})([」』"'”’\x60])`,
  'giu',
);

/** Strings that are credentials whatever surrounds them. */
const SHAPES: readonly RegExp[] = [
  // PEM private keys, the whole block.
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  // JSON Web Tokens (also Bot Framework and Direct Line tokens).
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  // Authorization header values (a Basic one is base64, so it carries a digit, +, / or =; "Basic setup" is not one).
  /\bBearer\s+[A-Za-z0-9._~+/=-]{16,}/g,
  /\bBasic\s+(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]{8,}={0,2}/g,
  // Well-known key formats: AWS, GitHub, Slack, Google, OpenAI-like, Azure storage account keys.
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
  /\bsk-[A-Za-z0-9_-]{20,}/g,
  /\bAccountKey=[A-Za-z0-9+/=]{20,}/g,
];

/**
 * The password part of a URL with credentials: scheme://user:password@host. The scheme is bounded: unbounded, a long
 * run of letters would be re-scanned from every position (quadratic on a 40,000-letter message).
 */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/@]{1,256}:)([^\s@/]{1,256})(@)/gi;

/** A long run of base64/base64url characters with upper case, lower case and digits: an unlabelled key or token. */
const HIGH_ENTROPY = /[A-Za-z0-9+/_=-]{32,}/g;

/** Answers after "is" that are ordinary words about a password, not the password itself. */
const PLAIN_WORD = /^[A-Za-z][a-z]*[.,!?]*$/;

function looksLikeKey(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
}

/** True when a value after "is"/"was"/"to" reads like a word of the sentence ("my password is wrong") rather than a secret. */
function ordinaryWord(separator: string, value: string): boolean {
  return /\b(?:is|was|to)\b/i.test(separator) && PLAIN_WORD.test(value);
}

/** After は/が an acronym is part of the sentence (「パスワードがVPNで通らない」), not the password. */
function acronym(separator: string, value: string): boolean {
  return /[はが]|って|とは/.test(separator) && /^[A-Z]{1,5}$/.test(value);
}

/** The text with every secret it carries replaced by MASK. Text without secrets comes back unchanged. */
export function maskSecrets(text: string): string {
  if (text === '') return text;
  let out = text;
  out = out.replace(QUOTED, (_m, keyword: string, sep: string, open: string, _value: string, close: string) => {
    if (QUOTE_PAIRS[open] === undefined) return _m;
    return `${keyword}${sep}${open}${MASK}${close}`;
  });
  for (const shape of SHAPES) out = out.replace(shape, MASK);
  out = out.replace(URL_PASSWORD, (_m, before: string, _password: string, at: string) => `${before}${MASK}${at}`);
  out = out.replace(EN_LABELLED, (m, keyword: string, sep: string, value: string) =>
    value.includes(MASK) || ordinaryWord(sep, value) ? m : `${keyword}${sep}${MASK}`,
  );
  out = out.replace(JA_LABELLED, (m, keyword: string, sep: string, value: string) =>
    value.includes(MASK) || acronym(sep, value) ? m : `${keyword}${sep}${MASK}`,
  );
  out = out.replace(HIGH_ENTROPY, (run) => (looksLikeKey(run) ? MASK : run));
  return out;
}

/** The same for each text of a list of transcript-like entries (a new list; the input is not changed). */
export function maskEntries<T extends { text: string }>(entries: readonly T[]): T[] {
  return entries.map((entry) => {
    const text = maskSecrets(entry.text);
    return text === entry.text ? entry : { ...entry, text };
  });
}
