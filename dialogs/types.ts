import type { MessageKey } from './message-keys.js';

export type Locale = 'ja' | 'en';

// ---------------------------------------------------------------------------
// Content the machines read. src/content/schema.ts validates the files and is checked against these types with
// `satisfies`, so dialogs/ needs nothing from src/.

/** Japanese and English side by side, so a translation can never go missing or drift to another step. */
export interface Localized {
  ja: string;
  en: string;
}

/** Who can carry out a check: the employee at their PC, or only IT (admin rights, servers, policies, logs). */
export type Audience = 'employee' | 'it';

export interface Check {
  id: string;
  audience: Audience;
  title: Localized;
  /** What to do, in one or two sentences. */
  instruction: Localized;
  /** Exactly where to look ("Show me how"). */
  specifics: Localized;
  /** The yes/no question asked after the instruction (employee checks). */
  question: Localized;
}

export interface PreventionTip extends Localized {
  audience: Audience;
}

export interface Runbook {
  id: string;
  errors: string[];
  fallbackFor?: string[] | undefined;
  title: Localized;
  /** The problem as an employee would say it; the label of the candidate button when no code was given. */
  plainTitle: Localized;
  meaning: Localized;
  causes: Localized[];
  remedies: Localized[];
  prevention: PreventionTip[];
  overview: Localized;
  details: Localized;
  symptoms: { ja: string[]; en: string[] };
  /** Language-neutral signals (src/understanding/signals.ts) that point to this runbook, with their weight. */
  signals: Record<string, number>;
  checks: Check[];
  references: Array<{ title: string; url: string }>;
}

export type Messages = Record<MessageKey, Localized>;

/** The IT topics outside this bot's scope that it recognises, to say so and offer a person. */
export type OutOfScopeTopic = 'mail' | 'account' | 'wifi' | 'printer' | 'office' | 'hardware' | 'access';

export type SmallTalkKind = 'hello' | 'morning' | 'evening' | 'otsukare' | 'bye';

/**
 * What a button does. Every button carries its action, and understanding reads the action, never the label, so a
 * label can be reworded in content/messages.yaml without breaking anything. Typed words are understood separately.
 * Actions with an argument carry it after a colon: `RUNBOOK:<runbook id>`, `ERROR:<catalog name>`.
 */
export type ChoiceAction =
  | 'FIXED'
  | 'NOT_FIXED'
  | 'SHOW_HOW'
  | 'TALK_TO_IT'
  | 'HELPFUL_YES'
  | 'HELPFUL_NO'
  | 'START_OVER'
  /** None of the offered runbooks fits. */
  | 'NONE_OF_THESE'
  /** Go on to a ticket without describing the problem. */
  | 'SKIP_DESCRIPTION'
  /** Leave the ticket (cancel it) after being asked; or keep it open. */
  | 'CONFIRM_LEAVE'
  | 'KEEP_TICKET'
  | 'CANCEL_TICKET'
  | 'RATE_1'
  | 'RATE_2'
  | 'RATE_3'
  | 'RATE_4'
  | 'RATE_5'
  | `RUNBOOK:${string}`
  | `ERROR:${string}`;

/** Buttons of the handoff part, kept as a name for the readers of old code. */
export type HandoffChoiceAction = Extract<ChoiceAction, 'CANCEL_TICKET' | `RATE_${number}`>;

const PLAIN_ACTIONS: ReadonlySet<string> = new Set([
  'FIXED', 'NOT_FIXED', 'SHOW_HOW', 'TALK_TO_IT', 'HELPFUL_YES', 'HELPFUL_NO', 'START_OVER', 'NONE_OF_THESE',
  'SKIP_DESCRIPTION', 'CONFIRM_LEAVE', 'KEEP_TICKET', 'CANCEL_TICKET', 'RATE_1', 'RATE_2', 'RATE_3', 'RATE_4', 'RATE_5',
]);

