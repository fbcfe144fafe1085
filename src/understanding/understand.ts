import type { ChoiceAction, ErrorRef, HelpdeskEvent, Locale } from '../../dialogs/types.js';
import { detectLocale } from './detect-locale.js';
import type { CatalogEntry, ErrorCatalog } from './error-catalog.js';
import { findErrorMentions } from './find-error-codes.js';
import { detectIntent, type Intent } from './intents.js';
import type { RunbookIndex } from './runbook-index.js';

export interface Utterance {
  text: string;
  /** A button's payload, when the user clicked one. */
  action?: ChoiceAction | undefined;
}

export interface Understanding {
  event: HelpdeskEvent;
  /** The language the text is written in, when it says. */
  locale: Locale | undefined;
}

const INTENT_EVENTS: Record<Intent, HelpdeskEvent> = {
  human: { type: 'REQUEST_HUMAN' },
  start_over: { type: 'START_OVER' },
  not_fixed: { type: 'ANSWER_NOT_FIXED' },
  fixed: { type: 'ANSWER_FIXED' },
  unsure: { type: 'ANSWER_UNSURE' },
  skip: { type: 'ANSWER_SKIP' },
  show_how: { type: 'SHOW_HOW' },
  help: { type: 'HELP' },
  thanks: { type: 'THANKS' },
};

const ACTION_EVENTS: Record<ChoiceAction, HelpdeskEvent> = {
  FIXED: { type: 'ANSWER_FIXED' },
  NOT_FIXED: { type: 'ANSWER_NOT_FIXED' },
  SHOW_HOW: { type: 'SHOW_HOW' },
  TALK_TO_IT: { type: 'REQUEST_HUMAN' },
  HELPFUL_YES: { type: 'HELPFUL_YES' },
  HELPFUL_NO: { type: 'HELPFUL_NO' },
  START_OVER: { type: 'START_OVER' },
};

export function toErrorRef(entry: CatalogEntry): ErrorRef {
  return { name: entry.name, code: entry.code, hex: entry.hex };
}

/** Turns what the user said or clicked into one machine event. Pure: the catalog and index are data. */
export function createUnderstanding(catalog: ErrorCatalog, index: RunbookIndex) {
  return function understand(utterance: Utterance): Understanding {
    const locale = detectLocale(utterance.text);
    if (utterance.action) return { event: ACTION_EVENTS[utterance.action], locale };
    const known = findErrorMentions(utterance.text, catalog).flatMap((m) => (m.entry ? [m.entry] : []));
    for (const entry of known) {
      const match = index.forError(entry);
      if (match) return { event: { type: 'REPORT_ERROR', runbookId: match.runbook.id, error: toErrorRef(entry) }, locale };
    }
    const intent = detectIntent(utterance.text);
    if (intent) return { event: INTENT_EVENTS[intent], locale };
    return { event: { type: 'UNRECOGNISED_TEXT' }, locale };
  };
}

export type Understand = ReturnType<typeof createUnderstanding>;
