import { checkingState, createHelpdeskSetup } from './helpdesk.setup.js';
import { initialContext } from './helpdesk.setup.js';
import type { DialogContent } from './types.js';

/**
 * Bumped whenever the machine's shape changes in a way old snapshots cannot follow. The turn runner restarts a
 * conversation politely when its stored snapshot was made by another version.
 */
export const CONVERSATION_MACHINE_VERSION = 2;

/**
 * The whole conversation with one employee: welcome → identify the problem → the runbook's checks →
 * resolved (prevention tips, "was this helpful?") or escalated (a ticket for IT, then waiting for IT).
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
      REPORT_ERROR: { guard: 'knowsRunbook', target: '.checking', actions: ['startRunbook', 'introduceRunbook'] },
      // Staff-initiated (issue 5). Handled at the root so an agent's words reach the employee whatever state the
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
          REQUEST_HUMAN: { target: 'escalating', actions: 'markUserRequest' },
          ANSWER_FIXED: { actions: 'sayThanks' },
          ANSWER_NOT_FIXED: { actions: 'askProblem' },
          SHOW_HOW: { actions: 'askProblem' },
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
          REQUEST_HUMAN: { target: 'escalating', actions: 'markUserRequest' },
          UNRECOGNISED_TEXT: { actions: 'askHelpful' },
          ...problemReports,
        },
      },
      offeringHuman: {
        on: {
          REQUEST_HUMAN: { target: 'escalating', actions: 'markUserRequest' },
          UNRECOGNISED_TEXT: { target: 'idle', actions: 'askProblem' },
          ANSWER_NOT_FIXED: { target: 'idle', actions: 'askProblem' },
          ...problemReports,
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
          BACK_TO_BOT: { target: 'idle', actions: ['leaveAgent', 'sayBackToBot', 'resetConversation', 'forgetAgent'] },
          CANCEL_TICKET: { target: 'idle', actions: ['leaveAgent', 'sayBackToBot', 'resetConversation', 'forgetAgent'] },
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
      // Waiting in the queue: what the employee writes is added to the ticket; they can cancel.
      withIt: {
        tags: ['handoff', 'waiting'],
        on: {
          USER_MESSAGE: { actions: ['noteToTicket', 'sayNoteAdded'] },
          CANCEL_TICKET: { target: 'idle', actions: ['cancelTicket', 'sayTicketCancelled', 'resetConversation'] },
          BACK_TO_BOT: { target: 'idle', actions: ['cancelTicket', 'sayTicketCancelled', 'resetConversation'] },
          UNRECOGNISED_TEXT: { actions: 'sayWaitingForIt' },
          REQUEST_HUMAN: { actions: 'sayWaitingForIt' },
          ANSWER_NOT_FIXED: { actions: 'sayWaitingForIt' },
          ANSWER_FIXED: { actions: 'sayWaitingForIt' },
          SHOW_HOW: { actions: 'sayWaitingForIt' },
        },
      },
    },
  });
}

/**
 * What a message reporting a problem does wherever the user may start one (idle, during checks, after them):
 * a name and a code that disagree → ask which; a code with no runbook → what the catalog knows, then the family's
 * generic runbook or the offer of a person; an unknown code → ask for the exact message, offer a person;
 * a description with no code → the best runbook, or a choice of the best few when unsure.
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
  REPORT_UNKNOWN_CODE: { target: '#helpdesk.offeringHuman', actions: 'offerHumanForUnknown' as const },
  REPORT_SYMPTOM: [
    {
      guard: 'confidentSymptom' as const,
      target: '#helpdesk.checking',
      reenter: true,
      actions: ['startSymptomRunbook', 'saySymptomMatched', 'introduceRunbook'] as const,
    },
    { actions: 'askWhichSymptom' as const },
  ],
};

export type ConversationMachine = ReturnType<typeof createConversationMachine>;
