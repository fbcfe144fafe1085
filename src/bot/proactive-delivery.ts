import { randomUUID } from 'node:crypto';
import type { Activity, ConversationReference } from 'botbuilder';
import type { FastifyBaseLogger as Logger } from 'fastify';
import fp from 'fastify-plugin';
import { DeliveryFailure, createOutboxDispatcher } from '../outbox/outbox-dispatcher.js';
import { createOutboxStore, type OutboxStore } from '../outbox/outbox-store.js';
import { afterCommit } from '../storage/unit-of-work.js';
import { WEBCHAT_CHANNEL_ID, channelConversationId } from '../conversation/conversation-address.js';
import type { StaffTurnResult } from '../conversation/turn-runner.js';
import { continueConversationOrThrow } from './continue-conversation.js';
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

/** The outbox topic of messages to employees on Bot Framework channels (Teams) sent outside their turns. */
export const CHANNEL_REPLY_TOPIC = 'channel-reply';
/** A row is leased to one instance this long while the Bot Connector is called (CHANNEL_TIMEOUT_MS per call). */
const LEASE_MS = 60_000;

/** One outbox row of CHANNEL_REPLY_TOPIC: where to, and the activities, rendered once when the staff turn committed. */
interface ChannelReply {
  reference: Partial<ConversationReference>;
  activities: Partial<Activity>[];
}

function readChannelReply(payload: string): ChannelReply | undefined {
  const parsed: unknown = JSON.parse(payload);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const reference = readConversationReference(Reflect.get(parsed, 'reference'));
  const activities: unknown = Reflect.get(parsed, 'activities');
  if (!reference || !Array.isArray(activities)) return undefined;
  // Written by send() below from rendered activities; nothing else writes this topic.
  return { reference, activities: activities as Partial<Activity>[] };
}

export interface ProactiveDeliveryDeps {
  cloud: HelpdeskAdapter;
  appId: string;
  directLine: { adapter: DirectLineAdapter; hasConversation(conversationId: string): Promise<boolean> };
  outbox: OutboxStore;
  retry: { baseMs: number; maxMs: number };
  logger: Logger;
}

/**
 * Messages the bot sends outside a user's turn (an IT agent joined, wrote, resolved), rendered by the same renderer
 * as turn replies, for the conversation's channel, and committed with the staff turn that produced them. Web Chat
 * conversations of our own Direct Line get them through the Direct Line adapter (into the history in the same
 * transaction, live on an open socket once it commits); Teams and every other Bot Framework channel through an
 * outbox row that a dispatcher sends with continueConversationAsync on the stored reference, retried with backoff
 * while the Bot Connector is down and after a restart, so they arrive even when the employee closed the chat.
 */
export function createProactiveDelivery(deps: ProactiveDeliveryDeps) {
  const log = deps.logger.child({ module: 'proactive' });
  const dispatcher = createOutboxDispatcher({
    store: deps.outbox,
    topic: CHANNEL_REPLY_TOPIC,
    label: 'message to the employee',
    retryBaseMs: deps.retry.baseMs,
    retryMaxMs: deps.retry.maxMs,
    leaseMs: LEASE_MS,
    logger: log,
    async send(entry) {
      const reply = readChannelReply(entry.payload);
      if (!reply) throw new DeliveryFailure('the stored message has no usable conversation reference', true);
      // A refusal from the Bot Connector carries its HTTP status, which tells the dispatcher whether to try again.
      await continueConversationOrThrow(deps.cloud, deps.appId, reply.reference, async (context) => {
        await context.sendActivities(reply.activities);
      });
      log.debug({ channelId: reply.reference.channelId, sent: reply.activities.length }, 'proactive messages sent');
    },
  });

  return {
    dispatcher,
    /**
     * With `voice`, what is said is an agent's own words: Web Chat gets them without the "alice（IT 担当）:" prefix and
     * with `channelData.helpdesk.agent` (name, initials) for the page to draw; Teams, which always shows the bot, keeps
     * the prefixed text.
     */
    async send(result: StaffTurnResult, opts: { ticketId: number; voice?: AgentVoice | undefined }): Promise<void> {
      const { voice } = opts;
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
      const reference = readConversationReference(result.reference);
      if (!reference) {
        // Nothing to retry: the words stay in the transcript for IT, the employee sees them on their next visit.
        log.warn({ conversationId: result.conversationId, channelId: result.channelId }, 'the conversation has no usable ConversationReference; nothing sent');
        return;
      }
      const activities = renderOutputs(result.outputs, result.locale, reference.channelId ?? result.channelId);
      if (activities.length === 0) return;
      const reply: ChannelReply = { reference, activities };
      await deps.outbox.enqueue({
        eventId: randomUUID(),
        topic: CHANNEL_REPLY_TOPIC,
        ticketId: opts.ticketId,
        eventType: 'message',
        payload: JSON.stringify(reply),
      });
      afterCommit(() => dispatcher.wake());
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
export default fp<{ appId: string; retry: { baseMs: number; maxMs: number } }>(
  async (app, opts) => {
    const delivery = createProactiveDelivery({
      cloud: app.bot.adapter,
      appId: opts.appId,
      directLine: app.directline,
      outbox: createOutboxStore(app.storage.database),
      retry: opts.retry,
      logger: app.log,
    });
    app.decorate('proactive', delivery);
    // Also what earlier runs (or another instance that stopped) left pending.
    app.addHook('onReady', async () => delivery.dispatcher.start());
    app.addHook('onClose', async () => delivery.dispatcher.stop());
  },
  { name: 'proactive', dependencies: ['bot', 'directline', 'storage'] },
);
