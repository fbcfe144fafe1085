import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { BotReply, DirectLineInbound } from '../../bot/directline-adapter.js';
import { WEBCHAT_CHANNEL_ID, webChatKey } from '../../conversation/conversation-address.js';
import { HdErrors } from '../../errors.js';
import { isDatabaseUnavailable } from '../../storage/database-errors.js';
import { readWatermark, type ActivitySet, type BotSideActivity, type DirectLineConversation, type DirectLineStore, type DirectLineUser, type NewActivity, type WireActivity } from './directline-store.js';

/** Channel id on every activity of this Direct Line (history and bot turns alike). */
const CHANNEL_ID = WEBCHAT_CHANNEL_ID;
const MAX_TEXT = 8000;

export type StreamListener = (set: ActivitySet) => void;

export interface DirectLineServiceOptions {
  store: DirectLineStore;
  log: FastifyBaseLogger;
  bot: { id: string; name: string };
  /** Runs a bot turn (the Direct Line adapter); replies come back through deliverFromBot. */
  runTurn(inbound: DirectLineInbound): Promise<void>;
  /** What the bot says, in the user's language, when the database cannot be reached (so nothing can be stored). */
  unavailableText(locale: string): string;
}

export function newConversationId(): string {
  return randomBytes(16).toString('base64url');
}

