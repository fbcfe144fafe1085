import { ActivityTypes, CardFactory, type Activity, type ConversationReference, type TurnContext } from 'botbuilder';
import type { StaffConversation, TeamsStaffPort } from '../handoff/notifiers/teams-staff-port.js';
import { continueConversationOrThrow } from './continue-conversation.js';
import type { HelpdeskAdapter } from './create-adapter.js';

function referenceFor(target: StaffConversation, botAppId: string): Partial<ConversationReference> {
  return {
    channelId: 'msteams',
    serviceUrl: target.serviceUrl,
    bot: { id: botAppId || 'helpdesk-bot', name: 'Helpdesk' },
    conversation: {
      id: target.conversationId,
      isGroup: true,
      conversationType: 'channel',
      name: '',
      ...(target.tenantId ? { tenantId: target.tenantId } : {}),
    },
  };
}

function cardActivity(card: Record<string, unknown>, summary: string, target: StaffConversation): Partial<Activity> {
  return {
    type: ActivityTypes.Message,
    summary,
    attachments: [CardFactory.adaptiveCard(card)],
    ...(target.tenantId ? { channelData: { tenant: { id: target.tenantId } } } : {}),
  };
}

/**
 * Proactive writes to the Teams staff channel through the same CloudAdapter (and credentials) that answers
 * /api/messages. A message sent to the channel's conversation id starts a new thread; sent to
 * `<channel>;messageid=<root>` it is a reply in that thread.
 */
export function createTeamsStaffChannel(adapter: HelpdeskAdapter, botAppId: string): TeamsStaffPort {
  async function inConversation(target: StaffConversation, work: (context: TurnContext) => Promise<void>): Promise<void> {
    // Failures reach the caller (the outbox retries them) instead of the turn-error handler.
    await continueConversationOrThrow(adapter, botAppId, referenceFor(target, botAppId), work);
  }
  return {
    async postCard(channel, card, summary) {
      let activityId: string | undefined;
      await inConversation(channel, async (context) => {
        const sent = await context.sendActivity(cardActivity(card, summary, channel));
        activityId = sent?.id;
      });
      if (!activityId) throw new Error('the Bot Connector did not return an id for the posted card');
      return activityId;
    },
    async updateCard(thread, activityId, card, summary) {
      await inConversation(thread, async (context) => {
        await context.updateActivity({ ...cardActivity(card, summary, thread), id: activityId, conversation: context.activity.conversation });
      });
    },
    async postInThread(thread, text) {
      await inConversation(thread, async (context) => {
        await context.sendActivity({ type: ActivityTypes.Message, text, textFormat: 'plain' });
      });
    },
  };
}
