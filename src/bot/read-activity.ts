import { ActivityTypes, TurnContext, type Activity } from 'botbuilder';
import { isChoiceAction, type ChoiceAction } from '../../dialogs/types.js';
import { conversationKey } from '../conversation/conversation-address.js';
import type { UserInput } from '../conversation/turn-runner.js';
import { localeFromTag } from '../understanding/detect-locale.js';
import { CHOICE_VALUE_KIND } from './render-activity.js';

function readAction(value: unknown): ChoiceAction | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const kind: unknown = Reflect.get(value, 'kind');
  const action: unknown = Reflect.get(value, 'action');
  if (kind !== CHOICE_VALUE_KIND) return undefined;
  return isChoiceAction(action) ? action : undefined;
}

/** The question a clicked button belonged to (our buttons carry it as `step`). */
function readStep(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Reflect.get(value, 'kind') !== CHOICE_VALUE_KIND) return undefined;
  const step: unknown = Reflect.get(value, 'step');
  return typeof step === 'string' && step.length <= 64 ? step : undefined;
}

/** A click on one of the bot's buttons (any action), as opposed to typed text. */
function isChoiceClick(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Reflect.get(value, 'kind') === CHOICE_VALUE_KIND;
}

/** The e-mail a channel vouches for (our Direct Line puts the host site's asserted e-mail in from.properties). */
function readEmail(activity: Activity): string | undefined {
  const properties: unknown = activity.from ? Reflect.get(activity.from, 'properties') : undefined;
  const email: unknown = typeof properties === 'object' && properties !== null ? Reflect.get(properties, 'email') : undefined;
  return typeof email === 'string' && /^[^\s@]{1,64}@[^\s@]{1,255}$/.test(email) ? email : undefined;
}

/** Our key for a conversation: the channel plus its own id, so two channels can never share a conversation. */
export function conversationKeyOf(activity: Pick<Activity, 'channelId' | 'conversation'>): string {
  return conversationKey(activity.channelId, activity.conversation.id);
}

/** Teams conversations with more than one person, where the bot only listens when @mentioned. */
const SHARED_CONVERSATIONS = new Set(['groupChat', 'channel']);

function isSharedTeamsConversation(activity: Activity): boolean {
  return activity.channelId === 'msteams' && SHARED_CONVERSATIONS.has(activity.conversation?.conversationType ?? '');
}

/** The texts of the mention entities that name the bot (e.g. "<at>IT Helpdesk</at>"), validated one by one. */
function botMentionTexts(activity: Activity): string[] {
  const botId = activity.recipient?.id;
  if (!botId || !Array.isArray(activity.entities)) return [];
  const texts: string[] = [];
  for (const entity of activity.entities) {
    if (typeof entity !== 'object' || entity === null || entity.type !== 'mention') continue;
    const mentioned: unknown = Reflect.get(entity, 'mentioned');
    const id = typeof mentioned === 'object' && mentioned !== null ? Reflect.get(mentioned, 'id') : undefined;
    const text: unknown = Reflect.get(entity, 'text');
    if (id === botId) texts.push(typeof text === 'string' ? text : '');
  }
  return texts;
}

/** The message without the @mentions of the bot, so "@Helpdesk 809" reads as "809". */
function withoutBotMentions(text: string, mentions: string[]): string {
  let result = text;
  for (const mention of mentions) if (mention !== '') result = result.split(mention).join(' ');
  // Only the gap a removed mention leaves is closed; line breaks of a pasted error message stay.
  return (mentions.length > 0 ? result.replace(/[ \t\u00a0]{2,}/g, ' ') : result).trim();
}

/**
 * Welcome once the bot is installed for someone: Teams personal scope (conversationUpdate adding the bot or the
 * user, installationUpdate "add"), or a user joining an Emulator / Web Chat conversation. Never in group chats and
 * team channels, where a welcome for each new member would be noise.
 */
function isWelcomeMoment(activity: Activity): boolean {
  if (isSharedTeamsConversation(activity)) return false;
  if (activity.type === ActivityTypes.InstallationUpdate) return activity.action === 'add' || activity.action === 'add-upgrade';
  if (activity.type !== ActivityTypes.ConversationUpdate) return false;
  const botId = activity.recipient?.id;
  const added = activity.membersAdded ?? [];
  if (activity.channelId === 'msteams') return added.length > 0;
  return added.some((m) => m.id !== botId);
}

/**
 * Activity → channel-neutral UserInput, or undefined for activities the helpdesk ignores.
 * In Teams group chats and channels only messages that @mention the bot (or click its buttons) are read.
 */
export function readActivity(activity: Activity): UserInput | undefined {
  const base = {
    conversationId: conversationKeyOf(activity),
    channelId: activity.channelId,
    user: { id: activity.from?.id ?? 'unknown', name: activity.from?.name ?? '', email: readEmail(activity) },
    localeHint: localeFromTag(activity.locale),
    reference: TurnContext.getConversationReference(activity),
  };
  if (activity.type === ActivityTypes.Message) {
    const action = readAction(activity.value);
    const clicked = isChoiceClick(activity.value);
    const mentions = botMentionTexts(activity);
    if (isSharedTeamsConversation(activity) && mentions.length === 0 && !clicked) return undefined;
    const text = withoutBotMentions(typeof activity.text === 'string' ? activity.text : '', mentions);
    if (!action && text === '') return undefined;
    return { ...base, kind: 'message', text, action, actionStep: readStep(activity.value) };
  }
  if (isWelcomeMoment(activity)) return { ...base, kind: 'join', text: '' };
  return undefined;
}