/** Validates an action coming back from a channel (untrusted): one of ours, arguments of a sane shape. */
export function isChoiceAction(value: unknown): value is ChoiceAction {
  if (typeof value !== 'string' || value.length > 100) return false;
  return PLAIN_ACTIONS.has(value) || /^RUNBOOK:[a-z0-9][a-z0-9-]{0,63}$/.test(value) || /^ERROR:[A-Za-z_][A-Za-z0-9_]{0,79}$/.test(value);
}

export interface Choice {
  action: ChoiceAction;
  label: string;
}

/** What the employee can learn about the queue when a ticket is created. Computed outside, passed in as event data. */
export interface QueueFacts {
  /** 1 = next in line. */
  position: number;
  /** From recent assignment times; null when there is no history yet. */
  waitMinutes: number | null;
  /** IT is within business hours right now. */
  openNow: boolean;
  /** Next opening in the helpdesk's time zone, when closed now. weekday: 0 = Sunday. */
  nextOpen: { month: number; day: number; weekday: number; time: string } | null;
  /** Where IT's answer will arrive: this Teams chat, or this web page. */
  channel?: 'teams' | 'web' | undefined;
}

/** What the employee did to their ticket; src/handoff records it. */
export type TicketAction =
  | { kind: 'note'; text: string }
  | { kind: 'cancel' }
  | { kind: 'leave' }
  | { kind: 'solved'; solved: boolean }
  | { kind: 'rate'; rating: number };

export type CheckOutcome = 'fixed' | 'not_fixed' | 'skipped' | 'unsure' | 'not_run';

export interface CheckRecord {
  checkId: string;
  title: string;
  outcome: CheckOutcome;
}

/** A check only IT can do, listed on the ticket as a next step for IT. */
export interface ItStep {
  checkId: string;
  title: string;
}

/** The error as the catalog knows it. Numbers always come from the catalog, never from the runbook. */
export interface ErrorRef {
  name: string;
  code: number;
  hex: string;
}

/** What the catalog says about a family of errors (families.yaml), carried in the event that reports one. */
export interface FamilyNote {
  id: string;
  title: Localized;
  description: Localized;
}

export type EscalationReason = 'checks_failed' | 'user_request';

/** What a dialog asks the outside world to do. Rendering and side effects happen in src/. */
export type BotOutput =
  | { type: 'say'; text: string }
  | { type: 'ask'; text: string; choices: Choice[]; stepId: string }
  | {
      type: 'handoff';
      reason: EscalationReason;
      runbookId: string | null;
      error: ErrorRef | null;
      /** The employee checks of the runbook, with what happened to each. */
      checks: CheckRecord[];
      /** The runbook's IT-only checks: next steps for IT. */
      itSteps: ItStep[];
      /** The employee's own words about the problem, when they gave any. */
      description: string | null;
    }
  | { type: 'ticket'; ticketNumber: string; action: TicketAction };

