import type { ChoiceAction, ErrorRef, FamilyNote, HelpdeskEvent, Locale } from '../../dialogs/types.js';
import { BUTTON_EVENTS } from './button-events.js';
import { detectLocale } from './detect-locale.js';
import type { CatalogEntry, ErrorCatalog } from './error-catalog.js';
import { findErrorMentions, type ErrorMention } from './find-error-codes.js';
import { ANSWER_INTENTS, describesBesidesHuman, detectIntent, isStartOverCommand, mentionsTopic, requestedLocale, smallTalkOf, type Intent } from './intents.js';
import { outOfScopeTopic } from './out-of-scope.js';
import type { RunbookIndex } from './runbook-index.js';

export interface Utterance {
  text: string;
  /** A button's payload, when the user clicked one. */
  action?: ChoiceAction | undefined;
  /** The question the clicked button belonged to. */
  step?: string | undefined;
}

export interface Understanding {
  event: HelpdeskEvent;
  /** The language to answer in, when the message tells (its script, or an explicit request). */
  locale: Locale | undefined;
}

const INTENT_EVENTS: Record<Intent, HelpdeskEvent> = {
  human: { type: 'REQUEST_HUMAN' },
  not_fixed: { type: 'ANSWER_NOT_FIXED' },
  fixed: { type: 'ANSWER_FIXED' },
  unsure: { type: 'ANSWER_UNSURE' },
  skip: { type: 'ANSWER_SKIP' },
  show_how: { type: 'SHOW_HOW' },
  help: { type: 'HELP' },
  thanks: { type: 'THANKS' },
  none: { type: 'NONE_OF_THESE' },
};

export function toErrorRef(entry: CatalogEntry): ErrorRef {
  return { name: entry.name, code: entry.code, hex: entry.hex };
}

/** Which of several quoted codes to act on: names first, then explicit forms, then cued numbers. */
function strength(mention: ErrorMention): number {
  const form = { name: 5, hresult: 4, hex: 4, 'bare-hex': 2, decimal: 2 }[mention.form];
  return form + (mention.cued ? 1 : 0);
}

/** Unknown numbers only count as an error the user quotes when they are clearly written as one. */
function isClearlyACode(mention: ErrorMention): boolean {
  return mention.form === 'name' || mention.form === 'hex' || mention.form === 'hresult' || mention.cued;
}

/**
 * Understanding reads at most this many characters of a message. An error code, an error name or a description
 * of a problem fits many times over; what lies beyond (a pasted log, a runaway paste) is kept in the transcript
 * for IT but not searched, so one huge message cannot stall the process.
 */
export const MAX_UNDERSTOOD_CHARS = 2000;