export function anonymousUserId(): string {
  return `dl_${randomBytes(12).toString('base64url')}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new HdErrors.BAD_ACTIVITY(`"${field}" must be a string`);
  if (value.length > max) throw new HdErrors.BAD_ACTIVITY(`"${field}" is longer than ${max} characters`);
  return value;
}

/** Control characters, lone surrogates, line/paragraph separators and BOMs: never part of an id, a timestamp or a language tag. */
const CONTROL = /[\p{Cc}\p{Cs}\u2028\u2029\ufeff]/u;

/** An optional single-line token (an id, a timestamp): a string, short, without control characters. */
function optionalToken(value: unknown, field: string, max: number): string | undefined {
  const text = optionalString(value, field, max);
  if (text !== undefined && CONTROL.test(text)) throw new HdErrors.BAD_ACTIVITY(`"${field}" must not contain control characters`);
  return text;
}

/** Button payloads are small and flat; anything nested deeper is not from Web Chat and could exhaust the stack. */
const MAX_VALUE_DEPTH = 16;

/** True when no array or object inside `value` is nested deeper than `max` (checked without recursion). */
function shallowEnough(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() ?? [undefined, 0];
    if (typeof item !== 'object' || item === null) continue;
    if (depth > max) return false;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return true;
}

/** The only channelData keys Web Chat's own bookkeeping needs back (clientActivityID matches the echo to the pending send). */
function readClientChannelData(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw new HdErrors.BAD_ACTIVITY('"channelData" must be an object');
  const out: Record<string, unknown> = {};
  const clientActivityID = optionalToken(value.clientActivityID, 'channelData.clientActivityID', 200);
  const clientTimestamp = optionalToken(value.clientTimestamp, 'channelData.clientTimestamp', 64);
  if (clientActivityID) out.clientActivityID = clientActivityID;
  if (clientTimestamp) out.clientTimestamp = clientTimestamp;
  if (isRecord(value.messageBack)) {
    const displayText = optionalString(value.messageBack.displayText, 'channelData.messageBack.displayText', 500);
    out.messageBack = displayText ? { displayText } : {};
  }
  if (value.postBack === true) out.postBack = true;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The Direct Line channel's core: conversations, history and live fan-out. Turns are serialised by the turn runner. */
export function createDirectLineService(options: DirectLineServiceOptions) {
  const { store, log } = options;
  const listeners = new Map<string, Set<StreamListener>>();
  const inFlight = new Set<Promise<void>>();

  function publish(conversationId: string, set: ActivitySet): void {
    for (const listener of listeners.get(conversationId) ?? []) {
      try {
        listener(set);
      } catch (err) {
        log.warn({ err, conversationId }, 'a Direct Line stream listener failed');
      }
    }
  }

  async function append(conversationId: string, activity: NewActivity, clientActivityId?: string): Promise<WireActivity & { duplicate?: boolean }> {
    const { watermark, duplicate, ...stored } = await store.append(conversationId, activity, clientActivityId);
    if (duplicate) return { ...stored, duplicate };
    publish(conversationId, { activities: [stored], watermark });
    return stored;
  }

  /** Hands the activity to the bot; the HTTP answer does not wait for the turn. */
  function startTurn(inbound: DirectLineInbound): void {
    const turn = options
      .runTurn(inbound)
      .catch((err: unknown) => log.error({ err, conversationId: webChatKey(inbound.conversationId) }, 'Direct Line turn failed'));
    inFlight.add(turn);
    void turn.finally(() => inFlight.delete(turn));
  }

  /** A bot reply as the history keeps it: from the bot, in this conversation, stamped now. */
  function botSide(conversationId: string, reply: BotReply): NewActivity {
    const from = { id: options.bot.id, name: options.bot.name, role: 'bot' };
    return { ...reply, timestamp: new Date().toISOString(), channelId: CHANNEL_ID, conversation: { id: conversationId }, from };
  }

  async function requireConversation(conversationId: string): Promise<DirectLineConversation> {
    const conversation = await store.getConversation(conversationId);
    if (!conversation) throw new HdErrors.NOT_FOUND('this conversation does not exist or has ended');
    return conversation;
  }

  return {
    requireConversation,

    subscribe(conversationId: string, listener: StreamListener): () => void {
      let set = listeners.get(conversationId);
      if (!set) listeners.set(conversationId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(conversationId);
      };
    },

    history(conversationId: string, watermark: string): Promise<ActivitySet> {
      return store.list(conversationId, watermark);
    },

    /** Starts the conversation (idempotent for one id) and lets the bot greet the user. */
    async start(conversationId: string, user: DirectLineUser, locale: string): Promise<{ conversation: DirectLineConversation; created: boolean }> {
      const existing = await store.getConversation(conversationId);
      if (existing) return { conversation: existing, created: false };
      const conversation: DirectLineConversation = { id: conversationId, user, locale, createdAt: new Date().toISOString() };
      try {
        await store.createConversation(conversation);
      } catch (err) {
        const raced = await store.getConversation(conversationId);
        if (raced) return { conversation: raced, created: false };
        throw err;
      }
      log.info({ conversationId: webChatKey(conversationId), locale }, 'Direct Line conversation started');
      startTurn({
        type: 'conversationUpdate',
        id: `${conversationId}|start`,
        timestamp: conversation.createdAt,
        conversationId,
        user,
        locale,
      });
      return { conversation, created: true };
    },

    /** A user's activity: validated, stored with a server id, echoed to the stream, then handed to the bot. */
    async postUserActivity(conversation: DirectLineConversation, body: unknown): Promise<string> {
      if (!isRecord(body)) throw new HdErrors.BAD_ACTIVITY('the body must be a JSON object');
      const type = body.type;
      if (type !== 'message' && type !== 'typing' && type !== 'event') {
        throw new HdErrors.BAD_ACTIVITY('"type" must be message, typing or event');
      }
      if (type !== 'message') return `${conversation.id}|${type}-${randomBytes(6).toString('hex')}`;
      const text = optionalString(body.text, 'text', MAX_TEXT) ?? '';
      const givenLocale = optionalString(body.locale, 'locale', 35);
      if (givenLocale && !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(givenLocale)) throw new HdErrors.BAD_ACTIVITY('"locale" must be a language tag such as ja-JP');
      const locale = givenLocale || conversation.locale;
      const textFormat = optionalString(body.textFormat, 'textFormat', 20);
      if (textFormat !== undefined && !['plain', 'markdown', 'xml'].includes(textFormat)) throw new HdErrors.BAD_ACTIVITY('"textFormat" must be plain, markdown or xml');
      const channelData = readClientChannelData(body.channelData);
      const value = body.value;
      if (value !== undefined && !shallowEnough(value, MAX_VALUE_DEPTH)) {
        throw new HdErrors.BAD_ACTIVITY(`"value" may nest at most ${MAX_VALUE_DEPTH} levels deep`);
      }
      if (text.trim() === '' && value === undefined) throw new HdErrors.BAD_ACTIVITY('a message needs "text" or "value"');
      // A client that retries a POST (its answer was lost) sends the same activity id again: stored and answered once.
      const clientActivityId = (typeof channelData?.clientActivityID === 'string' ? channelData.clientActivityID : undefined) ?? optionalToken(body.id, 'id', 200);
      const stored = await append(conversation.id, {
        type: 'message',
        timestamp: new Date().toISOString(),
        channelId: CHANNEL_ID,
        conversation: { id: conversation.id },
        from: { id: conversation.user.id, name: conversation.user.name, role: 'user' },
        text,
        locale,
        ...(textFormat ? { textFormat } : {}),
        ...(value !== undefined ? { value } : {}),
        ...(channelData ? { channelData } : {}),
      }, clientActivityId);
      if (stored.duplicate) return stored.id;
      startTurn({
        type: 'message',
        id: stored.id,
        timestamp: stored.timestamp,
        conversationId: conversation.id,
        user: conversation.user,
        locale,
        text,
        ...(value !== undefined ? { value } : {}),
        ...(channelData ? { channelData } : {}),
      });
      return stored.id;
    },

    /** What the bot sends. Typing indicators go live only; everything else is kept in the history. */
    async deliverFromBot(conversationId: string, reply: BotReply): Promise<string> {
      const wire = botSide(conversationId, reply);
      if (reply.type === 'typing') {
        const id = `${conversationId}|typing-${randomBytes(6).toString('hex')}`;
        publish(conversationId, { activities: [{ ...wire, id }], watermark: '' });
        return id;
      }
      try {
        return (await append(conversationId, wire)).id;
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err;
        // The turn's apology for an outage cannot be stored either: it goes to the open sockets only.
        const id = `${conversationId}|unstored-${randomBytes(6).toString('hex')}`;
        publish(conversationId, { activities: [{ ...wire, id }], watermark: '' });
        return id;
      }
    },

    /** A bot activity replaced in place (same id): stored, and pushed again to the open streams. */
    async updateFromBot(conversationId: string, activityId: string, reply: BotReply): Promise<void> {
      const replaced = await store.replace(conversationId, activityId, botSide(conversationId, reply));
      if (!replaced) throw new HdErrors.NOT_FOUND(`activity ${activityId} is not in this conversation`);
      publish(conversationId, { activities: [replaced], watermark: '' });
    },

    /** See DirectLine.postBotActivity: a bot-side message from outside a turn (IT staff in a live handoff). */
    async postBotActivity(conversationId: string, activity: BotSideActivity): Promise<string> {
      const conversation = await requireConversation(conversationId);
      if (activity.type !== 'message' || typeof activity.text !== 'string') throw new HdErrors.BAD_ACTIVITY('a bot-side activity is a message with text');
      const from = {
        id: activity.from?.id || options.bot.id,
        name: activity.from?.name ?? options.bot.name,
        // Web Chat draws anything that is not the user on the bot's side.
        role: 'bot',
      };
      const stored = await append(conversationId, {
        type: 'message',
        timestamp: new Date().toISOString(),
        channelId: CHANNEL_ID,
        conversation: { id: conversationId },
        from,
        text: activity.text,
        locale: activity.locale ?? conversation.locale,
        ...(activity.suggestedActions ? { suggestedActions: activity.suggestedActions } : {}),
        ...(activity.attachments ? { attachments: activity.attachments } : {}),
      });
      return stored.id;
    },

    /**
     * The database is out: nothing can be stored, but the user's open sockets still get a word, live only (it is
     * not in the history, and a reconnect after the outage will not show it again).
     */
    tellUnavailable(conversationId: string, locale: string): void {
      const text = options.unavailableText(locale);
      publish(conversationId, {
        activities: [
          {
            id: `${conversationId}|unavailable-${randomBytes(6).toString('hex')}`,
            type: 'message',
            timestamp: new Date().toISOString(),
            channelId: CHANNEL_ID,
            conversation: { id: conversationId },
            from: { id: options.bot.id, name: options.bot.name, role: 'bot' },
            text,
            locale,
          },
        ],
        watermark: '',
      });
    },

    /** Waits for the turns in flight (shutdown). */
    async drain(): Promise<void> {
      await Promise.allSettled([...inFlight]);
    },

    readWatermark,
  };
}

export type DirectLineService = ReturnType<typeof createDirectLineService>;
