import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { BotReply, DirectLineInbound } from '../../bot/directline-adapter.js';
import { WEBCHAT_CHANNEL_ID, webChatKey } from '../../conversation/conversation-address.js';
import { HdErrors } from '../../errors.js';
import { nestedAtMost } from '../../json-body.js';
import { isDatabaseUnavailable } from '../../storage/database-errors.js';
import type { EventBus } from '../../storage/event-bus.js';
import { TurnSupersededError, transact, withCommitWork } from '../../storage/unit-of-work.js';
import type { Database } from '../../storage/database.js';
import { INBOX_LEASE_MS, type InboxStore } from './inbox-store.js';
import { readWatermark, type ActivitySet, type BotSideActivity, type DirectLineConversation, type DirectLineStore, type DirectLineUser, type NewActivity, type WireActivity } from './directline-store.js';

/** Channel id on every activity of this Direct Line (history and bot turns alike). */
const CHANNEL_ID = WEBCHAT_CHANNEL_ID;
const MAX_TEXT = 8000;

/**
 * What a socket of a conversation is told: `stored` = new activities are in the history (read them after your own
 * watermark, in order); `live` = an activity that is not kept (typing, an updated card, an outage notice).
 */
export type StreamSignal = { kind: 'stored' } | { kind: 'live'; set: ActivitySet };
export type StreamListener = (signal: StreamSignal) => void;

/** A bus notification about one conversation: stored up to seq `s`, a live activity, or a replaced activity id. */
interface DirectLineNotice {
  c: string;
  s?: number;
  live?: WireActivity;
  r?: string;
}

function readNotice(payload: string): DirectLineNotice | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    if (!isRecord(value) || typeof value.c !== 'string') return undefined;
    return {
      c: value.c,
      ...(typeof value.s === 'number' ? { s: value.s } : {}),
      ...(isRecord(value.live) && typeof value.live.id === 'string' ? { live: value.live as unknown as WireActivity } : {}),
      ...(typeof value.r === 'string' ? { r: value.r } : {}),
    };
  } catch {
    return undefined;
  }
}

/** How often an instance looks for accepted messages whose turn never committed (their instance died). */
const SWEEP_EVERY_MS = 3000;

export interface DirectLineServiceOptions {
  store: DirectLineStore;
  database: Database;
  inbox: InboxStore;
  bus: EventBus;
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
  const { store, log, inbox, bus } = options;
  const listeners = new Map<string, Set<StreamListener>>();
  const inFlight = new Set<Promise<void>>();
  /**
   * Work that ends by starting a turn: a message or a conversation being stored, a sweep claiming lapsed entries. A
   * drain waits for it as well as for the turns, since a POST that was being handled when the close began starts its
   * turn only once its message is stored (after the drain had looked at the turns in flight).
   */
  const intake = new Set<Promise<unknown>>();
  /** Inbox entries this instance is running now (a sweep must not start them twice). */
  const running = new Set<string>();
  let accepting = true;

