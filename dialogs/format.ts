import type { Localized, MessageKey, Messages } from '../src/content/schema.js';
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
