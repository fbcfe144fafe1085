import { ActionTypes, ActivityTypes, type Activity } from 'botbuilder';
import type { BotOutput, Locale } from '../../dialogs/types.js';
import { CHOICE_VALUE_KIND, questionCard } from './adaptive-card.js';

export { CHOICE_VALUE_KIND } from './adaptive-card.js';

/** Channels that render Adaptive Cards with Action.Submit and let the bot update a sent card in place. */
const CARD_CHANNELS = new Set(['msteams']);

/**
 * One dialog output → one Bot Framework activity. In Teams a question is an Adaptive Card whose buttons are
 * locked after a click (see teams-card-locks.ts); elsewhere it carries suggested actions (messageBack: the click
 * sends the button's action as `value` and shows its label as the user's message).
 */
/**
 * Dialog texts break lines with a single newline, which Markdown would fold into one paragraph ("…です。 画面に…").
 * A Markdown hard break (two spaces before the newline) keeps each line on its own line; blank lines and list
 * items keep their usual meaning.
 */
export function keepLineBreaks(text: string): string {
  return text.replace(/([^\n])\n(?!\n)/g, '$1  \n');
}

export function renderActivity(output: BotOutput, locale: string, channelId = ''): Partial<Activity> | undefined {
  switch (output.type) {
    case 'say':
      return { type: ActivityTypes.Message, text: keepLineBreaks(output.text), textFormat: 'markdown', locale };
    case 'ask':
      if (CARD_CHANNELS.has(channelId)) {
        return {
          type: ActivityTypes.Message,
          locale,
          attachments: [questionCard({ text: output.text, choices: output.choices, stepId: output.stepId })],
        };
      }
      return {
        type: ActivityTypes.Message,
        text: keepLineBreaks(output.text),
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
    default:
      // Handoffs and ticket actions are side effects, carried out by the runner and src/handoff.
      return undefined;
  }
}

/** The BCP 47 tag a rendered activity carries for a dialog locale. */
export function localeTag(locale: Locale): string {
  return locale === 'ja' ? 'ja-JP' : 'en-US';
}

/** Every bot-side message, in a turn or proactive: the outputs a channel shows, rendered for that channel. */
export function renderOutputs(outputs: readonly BotOutput[], locale: Locale, channelId: string): Partial<Activity>[] {
  return outputs.flatMap((output) => {
    const activity = renderActivity(output, localeTag(locale), channelId);
    return activity ? [activity] : [];
  });
}
