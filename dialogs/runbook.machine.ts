import { checkingState, createHelpdeskSetup, initialContext } from './helpdesk.setup.js';
import type { CheckRecord, EscalationReason, HelpdeskEvent, Messages, Runbook } from './types.js';

/** Everything a user can say at a check. Any order of these must end in resolved or escalated (tests, content:check). */
export const CHECK_EVENTS: readonly HelpdeskEvent[] = [
  { type: 'ANSWER_FIXED' },
  { type: 'ANSWER_NOT_FIXED' },
  { type: 'ANSWER_UNSURE' },
  { type: 'ANSWER_SKIP' },
  { type: 'SHOW_HOW' },
  { type: 'UNRECOGNISED_TEXT' },
  { type: 'REQUEST_HUMAN' },
];

export interface RunbookResult {
  result: 'resolved' | 'escalated';
  reason: EscalationReason | null;
  outcomes: CheckRecord[];
}

/**
 * A machine for one runbook file alone: its checks, one at a time, ending in `resolved` or `escalated`.
 * The conversation machine runs the very same `checking` node; this one exists so every runbook's paths can be
 * walked and checked on their own (tests, `npm run content:check`).
 */
export function createRunbookMachine(runbook: Runbook, messages: Messages) {
  return createHelpdeskSetup({ runbooks: new Map([[runbook.id, runbook]]), messages }).createMachine({
    id: `runbook-${runbook.id}`,
    context: ({ input }) => initialContext({ ...input, runbookId: runbook.id }),
    initial: 'checking',
    states: {
      checking: checkingState({ resolved: 'resolved', escalated: 'escalated' }),
      resolved: {
        type: 'final',
      },
      escalated: {
        type: 'final',
      },
    },
    output: ({ context }): RunbookResult => ({
      result: context.escalationReason ? 'escalated' : 'resolved',
      reason: context.escalationReason,
      outcomes: context.outcomes,
    }),
  });
}
