import { checkingState, createHelpdeskSetup, initialContext } from './helpdesk.setup.js';
import type { DialogContent } from './types.js';

/**
 * Bumped whenever the machine's shape changes in a way old snapshots cannot follow. The turn runner restarts a
 * conversation politely when its stored snapshot was made by another version.
 */
export const CONVERSATION_MACHINE_VERSION = 3;

/**
 * The whole conversation with one employee: welcome → identify the problem (a code, or a description confirmed
 * from a few candidates) → the runbook's employee checks → resolved (prevention tips, "was this helpful?") or
 * escalated (a ticket for IT, then waiting for IT). Out-of-scope topics and requests for a person with nothing said
 * yet lead to a ticket too, with the employee's own words as its description.
 */
export function createConversationMachine(content: DialogContent) {
  const checking = checkingState({ resolved: 'askingFeedback', escalated: 'escalating' });
  return createHelpdeskSetup(content).createMachine({
    id: 'helpdesk',
    context: ({ input }) => initialContext(input),
    initial: 'idle',
    on: {
      SET_LOCALE: { actions: 'setLocale' },
      START_OVER: { target: '.idle', actions: ['resetConversation', 'sayStartOver'] },
      HELP: { actions: 'sayHelp' },
      THANKS: { actions: 'sayThanks' },
      SMALL_TALK: { actions: 'saySmallTalk' },
      NONE_OF_THESE: { actions: 'askProblem' },
      REPORT_ERROR: { guard: 'knowsRunbook', target: '.checking', actions: ['startRunbook', 'introduceRunbook'] },
      // Staff-initiated. Handled at the root so an agent's words reach the employee whatever state the
      // conversation is in: never dropped, even after a reset.
      RESUME_TICKET: [
        { guard: 'resumesWithAgent', target: '.withAgent', actions: 'rememberAgent' },
        { target: '.withIt', actions: 'rememberAgent' },
      ],
      AGENT_JOINED: { guard: 'isCurrentTicket', target: '.withAgent', actions: ['rememberAgent', 'sayAgentJoined'] },
      AGENT_MESSAGE: { actions: 'sayAgentMessage' },
      TICKET_RESOLVED: { guard: 'isCurrentTicket', target: '.askingSolved', actions: ['rememberAgent', 'sayAgentResolved'] },
      TICKET_RELEASED: { guard: 'isCurrentTicket', target: '.withIt', actions: ['rememberAgent', 'sayAgentReleased', 'forgetAgent'] },
      SWITCH_LANGUAGE: { actions: ['switchLocale', 'sayLanguageSwitched'] },
    },
    states: {
      idle: {
        on: {
          GREET: { actions: 'sayWelcome' },
          UNRECOGNISED_TEXT: { actions: 'askProblem' },
          REQUEST_HUMAN: askForPerson,
          ANSWER_FIXED: { actions: 'sayThanks' },
          ANSWER_NOT_FIXED: { actions: 'askProblem' },
          SHOW_HOW: { actions: 'askProblem' },
          ...problemReports,
        },
      },
      // The employee described a symptom: which of these candidates is it? (never a runbook started on a guess)
      choosingRunbook: {
        on: {
          NONE_OF_THESE: { target: 'idle', actions: 'sayNoneOfThese' },
          ANSWER_NOT_FIXED: { target: 'idle', actions: 'sayNoneOfThese' },
          UNRECOGNISED_TEXT: { target: 'idle', actions: 'askProblem' },
          REQUEST_HUMAN: askForPerson,
          ...problemReports,
        },
      },
      checking: {
        ...checking,
        on: {
          ...checking.on,
          ...problemReports,
          // A description of the problem at a check ("VPNがまだ切れる") means the check did not help.
          REPORT_SYMPTOM: checking.on.ANSWER_NOT_FIXED,
          SWITCH_LANGUAGE: { target: 'checking', reenter: true, actions: ['switchLocale', 'sayLanguageSwitched'] },
        },
      },
      askingFeedback: {
        entry: ['sayResolved', 'askHelpful'],
        on: {
          HELPFUL_YES: { target: 'idle', actions: ['sayHelpfulThanks', 'resetConversation'] },
          ANSWER_FIXED: { target: 'idle', actions: ['sayHelpfulThanks', 'resetConversation'] },
          HELPFUL_NO: { target: 'offeringHuman', actions: 'offerHuman' },
          ANSWER_NOT_FIXED: { target: 'offeringHuman', actions: 'offerHuman' },
          REQUEST_HUMAN: { target: 'escalating', actions: ['markUserRequest', 'rememberRequestWords'] },
          UNRECOGNISED_TEXT: { actions: 'askHelpful' },
          ...problemReports,
        },
      },
      // The bot offered a person ("shall I hand you over?"): yes, or something else.
      offeringHuman: {
        on: {
          REQUEST_HUMAN: askForPerson,
          HELPFUL_YES: askForPerson,
          ANSWER_FIXED: askForPerson,
          UNRECOGNISED_TEXT: { target: 'idle', actions: 'askProblem' },
          ANSWER_NOT_FIXED: { target: 'idle', actions: 'askProblem' },
          HELPFUL_NO: { target: 'idle', actions: 'askProblem' },
          ...problemReports,
        },
      },
      // Intake: a person was asked for with nothing said yet. One sentence (or none) for the ticket.
      askingDescription: {
        tags: ['intake'],
        entry: 'askDescription',
        on: {
          DESCRIBE: { target: 'escalating', actions: 'rememberDescription' },
          SKIP_DESCRIPTION: { target: 'escalating' },
          REQUEST_HUMAN: { target: 'escalating', actions: 'rememberRequestWords' },
        },
      },
      escalating: {
        entry: ['sayEscalating', 'requestHandoff'],
        on: {
          TICKET_CREATED: { target: 'withIt', actions: ['rememberTicket', 'sayQueued'] },
          TICKET_FAILED: { target: 'idle', actions: 'sayTicketFailed' },
        },
      },
      // Live chat with IT staff: the bot stays out of the way; everything the employee writes goes to the agent.
      withAgent: {
        tags: ['handoff', 'relay'],
        on: {
          USER_MESSAGE: { actions: 'noteToTicket' },
          BACK_TO_BOT: { target: 'confirmingLeaveAgent' },
          CANCEL_TICKET: { target: 'confirmingLeaveAgent' },
        },
      },
      // "Back to the bot" during a live chat: leaving cancels the ticket, so ask first.
      confirmingLeaveAgent: {
        tags: ['handoff', 'confirm'],
        entry: 'askLeave',
        on: {
          CONFIRM_LEAVE: { target: 'idle', actions: ['leaveAgent', 'sayBackToBot', 'resetConversation', 'forgetAgent'] },
          KEEP_TICKET: { target: 'withAgent', actions: 'sayTicketKeptWithAgent' },
          USER_MESSAGE: { target: 'withAgent', actions: ['noteToTicket', 'sayTicketKeptWithAgent'] },
        },
      },
      // The agent resolved the ticket: solved? then 1–5 satisfaction. "Not solved" reopens the ticket.
      askingSolved: {
        entry: 'askSolved',
        on: {
          HELPFUL_YES: { target: 'askingRating', actions: 'recordSolved' },
          ANSWER_FIXED: { target: 'askingRating', actions: 'recordSolved' },
          THANKS: { target: 'askingRating', actions: 'recordSolved' },
          HELPFUL_NO: { target: 'withIt', actions: ['recordNotSolved', 'forgetAgent', 'sayReopened'] },
          ANSWER_NOT_FIXED: { target: 'withIt', actions: ['recordNotSolved', 'forgetAgent', 'sayReopened'] },
          REQUEST_HUMAN: { target: 'withIt', actions: ['recordNotSolved', 'forgetAgent', 'sayReopened'] },
          UNRECOGNISED_TEXT: { actions: 'askSolved' },
          SHOW_HOW: { actions: 'askSolved' },
          ANSWER_UNSURE: { actions: 'askSolved' },
        },
      },
      askingRating: {
        tags: ['rating'],
        entry: 'askRating',
        on: {
          RATE: [
            { guard: 'validRating', target: 'idle', actions: ['rateTicket', 'sayRatingThanks', 'resetConversation', 'forgetAgent'] },
            { actions: 'sayRatingRetry' },
          ],
          ANSWER_SKIP: { target: 'idle', actions: ['sayThanks', 'resetConversation', 'forgetAgent'] },
          THANKS: { target: 'idle', actions: ['sayThanks', 'resetConversation', 'forgetAgent'] },
          UNRECOGNISED_TEXT: { actions: 'sayRatingRetry' },
          ANSWER_FIXED: { actions: 'sayRatingRetry' },
          ANSWER_NOT_FIXED: { actions: 'sayRatingRetry' },
          ANSWER_UNSURE: { actions: 'sayRatingRetry' },
        },
      },
      // Waiting in the queue: what the employee writes is added to the ticket; they can cancel (after a yes).
      withIt: {
        tags: ['handoff', 'waiting'],
        on: {
          USER_MESSAGE: { actions: ['noteToTicket', 'sayNoteAdded'] },
          CANCEL_TICKET: { target: 'confirmingCancel' },
          BACK_TO_BOT: { target: 'confirmingCancel' },
          UNRECOGNISED_TEXT: { actions: 'sayWaitingForIt' },
          REQUEST_HUMAN: { actions: 'sayWaitingForIt' },
          ANSWER_NOT_FIXED: { actions: 'sayWaitingForIt' },
          ANSWER_FIXED: { actions: 'sayWaitingForIt' },
          SHOW_HOW: { actions: 'sayWaitingForIt' },
        },
      },
      // "Cancel" or "back to the bot" while waiting: the ticket is cancelled only after a yes.
      confirmingCancel: {
        tags: ['handoff', 'confirm'],
        entry: 'askLeave',
        on: {
          CONFIRM_LEAVE: { target: 'idle', actions: ['cancelTicket', 'sayTicketCancelled', 'resetConversation'] },
          KEEP_TICKET: { target: 'withIt', actions: 'sayTicketKept' },
          USER_MESSAGE: { target: 'withIt', actions: ['noteToTicket', 'sayTicketKept'] },
        },
      },
    },
  });
}

