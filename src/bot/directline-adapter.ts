import {
  ActivityTypes,
  BotAdapter,
  TurnContext,
  type Activity,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';
import { WEBCHAT_CHANNEL_ID } from '../conversation/conversation-address.js';
import type { TurnErrorHandler } from './turn-error.js';

/** One user-side activity from the Direct Line store, as the bot should see it. */
export interface DirectLineInbound {
  type: 'message' | 'conversationUpdate';
  id: string;
  timestamp: string;
  conversationId: string;
  user: { id: string; name: string; email?: string };
  locale: string;
  text?: string;
  value?: unknown;
  channelData?: unknown;
}

/** The fields of a bot activity that Web Chat renders; everything else botbuilder adds stays out of the history. */
const REPLY_FIELDS = [
  'text',
  'textFormat',
  'locale',
  'attachments',
  'attachmentLayout',
  'suggestedActions',
  'inputHint',
  'speak',
  'replyToId',
  'value',
  'name',
  'channelData',
  'entities',
  'summary',
] as const satisfies ReadonlyArray<keyof Activity>;

/** What the Direct Line keeps of a bot activity: its type and the fields Web Chat renders. */
export type BotReply = { type: string } & Partial<Pick<Activity, (typeof REPLY_FIELDS)[number]>>;

/** Where bot activities go: the Direct Line store and the live streams of the conversation (src/channels/directline). */
export interface DirectLineSink {
  /** Stores a bot activity in the history and pushes it to the open streams (typing: streams only). Returns its id. */
  deliver(conversationId: string, reply: BotReply): Promise<string>;
  /** Replaces a stored bot activity and pushes the new version to the open streams. */
  update(conversationId: string, activityId: string, reply: BotReply): Promise<void>;
}

export interface DirectLineAdapterOptions {
  sink: DirectLineSink;
  /** The bot's identity on Direct Line activities (MicrosoftAppId or a local id, the widget's title). */
  bot: { id: string; name: string };
  /** The serviceUrl kept in conversation references (our own Direct Line base URL). */
  serviceUrl: string;
  onTurnError: TurnErrorHandler;
}

function toReply(activity: Partial<Activity>): BotReply {
  const reply: BotReply = { type: activity.type ?? ActivityTypes.Message };
  for (const field of REPLY_FIELDS) {
    if (activity[field] !== undefined) Object.assign(reply, { [field]: activity[field] });
  }
  return reply;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The bot adapter of the self-hosted Direct Line: a turn's replies, updates and proactive messages go straight to
 * the Direct Line store and its live streams, in the order and at the moment the bot sends them. No HTTP client,
 * no connector, no JSON round trip. Middleware and the turn-error handler are the same as on the Bot Connector side.
 */
export class DirectLineAdapter extends BotAdapter {
  constructor(private readonly options: DirectLineAdapterOptions) {
    super();
    this.onTurnError = options.onTurnError;
  }

  /** Runs one bot turn for an activity the user posted (or the start of the conversation). */
  async processInbound(inbound: DirectLineInbound, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    await this.runMiddleware(new TurnContext(this, this.toActivity(inbound)), logic);
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      if (activity.type === 'delay') {
        await sleep(typeof activity.value === 'number' ? activity.value : 1000);
        responses.push({ id: '' });
        continue;
      }
      const conversationId = activity.conversation?.id ?? context.activity.conversation.id;
      responses.push({ id: await this.options.sink.deliver(conversationId, toReply(activity)) });
    }
    return responses;
  }

  async updateActivity(context: TurnContext, activity: Partial<Activity>): Promise<void> {
    if (!activity.id) throw new Error('updateActivity needs the id of the activity to replace');
    await this.options.sink.update(activity.conversation?.id ?? context.activity.conversation.id, activity.id, toReply(activity));
  }

  async deleteActivity(): Promise<void> {
    throw new Error('the Direct Line history keeps every activity; it cannot be deleted');
  }

  /** A proactive turn in a Direct Line conversation (IT staff joined, wrote, resolved): not a reply to anything. */
  async continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
    const { activityId: _replyTo, ...unanchored } = reference;
    const activity = TurnContext.applyConversationReference({ type: ActivityTypes.Event, name: 'ContinueConversation' }, unanchored, true);
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  private toActivity(inbound: DirectLineInbound): Partial<Activity> {
    const bot = { ...this.options.bot, role: 'bot' };
    const user = {
      id: inbound.user.id,
      name: inbound.user.name,
      role: 'user',
      ...(inbound.user.email ? { properties: { email: inbound.user.email } } : {}),
    };
    return {
      type: inbound.type === 'message' ? ActivityTypes.Message : ActivityTypes.ConversationUpdate,
      id: inbound.id,
      timestamp: new Date(inbound.timestamp),
      serviceUrl: this.options.serviceUrl,
      channelId: WEBCHAT_CHANNEL_ID,
      from: user,
      recipient: bot,
      conversation: { id: inbound.conversationId, isGroup: false, conversationType: 'personal', name: '' },
      text: inbound.text ?? '',
      locale: inbound.locale,
      ...(inbound.value !== undefined ? { value: inbound.value } : {}),
      ...(inbound.channelData !== undefined ? { channelData: inbound.channelData } : {}),
      ...(inbound.type === 'conversationUpdate' ? { membersAdded: [bot, user] } : {}),
    };
  }
}
