import type { Locale } from '../../dialogs/types.js';

/** A stored locale column read back as a Locale (anything else counts as unknown). */
export function readLocale(value: string | undefined): Locale | undefined {
  return value === 'en' ? 'en' : value === 'ja' ? 'ja' : undefined;
}

/**
 * The language a turn starts from: what the message's own script says, else what the conversation spoke last,
 * else the channel's hint, else Japanese.
 */
export function firstGuess(signals: { fromText?: Locale | undefined; stored?: string | undefined; hint?: Locale | undefined }): Locale {
  return signals.fromText ?? readLocale(signals.stored) ?? signals.hint ?? 'ja';
}

/** A language the user asked for sticks until they ask for another one; otherwise each message's script decides. */
export function turnLocale(guess: Locale, pinned: Locale | null | undefined, switching: boolean): Locale {
  return switching ? guess : (pinned ?? guess);
}
