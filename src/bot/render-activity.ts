import { ActionTypes, ActivityTypes, type Activity } from 'botbuilder';
import type { BotOutput } from '../../dialogs/types.js';

/** Button payloads carry this marker so a click is never mistaken for typed text. */
export const CHOICE_VALUE_KIND = 'hd.choice';

/**
 * One dialog output → one Bot Framework activity. Questions carry suggested actions (messageBack: the click
 * sends the button's action as `value` and shows its label as the user's message).
 */
export function renderActivity(output: BotOutput, locale: string): Partial<Activity> | undefined {
  switch (output.type) {
    case 'say':
      return { type: ActivityTypes.Message, text: output.text, textFormat: 'markdown', locale };
    case 'ask':
      return {
        type: ActivityTypes.Message,
        text: output.text,
        textFormat: 'markdown',
        locale,
        suggestedActions: {
          to: [],
          actions: output.choices.map((choice) => ({
            type: ActionTypes.MessageBack,
            title: choice.label,
            text: choice.label,
            displayText: choice.label,
            value: { kind: CHOICE_VALUE_KIND, action: choice.action, step: output.stepId },
          })),
        },
      };
    case 'handoff':
      return undefined;
  }
}
