import type { Localized, Messages, Runbook } from '../src/content/schema.js';

export type Locale = 'ja' | 'en';

/** What a button does. The bot renders these; understanding maps typed words to the same events. */
export type ChoiceAction =
  | 'FIXED'
  | 'NOT_FIXED'
  | 'SHOW_HOW'
  | 'TALK_TO_IT'
  | 'HELPFUL_YES'
  | 'HELPFUL_NO'
  | 'START_OVER'
  /** The label itself is the answer (an error name, a runbook title); understanding reads it like typed text. */
  | 'CHOOSE';

/**
 * Buttons of the handoff part (cancel the request, rate 1–5). The channel gives the label back as typed text, which
 * the turn runner reads while the conversation is in a handoff state, so these need no understanding of their own.
 */
export type HandoffChoiceAction = 'CANCEL_TICKET' | 'RATE_1' | 'RATE_2' | 'RATE_3' | 'RATE_4' | 'RATE_5';

export interface Choice {
  action: ChoiceAction | HandoffChoiceAction;
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
      checks: CheckRecord[];
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
  | { type: 'REPORT_UNKNOWN_CODE'; raw: string }
  /** A description with no code; best runbooks first. `confident` when the first is clearly the one. */
  | { type: 'REPORT_SYMPTOM'; runbookIds: string[]; confident: boolean }
  /** The user asks for another language ("英語で", "in Japanese please"). */
  | { type: 'SWITCH_LANGUAGE'; locale: Locale }
  | { type: 'UNRECOGNISED_TEXT' }
  /** `step`: the check whose button was clicked (absent when typed), so a click on an old question is caught. */
  | { type: 'ANSWER_FIXED'; step?: string }
  | { type: 'ANSWER_NOT_FIXED'; step?: string }
  | { type: 'ANSWER_UNSURE' }
  | { type: 'ANSWER_SKIP' }
  | { type: 'SHOW_HOW'; step?: string }
  | { type: 'REQUEST_HUMAN' }
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
