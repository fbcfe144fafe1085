import type { ChoiceAction, HelpdeskEvent } from '../../dialogs/types.js';

/** Buttons whose meaning needs no argument. The label is never read: renaming it in messages.yaml changes nothing. */
export const BUTTON_EVENTS: Partial<Record<ChoiceAction, HelpdeskEvent>> = {
  FIXED: { type: 'ANSWER_FIXED' },
  NOT_FIXED: { type: 'ANSWER_NOT_FIXED' },
  SHOW_HOW: { type: 'SHOW_HOW' },
  TALK_TO_IT: { type: 'REQUEST_HUMAN' },
  HELPFUL_YES: { type: 'HELPFUL_YES' },
  HELPFUL_NO: { type: 'HELPFUL_NO' },
  START_OVER: { type: 'START_OVER' },
  NONE_OF_THESE: { type: 'NONE_OF_THESE' },
  SKIP_DESCRIPTION: { type: 'SKIP_DESCRIPTION' },
  CONFIRM_LEAVE: { type: 'CONFIRM_LEAVE' },
  KEEP_TICKET: { type: 'KEEP_TICKET' },
  CANCEL_TICKET: { type: 'CANCEL_TICKET' },
  RATE_1: { type: 'RATE', rating: 1 },
  RATE_2: { type: 'RATE', rating: 2 },
  RATE_3: { type: 'RATE', rating: 3 },
  RATE_4: { type: 'RATE', rating: 4 },
  RATE_5: { type: 'RATE', rating: 5 },
};

/** The buttons of the handoff part (while a ticket is open, only these are read as buttons). */
export const HANDOFF_BUTTONS: ReadonlySet<ChoiceAction> = new Set<ChoiceAction>([
  'CANCEL_TICKET',
  'CONFIRM_LEAVE',
  'KEEP_TICKET',
  'SKIP_DESCRIPTION',
  'RATE_1',
  'RATE_2',
  'RATE_3',
  'RATE_4',
  'RATE_5',
]);
