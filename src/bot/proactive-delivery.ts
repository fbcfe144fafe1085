import type { ConversationReference } from 'botbuilder';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { BotOutput, Locale } from '../../dialogs/types.js';
import type { HelpdeskAdapter } from './create-adapter.js';
import { renderActivity } from './render-activity.js';

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A stored ConversationReference (JSON from the conversations table), checked before botbuilder sees it:
 * it must name the channel, the service URL to post to, and the conversation.
 */
export function readConversationReference(value: unknown): Partial<ConversationReference> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const conversation: unknown = Reflect.get(value, 'conversation');
  const conversationId = typeof conversation === 'object' && conversation !== null ? text(Reflect.get(conversation, 'id')) : undefined;
  const serviceUrl = text(Reflect.get(value, 'serviceUrl'));
  const channelId = text(Reflect.get(value, 'channelId'));
  if (!conversationId || !serviceUrl || !channelId || !/^https?:\/\//i.test(serviceUrl)) return undefined;
  // Shape checked above; the remaining fields (bot, user, locale, tenant) are optional in the protocol.
  return value as Partial<ConversationReference>;
}

/**
 * Messages the bot sends outside a user's turn (an IT agent joined, wrote, resolved): Teams and other Bot
 * Framework channels get them through continueConversationAsync on the stored reference, so they arrive even when
 * the employee has closed the chat.
 */
export function createProactiveDelivery(adapter: HelpdeskAdapter, appId: string, logger: Logger) {
  return {
    async send(reference: unknown, outputs: readonly BotOutput[], locale: Locale): Promise<void> {
      const ref = readConversationReference(reference);
      if (!ref) throw new Error('the conversation has no usable ConversationReference');
      const tag = locale === 'ja' ? 'ja-JP' : 'en-US';
      const activities = outputs.flatMap((output) => {
        const activity = renderActivity(output, tag);
        return activity ? [activity] : [];
      });
      if (activities.length === 0) return;
      await adapter.continueConversationAsync(appId, ref, async (context) => {
        await context.sendActivities(activities);
      });
      logger.debug({ channelId: ref.channelId, sent: activities.length }, 'proactive messages sent');
    },
  };
}

export type ProactiveDelivery = ReturnType<typeof createProactiveDelivery>;