/** Turns what the user said or clicked into one machine event. Pure: the catalog and index are data. */
export function createUnderstanding(catalog: ErrorCatalog, index: RunbookIndex) {
  const familyNote = (entry: CatalogEntry): FamilyNote | null => {
    const family = catalog.family(entry.family);
    return family ? { id: family.id, title: { ...family.title }, description: { ...family.description } } : null;
  };

  const fromErrors = (mentions: ErrorMention[], text: string): HelpdeskEvent | undefined => {
    const names = mentions.flatMap((m) => (m.kind === 'name' && m.entry ? [m.entry] : []));
    const codes = mentions.filter((m) => m.kind === 'code' && m.entry !== undefined);
    // A name and a code that are different errors: the user must tell us which one is on screen.
    if (names.length > 0 && codes.length > 0) {
      const nameCodes = new Set(names.map((e) => e.code));
      const codeCodes = new Set(codes.map((m) => m.entry?.code));
      const strayName = names.find((e) => !codeCodes.has(e.code));
      const strayCode = codes.find((m) => m.entry !== undefined && !nameCodes.has(m.entry.code));
      if (strayName && strayCode?.entry) {
        return { type: 'REPORT_MISMATCH', byName: toErrorRef(strayName), byCode: toErrorRef(strayCode.entry), codeAsTyped: strayCode.raw };
      }
    }
    const known = mentions.filter((m) => m.entry !== undefined).sort((a, b) => strength(b) - strength(a) || a.at - b.at);
    const withRunbook = known.find((m) => m.entry && index.forError(m.entry)?.exact);
    const chosen = withRunbook ?? known[0];
    if (chosen?.entry) {
      const match = index.forError(chosen.entry);
      if (match?.exact) return { type: 'REPORT_ERROR', runbookId: match.runbook.id, error: toErrorRef(chosen.entry) };
      return {
        type: 'REPORT_UNCOVERED_ERROR',
        error: toErrorRef(chosen.entry),
        family: familyNote(chosen.entry),
        fallbackRunbookId: match?.runbook.id ?? null,
      };
    }
    const unknown = mentions.find(isClearlyACode);
    if (unknown) return { type: 'REPORT_UNKNOWN_CODE', raw: unknown.raw, text: text.trim().slice(0, 2000) };
    return undefined;
  };

  /** A button's action: what it means, with its argument (a runbook id, an error name) checked against our data. */
  const fromAction = (action: ChoiceAction): HelpdeskEvent => {
    const fixed = BUTTON_EVENTS[action];
    if (fixed) return fixed;
    if (action.startsWith('RUNBOOK:')) {
      const id = action.slice('RUNBOOK:'.length);
      return index.runbook(id) ? { type: 'REPORT_ERROR', runbookId: id, error: null } : { type: 'UNRECOGNISED_TEXT' };
    }
    if (action.startsWith('ERROR:')) {
      const entry = catalog.byName(action.slice('ERROR:'.length));
      return (entry && fromErrors([{ raw: entry.name, kind: 'name', form: 'name', at: 0, cued: false, entry }], '')) ?? { type: 'UNRECOGNISED_TEXT' };
    }
    return { type: 'UNRECOGNISED_TEXT' };
  };

  return function understand(utterance: Utterance): Understanding {
    const text = utterance.text.length > MAX_UNDERSTOOD_CHARS ? utterance.text.slice(0, MAX_UNDERSTOOD_CHARS) : utterance.text;
    const locale = detectLocale(text);
    if (utterance.action) {
      const event = fromAction(utterance.action);
      const answer = event.type === 'ANSWER_FIXED' || event.type === 'ANSWER_NOT_FIXED' || event.type === 'SHOW_HOW';
      return { event: answer && utterance.step ? { ...event, step: utterance.step } : event, locale };
    }

    const chosenRunbook = index.byTitle(text);
    if (chosenRunbook) return { event: { type: 'REPORT_ERROR', runbookId: chosenRunbook.id, error: null }, locale };

    const wanted = requestedLocale(text);
    if (wanted) return { event: { type: 'SWITCH_LANGUAGE', locale: wanted }, locale: wanted };

    // Commands only when the message is the command: 「リセット」 restarts, 「パスワードをリセットしたい」 does not.
    if (isStartOverCommand(text)) return { event: { type: 'START_OVER' }, locale };

    const intent = detectIntent(text);
    // A request for a person wins over anything else the message says; what else it says goes on the ticket.
    if (intent === 'human') {
      return { event: { type: 'REQUEST_HUMAN', description: describesBesidesHuman(text) ? text.trim().slice(0, 2000) : undefined }, locale };
    }

    const reported = fromErrors(findErrorMentions(text, catalog), text);
    if (reported) return { event: reported, locale };

    const smallTalk = smallTalkOf(text);
    if (smallTalk) return { event: { type: 'SMALL_TALK', kind: smallTalk }, locale };

    // Mail, printers, accounts…: not ours unless the VPN is named. Before answers, so "Outlook がつながらない" is not one.
    const topic = outOfScopeTopic(text);
    if (topic) return { event: { type: 'REPORT_OUT_OF_SCOPE', topic, text: text.trim().slice(0, 2000) }, locale };

    if (intent === 'help' || intent === 'fixed' || intent === 'thanks' || intent === 'none') return { event: INTENT_EVENTS[intent], locale };
    // "まだだめです" answers a check; "VPNにつながらない" describes a problem.
    if (intent && ANSWER_INTENTS.has(intent) && !mentionsTopic(text)) return { event: INTENT_EVENTS[intent], locale };

    const symptoms = index.searchSymptoms(text);
    if (symptoms.hits.length > 0) {
      return {
        event: { type: 'REPORT_SYMPTOM', runbookIds: symptoms.hits.map((h) => h.runbookId), confident: symptoms.confident, text: text.trim().slice(0, 2000) },
        locale,
      };
    }
    if (intent) return { event: INTENT_EVENTS[intent], locale };
    return { event: { type: 'UNRECOGNISED_TEXT' }, locale };
  };
}

export type Understand = ReturnType<typeof createUnderstanding>;
