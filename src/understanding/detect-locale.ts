import type { Locale } from '../../dialogs/types.js';

const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]/;
/** Error names, hex and decimal codes say nothing about the user's language. */
const CODE_LIKE = /\b(?:[A-Z][A-Z0-9]*_[A-Z0-9_]+|0x[0-9a-f]+|\d+)\b/gi;

/** The language a message is written in, or undefined when it cannot tell (codes only, emoji, …). */
export function detectLocale(text: string): Locale | undefined {
  if (JAPANESE.test(text)) return 'ja';
  const words = text.replace(CODE_LIKE, ' ').match(/[a-z]{2,}/gi);
  return words && words.length > 0 ? 'en' : undefined;
}

/** Maps a channel locale such as "ja-JP" or "en-us" to one we speak. */
export function localeFromTag(tag: string | undefined): Locale | undefined {
  if (!tag) return undefined;
  const lower = tag.toLowerCase();
  if (lower.startsWith('ja')) return 'ja';
  if (lower.startsWith('en')) return 'en';
  return undefined;
}