  /**
   * Runs work that may start a turn, unless a drain has begun: then nothing new is taken on (503, so the client sends
   * it to another instance) because a turn started now could be cut when the database closes, leaving an
   * acknowledged message unanswered until its lease lapses elsewhere. Checked and registered in one step, so every
   * piece of work is either refused or waited for.
   */
  function intakeWork<T>(work: () => Promise<T>): Promise<T> {
    if (!accepting) return Promise.reject(new HdErrors.NOT_READY('this instance is shutting down; send the message again'));
    const promise = work();
    intake.add(promise);
    const forget = () => intake.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  function signal(conversationId: string, message: StreamSignal): void {
    for (const listener of listeners.get(conversationId) ?? []) {
      try {
        listener(message);
      } catch (err) {
        log.warn({ err, conversationId: webChatKey(conversationId) }, 'a Direct Line stream listener failed');
      }
    }
  }

  function live(conversationId: string, activity: WireActivity): void {
    signal(conversationId, { kind: 'live', set: { activities: [activity], watermark: '' } });
  }

  // Every instance hears what any instance stored: its sockets read the history after their own watermark.
  bus.subscribe('hd_directline', (payload) => {
    const notice = readNotice(payload);
    if (!notice || !listeners.has(notice.c)) return;
    if (notice.s !== undefined) signal(notice.c, { kind: 'stored' });
    if (notice.live) live(notice.c, notice.live);
    if (notice.r) {
      const conversationId = notice.c;
      store.get(conversationId, notice.r).then(
        (activity) => activity && live(conversationId, activity),
        (err: unknown) => log.warn({ err }, 'an updated Direct Line activity could not be read'),
      );
    }
  });
  bus.onResync(() => {
    for (const conversationId of listeners.keys()) signal(conversationId, { kind: 'stored' });
  });

  async function notify(notice: DirectLineNotice): Promise<void> {
    await bus.publish('hd_directline', JSON.stringify(notice));
  }

  async function append(conversationId: string, activity: NewActivity, clientActivityId?: string): Promise<WireActivity & { duplicate?: boolean }> {
    const { watermark: _watermark, ...stored } = await store.append(conversationId, activity, clientActivityId);
    return stored;
  }

  /**
   * Runs the turn of an accepted activity: its inbox entry is marked done in the transaction that commits the turn
   * (with the replies). A turn that ends without committing (intercepted, or failed and apologised for) is marked
   * done afterwards; one that could not reach the database stays pending and is run again by a sweep.
   */
  async function runAccepted(inbound: DirectLineInbound): Promise<void> {
    const id = inbound.id;
    const renew = setInterval(() => {
      inbox.renew(id).catch((err: unknown) => log.warn({ err }, 'an inbox lease could not be renewed'));
    }, INBOX_LEASE_MS / 3);
    renew.unref();
    try {
      await withCommitWork(
        async () => {
          if (!(await inbox.complete(id))) throw new TurnSupersededError(`the turn of ${id} was already committed`);
        },
        () => options.runTurn(inbound),
      );
      if (await inbox.isPending(id)) await inbox.complete(id);
    } finally {
      clearInterval(renew);
    }
  }

  /** Hands the activity to the bot; the HTTP answer does not wait for the turn. */
  function startTurn(inbound: DirectLineInbound): void {
    if (running.has(inbound.id)) return;
    running.add(inbound.id);
    const turn = runAccepted(inbound)
      .catch((err: unknown) => {
        if (err instanceof TurnSupersededError) return;
        log.error({ err, conversationId: webChatKey(inbound.conversationId) }, 'Direct Line turn failed; it stays in the inbox');
      })
      .finally(() => running.delete(inbound.id));
    inFlight.add(turn);
    void turn.finally(() => inFlight.delete(turn));
  }

  /** Takes over accepted messages whose instance died before their turn committed (at start-up, then periodically). */
  async function sweep(): Promise<number> {
    if (!accepting) return 0;
    return intakeWork(async () => {
      const lapsed = await inbox.claimLapsed();
      for (const pending of lapsed) {
        log.info({ conversationId: webChatKey(pending.inbound.conversationId), activity: pending.id }, 'running an accepted message whose turn never finished');
        startTurn(pending.inbound);
      }
      return lapsed.length;
    });
  }
  let sweeper: NodeJS.Timeout | undefined;

  /** Starts the conversation (idempotent for one id) and lets the bot greet the user. */
  async function startConversation(conversationId: string, user: DirectLineUser, locale: string): Promise<{ conversation: DirectLineConversation; created: boolean }> {
    const existing = await store.getConversation(conversationId);
    if (existing) return { conversation: existing, created: false };
    const conversation: DirectLineConversation = { id: conversationId, user, locale, createdAt: new Date().toISOString() };
    const greeting: DirectLineInbound = {
      type: 'conversationUpdate',
      id: `${conversationId}|start`,
      timestamp: conversation.createdAt,
      conversationId,
      user,
      locale,
    };
    try {
      await transact(options.database.db, async () => {
        await store.createConversation(conversation);
        await inbox.accept(greeting);
      });
    } catch (err) {
      const raced = await store.getConversation(conversationId);
      if (raced) return { conversation: raced, created: false };
      throw err;
    }
    log.info({ conversationId: webChatKey(conversationId), locale }, 'Direct Line conversation started');
    startTurn(greeting);
    return { conversation, created: true };
  }

  /** A user's activity: validated, stored with a server id, echoed to the stream, then handed to the bot. */
  async function acceptUserActivity(conversation: DirectLineConversation, body: unknown): Promise<string> {
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
    if (value !== undefined && !nestedAtMost(value, MAX_VALUE_DEPTH)) {
      throw new HdErrors.BAD_ACTIVITY(`"value" may nest at most ${MAX_VALUE_DEPTH} levels deep`);
    }
    if (text.trim() === '' && value === undefined) throw new HdErrors.BAD_ACTIVITY('a message needs "text" or "value"');
    // A client that retries a POST (its answer was lost) sends the same activity id again: stored and answered once.
    const clientActivityId = (typeof channelData?.clientActivityID === 'string' ? channelData.clientActivityID : undefined) ?? optionalToken(body.id, 'id', 200);
    const accepted = await transact(options.database.db, async () => {
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
      // A retry of an accepted message: its turn is (or was) already on its way.
      if (stored.duplicate) return { id: stored.id, duplicate: true };
      const inbound: DirectLineInbound = {
        type: 'message',
        id: stored.id,
        timestamp: stored.timestamp,
        conversationId: conversation.id,
        user: conversation.user,
        locale,
        text,
        ...(value !== undefined ? { value } : {}),
        ...(channelData ? { channelData } : {}),
      };
      // Pending in the same transaction as the history row: once the client hears 200, the turn will run.
      await inbox.accept(inbound);
      return inbound;
    });
    if ('duplicate' in accepted) return accepted.id;
    startTurn(accepted);
    return accepted.id;
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

    /** Starts the inbox sweep (at start-up: anything a dead instance left is taken over once its lease lapses). */
    startSweeping(): void {
      const tick = () => {
        sweep().catch((err: unknown) => log.warn({ err }, 'the inbox sweep failed'));
      };
      tick();
      sweeper = setInterval(tick, SWEEP_EVERY_MS);
      sweeper.unref();
    },

    sweep,

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
    start(conversationId: string, user: DirectLineUser, locale: string): Promise<{ conversation: DirectLineConversation; created: boolean }> {
      return intakeWork(() => startConversation(conversationId, user, locale));
    },

    /** A user's activity: validated, stored with a server id, echoed to the stream, then handed to the bot. */
    postUserActivity(conversation: DirectLineConversation, body: unknown): Promise<string> {
      return intakeWork(() => acceptUserActivity(conversation, body));
    },

    /** What the bot sends. Typing indicators go live only; everything else is kept in the history. */
    async deliverFromBot(conversationId: string, reply: BotReply): Promise<string> {
      const wire = botSide(conversationId, reply);
      if (reply.type === 'typing') {
        const id = `${conversationId}|typing-${randomBytes(6).toString('hex')}`;
        await notify({ c: conversationId, live: { ...wire, id } });
        return id;
      }
      try {
        return (await append(conversationId, wire)).id;
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err;
        // The turn's apology for an outage cannot be stored either: it goes to the open sockets only.
        const id = `${conversationId}|unstored-${randomBytes(6).toString('hex')}`;
        live(conversationId, { ...wire, id });
        return id;
      }
    },

    /** A bot activity replaced in place (same id): stored, and pushed again to the open streams. */
    async updateFromBot(conversationId: string, activityId: string, reply: BotReply): Promise<void> {
      const replaced = await store.replace(conversationId, activityId, botSide(conversationId, reply));
      if (!replaced) throw new HdErrors.NOT_FOUND(`activity ${activityId} is not in this conversation`);
      await notify({ c: conversationId, r: replaced.id });
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
      signal(conversationId, {
        kind: 'live',
        set: {
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
        },
      });
    },

    /**
     * Stops taking on work (shutdown: new messages get 503) and waits for the turns in flight, including the turns of
     * messages that were still being stored when it began.
     */
    async drain(): Promise<void> {
      accepting = false;
      if (sweeper) clearInterval(sweeper);
      // Messages still being stored start their turns when they are: wait for those turns too, until nothing is left.
      while (intake.size > 0 || inFlight.size > 0) await Promise.allSettled([...intake, ...inFlight]);
    },

    /** False once shutdown began: new messages are refused (503) so the client posts them to another instance. */
    get accepting(): boolean {
      return accepting;
    },

    readWatermark,
  };
}

export type DirectLineService = ReturnType<typeof createDirectLineService>;
