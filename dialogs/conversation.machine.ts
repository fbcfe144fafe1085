import { checkingState, createHelpdeskSetup } from './helpdesk.setup.js';
import { initialContext } from './helpdesk.setup.js';
import type { DialogContent } from './types.js';

/**
 * Bumped whenever the machine's shape changes in a way old snapshots cannot follow. The turn runner restarts a
 * conversation politely when its stored snapshot was made by another version.
 */
export const CONVERSATION_MACHINE_VERSION = 1;

/**
 * The whole conversation with one employee: welcome → identify the problem → the runbook's checks →
 * resolved (prevention tips, "was this helpful?") or escalated (a ticket for IT, then waiting for IT).
 */
export function createConversationMachine(content: DialogContent) {
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
        },
      },
      checking: checkingState({ resolved: 'askingFeedback', escalated: 'escalating' }),
      askingFeedback: {
        entry: ['sayResolved', 'askHelpful'],
        on: {
          HELPFUL_YES: { target: 'idle', actions: ['sayHelpfulThanks', 'resetConversation'] },
          ANSWER_FIXED: { target: 'idle', actions: ['sayHelpfulThanks', 'resetConversation'] },
          HELPFUL_NO: { target: 'offeringHuman', actions: 'offerHuman' },
          ANSWER_NOT_FIXED: { target: 'offeringHuman', actions: 'offerHuman' },
          REQUEST_HUMAN: { target: 'escalating', actions: 'markUserRequest' },
          UNRECOGNISED_TEXT: { actions: 'askHelpful' },
        },
      },
      offeringHuman: {
        on: {
          REQUEST_HUMAN: { target: 'escalating', actions: 'markUserRequest' },
          UNRECOGNISED_TEXT: { target: 'idle', actions: 'askProblem' },
        },
      },
      escalating: {
        entry: ['sayEscalating', 'requestHandoff'],
        on: {
          TICKET_CREATED: { target: 'withIt', actions: ['rememberTicket', 'sayTicketCreated'] },
          TICKET_FAILED: { target: 'idle', actions: 'sayTicketFailed' },
        },
      },
      withIt: {
        on: {
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

export type ConversationMachine = ReturnType<typeof createConversationMachine>;
