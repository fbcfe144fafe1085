import type { ConversationReference } from 'botbuilder';
import type { FastifyBaseLogger as Logger } from 'fastify';
import fp from 'fastify-plugin';
import { WEBCHAT_CHANNEL_ID, channelConversationId } from '../conversation/conversation-address.js';
import type { StaffTurnResult } from '../conversation/turn-runner.js';
import type { HelpdeskAdapter } from './create-adapter.js';
import type { DirectLineAdapter } from './directline-adapter.js';
import type { AgentVoice } from '../handoff/handoff-service.js';
import { renderOutputs } from './render-activity.js';

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


/** "Alice Smith" → "AS", "alice" → "AL", "山田 太郎" → "山太" (Web Chat draws them in the avatar circle). */
export function initialsOf(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const first = (part: string | undefined, count: number) => [...(part ?? '')].slice(0, count).join('');
  return (parts.length >= 2 ? first(parts[0], 1) + first(parts[1], 1) : first(parts[0] ?? '?', 2)).toUpperCase();
}

/**
 * An agent writes plain text; Web Chat renders Markdown. Markup characters become entities, so "<b>" or a line
 * starting with "<script>" shows as typed instead of being dropped by Web Chat's sanitiser.
 */
function asMarkdownText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface ProactiveDeliveryDeps {
  cloud: HelpdeskAdapter;
  appId: string;
  directLine: { adapter: DirectLineAdapter; hasConversation(conversationId: string): Promise<boolean> };
  logger: Logger;
}

/**
 * Messages the bot sends outside a user's turn (an IT agent joined, wrote, resolved), rendered by the same renderer
 * as turn replies, for the conversation's channel. Web Chat conversations of our own Direct Line get them through
 * the Direct Line adapter (into the history, live on an open socket); Teams and every other Bot Framework channel
 * through continueConversationAsync on the stored reference, so they arrive even when the employee closed the chat.
 */
export function createProactiveDelivery(deps: ProactiveDeliveryDeps) {
  return {
    /**
     * With `voice`, what is said is an agent's own words: Web Chat gets them without the "alice（IT 担当）:" prefix and
     * with `channelData.helpdesk.agent` (name, initials) for the page to draw; Teams, which always shows the bot, keeps
     * the prefixed text.
     */
    async send(result: StaffTurnResult, voice?: AgentVoice): Promise<void> {
      if (result.outputs.length === 0) return;
      const webChatId = channelConversationId(result.conversationId, WEBCHAT_CHANNEL_ID);
      if (webChatId !== undefined && (await deps.directLine.hasConversation(webChatId))) {
        const outputs = voice ? result.outputs.map((o) => (o.type === 'say' ? { ...o, text: asMarkdownText(voice.text) } : o)) : result.outputs;
        const activities = renderOutputs(outputs, result.locale, WEBCHAT_CHANNEL_ID).map((activity) =>
          voice ? { ...activity, channelData: { helpdesk: { speaker: 'agent', agent: { name: voice.name, initials: initialsOf(voice.name) } } } } : activity,
        );
        await deps.directLine.adapter.continueConversation(
          { channelId: WEBCHAT_CHANNEL_ID, conversation: { id: webChatId, isGroup: false, conversationType: 'personal', name: '' } },
          async (context) => {
            await context.sendActivities(activities);
          },
        );
        return;
      }
      const ref = readConversationReference(result.reference);
      if (!ref) throw new Error('the conversation has no usable ConversationReference');
      const activities = renderOutputs(result.outputs, result.locale, ref.channelId ?? result.channelId);
      if (activities.length === 0) return;
      await deps.cloud.continueConversationAsync(deps.appId, ref, async (context) => {
        await context.sendActivities(activities);
      });
      deps.logger.debug({ channelId: ref.channelId, sent: activities.length }, 'proactive messages sent');
    },
  };
}

export type ProactiveDelivery = ReturnType<typeof createProactiveDelivery>;

declare module 'fastify' {
  interface FastifyInstance {
    proactive: ProactiveDelivery;
  }
}

/** Proactive delivery as a service, for the handoff side (which never sees botbuilder). */
export default fp<{ appId: string }>(
  async (app, opts) => {
    app.decorate(
      'proactive',
      createProactiveDelivery({ cloud: app.bot.adapter, appId: opts.appId, directLine: app.directline, logger: app.log }),
    );
  },
  { name: 'proactive', dependencies: ['bot', 'directline'] },
);