export type HelpdeskEvent =
  | { type: 'GREET' }
  | { type: 'SET_LOCALE'; locale: Locale }
  | { type: 'REPORT_ERROR'; runbookId: string; error: ErrorRef | null }
  /** The message quotes a name and a code that are different errors. */
  | { type: 'REPORT_MISMATCH'; byName: ErrorRef; byCode: ErrorRef; codeAsTyped: string }
  /** A code the catalog knows but no runbook names; its family's generic runbook, if there is one. */
  | { type: 'REPORT_UNCOVERED_ERROR'; error: ErrorRef; family: FamilyNote | null; fallbackRunbookId: string | null }
  /** A code or name the catalog does not know. */
  | { type: 'REPORT_UNKNOWN_CODE'; raw: string; text?: string | undefined }
  /** A description with no code; best runbooks first. `confident` when the first is clearly the one. */
  | { type: 'REPORT_SYMPTOM'; runbookIds: string[]; confident: boolean; text: string }
  /** A common IT topic this bot does not handle (mail, printers, …); `text` becomes the ticket's description. */
  | { type: 'REPORT_OUT_OF_SCOPE'; topic: OutOfScopeTopic; text: string }
  /** A greeting or a goodbye, and nothing else. */
  | { type: 'SMALL_TALK'; kind: SmallTalkKind }
  /** None of the offered runbooks fits. */
  | { type: 'NONE_OF_THESE' }
  /** The one sentence asked for before a ticket (intake), or the choice to skip it. */
  | { type: 'DESCRIBE'; text: string }
  | { type: 'SKIP_DESCRIPTION' }
  /** Asked whether to leave the open ticket: yes (cancel it) or no (keep it). */
  | { type: 'CONFIRM_LEAVE' }
  | { type: 'KEEP_TICKET' }
  /** The user asks for another language ("英語で", "in Japanese please"). */
  | { type: 'SWITCH_LANGUAGE'; locale: Locale }
  | { type: 'UNRECOGNISED_TEXT' }
  /** `step`: the check whose button was clicked (absent when typed), so a click on an old question is caught. */
  | { type: 'ANSWER_FIXED'; step?: string }
  | { type: 'ANSWER_NOT_FIXED'; step?: string }
  | { type: 'ANSWER_UNSURE' }
  | { type: 'ANSWER_SKIP' }
  | { type: 'SHOW_HOW'; step?: string }
  /** `description`: the message said more than the request ("担当者と話したい。Outlook が開かない"). */
  | { type: 'REQUEST_HUMAN'; description?: string | undefined }
  | { type: 'HELPFUL_YES' }
  | { type: 'HELPFUL_NO' }
  | { type: 'START_OVER' }
  | { type: 'HELP' }
  | { type: 'THANKS' }
  | { type: 'TICKET_CREATED'; ticketNumber: string; queue?: QueueFacts | undefined }
  | { type: 'TICKET_FAILED' }
  // Handoff: the employee's side while a ticket is open (mapped by the turn runner in handoff states).
  | { type: 'USER_MESSAGE'; text: string }
  | { type: 'CANCEL_TICKET' }
  | { type: 'BACK_TO_BOT' }
  | { type: 'RATE'; rating: number }
  // Handoff: staff-initiated events, sent into the conversation by src/handoff.
  | { type: 'AGENT_JOINED'; ticketNumber: string; agentName: string }
  | { type: 'AGENT_MESSAGE'; ticketNumber: string; agentName: string; text: string }
  | { type: 'TICKET_RESOLVED'; ticketNumber: string; agentName: string; note: string | null }
  | { type: 'TICKET_RELEASED'; ticketNumber: string; agentName: string }
  /** A conversation whose snapshot could not be kept, but whose ticket is still open: back to waiting or the live chat. */
  | { type: 'RESUME_TICKET'; ticketNumber: string; agentName: string | null };

/** The staff-initiated events, as src/handoff sends them. */
export type StaffEvent = Extract<HelpdeskEvent, { type: 'AGENT_JOINED' | 'AGENT_MESSAGE' | 'TICKET_RESOLVED' | 'TICKET_RELEASED' }>;

export interface HelpdeskContext {
  locale: Locale;
  /** Set when the user asked for a language ("英語で"): it then wins over the script of later messages. */
  pinnedLocale?: Locale | null;
  runbookId: string | null;
  checkIndex: number;
  detailsShown: boolean;
  error: ErrorRef | null;
  outcomes: CheckRecord[];
  escalationReason: EscalationReason | null;
  ticketNumber: string | null;
  /** The IT staff member with the ticket, once one has joined (absent in snapshots older than the handoff). */
  agentName?: string | null;
  /** The employee's own words about the problem, for the ticket (out-of-scope message, symptom, intake sentence). */
  description?: string | null;
}

export interface DialogContent {
  runbooks: ReadonlyMap<string, Runbook>;
  messages: Messages;
}

export interface HelpdeskInput {
  locale?: Locale;
  /** Standalone runbook machines start on this runbook. */
  runbookId?: string;
}
