import type { MessageKey } from './message-keys.js';
import type { Localized, Messages } from './types.js';
import type { Locale } from './types.js';

/** Picks the user's language and fills `{name}` placeholders. Unknown placeholders stay visible so content bugs show. */
export function fill(text: string, params: Record<string, string | number> = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => (key in params ? String(params[key]) : whole));
}

export function pick(text: Localized, locale: Locale): string {
  return text[locale];
}

export function message(messages: Messages, key: MessageKey, locale: Locale, params?: Record<string, string | number>): string {
  return fill(messages[key][locale], params);
}

export function bulletList(items: readonly Localized[], locale: Locale): string {
  return items.map((item) => `- ${item[locale]}`).join('\n');
}

/** 「A、B、C」 / "A, B and C". */
export function joinList(items: readonly string[], locale: Locale): string {
  if (locale === 'ja') return items.length <= 2 ? items.join('と') : items.join('、');
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}