/** A person asked for: straight to a ticket when IT has something to go on, else one sentence first (intake). */
const askForPerson = [
  { guard: 'knowsTheProblem' as const, target: '#helpdesk.escalating', actions: ['markUserRequest', 'rememberRequestWords'] as const },
  { target: '#helpdesk.askingDescription', actions: 'markUserRequest' as const },
];

/**
 * What a message reporting a problem does wherever the user may start one (idle, during checks, after them):
 * a name and a code that disagree → ask which; a code with no runbook → what the catalog knows, then the family's
 * generic runbook or the offer of a person; an unknown code → ask for the exact message, offer a person;
 * a description with no code → the candidates to choose from (a runbook starts directly only when certain);
 * a topic this bot does not cover → say so, offer a person with the message as the ticket's description.
 */
const problemReports = {
  REPORT_MISMATCH: { actions: 'askWhichError' as const },
  REPORT_UNCOVERED_ERROR: [
    {
      guard: 'hasFallbackRunbook' as const,
      target: '#helpdesk.checking',
      reenter: true,
      actions: ['startFallbackRunbook', 'introduceUncovered'] as const,
    },
    { target: '#helpdesk.offeringHuman', actions: ['rememberError', 'offerHumanForUncovered'] as const },
  ],
  REPORT_UNKNOWN_CODE: { target: '#helpdesk.offeringHuman', actions: ['rememberUnknownCode', 'offerHumanForUnknown'] as const },
  REPORT_SYMPTOM: [
    {
      guard: 'confidentSymptom' as const,
      target: '#helpdesk.checking',
      reenter: true,
      actions: ['startSymptomRunbook', 'saySymptomMatched', 'introduceRunbook'] as const,
    },
    { target: '#helpdesk.choosingRunbook', actions: ['rememberWords', 'askWhichSymptom'] as const },
  ],
  REPORT_OUT_OF_SCOPE: { target: '#helpdesk.offeringHuman', actions: ['rememberWords', 'sayOutOfScope'] as const },
};

export type ConversationMachine = ReturnType<typeof createConversationMachine>;
