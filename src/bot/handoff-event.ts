import { ActivityTypes, EventFactory, type Activity, type ChannelAccount, type Transcript, type TurnContext } from 'botbuilder';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Ticket } from '../storage/ticket-store.js';
import type { TurnExtension } from './helpdesk-bot.js';

/** Teams answers handoff.initiate with HTTP 400 (botframework-sdk #5920): it never goes there. */
const NEVER_TO = new Set(['msteams']);

/** What a contact-centre hub gets as `value` of handoff.initiate: enough to route the chat and skip repeated questions. */
export interface HelpdeskHandoffContext {
  ticketId: number;
  ticketNumber: string;
  reason: Ticket['reason'];
  locale: string;
  error: Ticket['error'];
  runbookId: string | null;
  checks: Ticket['checks'];
}

/** The ticket's transcript as Bot Framework message activities, in the conversation of the current turn. */
export function transcriptOf(context: TurnContext, ticket: Ticket): Transcript {
  const turn = context.activity;
  const bot: ChannelAccount = { id: turn.recipient?.id ?? 'bot', name: turn.recipient?.name ?? 'Helpdesk', role: 'bot' };
  const user: ChannelAccount = { id: turn.from?.id ?? ticket.userId, name: turn.from?.name ?? ticket.userName, role: 'user' };
  const activities: Activity[] = ticket.transcript.map((entry, index) => {
    const fromUser = entry.role === 'user';
    return {
      type: ActivityTypes.Message,
      id: `${ticket.number}-${index + 1}`,
      timestamp: new Date(entry.at),
      localTimezone: '',
      callerId: '',
      serviceUrl: turn.serviceUrl,
      channelId: turn.channelId,
      conversation: turn.conversation,
      from: fromUser ? user : entry.role === 'bot' ? bot : { id: entry.author, name: entry.author, role: entry.role },
      recipient: fromUser ? bot : user,
      text: entry.text,
      label: '',
      valueType: '',
      listenFor: [],
    };
  });
  return { activities };
}

/** Builds handoff.initiate with botbuilder's own factory, the transcript attached as application/json. */
export function buildHandoffInitiation(context: TurnContext, ticket: Ticket): Partial<Activity> {
  const handoffContext: HelpdeskHandoffContext = {
    ticketId: ticket.id,
    ticketNumber: ticket.number,
    reason: ticket.reason,
    locale: ticket.locale,
    error: ticket.error,
    runbookId: ticket.runbookId,
    checks: ticket.checks,
  };
  return EventFactory.createHandoffInitiation(context, handoffContext, transcriptOf(context, ticket));
}

/**
 * HANDOFF_EVENT_ENABLED: when a turn escalates to a ticket, the conversation also receives Bot Framework's
 * handoff.initiate event, for contact-centre hubs that take over on it. Off by default; never sent to Teams.
 */
export function createHandoffEventExtension(enabled: boolean, logger: Logger): TurnExtension {
  return {
    async afterTurn(context, result) {
      if (!enabled || !result.ticket || NEVER_TO.has(context.activity.channelId)) return;
      try {
        await context.sendActivity(buildHandoffInitiation(context, result.ticket));
        logger.info({ ticket: result.ticket.number, channelId: context.activity.channelId }, 'handoff.initiate sent');
      } catch (err) {
        // The ticket exists and the employee was told; a hub that refuses the event must not fail the turn.
        logger.warn({ err, ticket: result.ticket.number }, 'handoff.initiate could not be sent');
      }
    },
  };
}
