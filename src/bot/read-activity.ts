import { ActivityTypes, TurnContext, type Activity } from 'botbuilder';
import type { ChoiceAction } from '../../dialogs/types.js';
import type { UserInput } from '../conversation/turn-runner.js';
import { localeFromTag } from '../understanding/detect-locale.js';
import { CHOICE_VALUE_KIND } from './render-activity.js';

const ACTIONS: readonly ChoiceAction[] = ['FIXED', 'NOT_FIXED', 'SHOW_HOW', 'TALK_TO_IT', 'HELPFUL_YES', 'HELPFUL_NO', 'START_OVER'];

function readAction(value: unknown): ChoiceAction | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const kind: unknown = Reflect.get(value, 'kind');
  const action: unknown = Reflect.get(value, 'action');
  if (kind !== CHOICE_VALUE_KIND || typeof action !== 'string') return undefined;
  return ACTIONS.find((a) => a === action);
}

/** Our key for a conversation: the channel plus its own id, so two channels can never share a conversation. */
export function conversationKey(activity: Pick<Activity, 'channelId' | 'conversation'>): string {
  return `${activity.channelId}:${activity.conversation.id}`;
}

/**
 * Activity → channel-neutral UserInput, or undefined for activities the helpdesk ignores.
 * Mentions of the bot are stripped so "@Helpdesk 809" reads as "809".
 */
export function readActivity(activity: Activity): UserInput | undefined {
  const base = {
    conversationId: conversationKey(activity),
    channelId: activity.channelId,
    user: { id: activity.from?.id ?? 'unknown', name: activity.from?.name ?? '' },
    localeHint: localeFromTag(activity.locale),
    reference: TurnContext.getConversationReference(activity),
  };
  if (activity.type === ActivityTypes.Message) {
    const action = readAction(activity.value);
    const recipientId = activity.recipient?.id;
    const text = recipientId ? TurnContext.removeRecipientMention(activity) ?? activity.text ?? '' : activity.text ?? '';
    if (!action && text.trim() === '') return undefined;
    return { ...base, kind: 'message', text: text.trim(), action };
  }
  if (activity.type === ActivityTypes.ConversationUpdate) {
    const botId = activity.recipient?.id;
    const joined = (activity.membersAdded ?? []).some((m) => m.id !== botId);
    return joined ? { ...base, kind: 'join', text: '' } : undefined;
  }
  return undefined;
}
