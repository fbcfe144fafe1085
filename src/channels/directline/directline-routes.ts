import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from '@fastify/websocket';
import { webChatKey } from '../../conversation/conversation-address.js';
import { HdErrors } from '../../errors.js';
import type { ActivitySet, DirectLineUser } from './directline-store.js';
import { anonymousUserId, newConversationId, type DirectLineService } from './directline-service.js';
import type { TokenGrant, TokenIssuer } from './directline-tokens.js';
import { isDatabaseUnavailable } from '../../storage/database-errors.js';
import { detectLocale, localeFromTag } from '../../understanding/detect-locale.js';
import type { RateLimiter } from './rate-limiter.js';
import { applyCors } from './cors.js';

export interface DirectLineRouteOptions {
  service: DirectLineService;
  tokens: TokenIssuer;
  secret: string;
  /** PUBLIC_URL, or '' to build the streamUrl from the request's own host. */
  streamBaseUrl: string;
  /** Activities one caller may post per minute, counted across every instance. */
  postLimiter: RateLimiter;
  allowedOrigins: string[];
  defaultLocale: string;
}

type Caller = { kind: 'secret' } | { kind: 'token'; grant: TokenGrant };

const USER_ID = /^[^\s<>"'`\p{Cc}\p{Cs}\u2028\u2029\ufeff]{1,128}$/u;
const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;
/** Control characters, lone surrogates, line/paragraph separators and BOMs have no place in a name. */
const CONTROL = /[\p{Cc}\p{Cs}\u2028\u2029\ufeff]/u;
/** A watermark is a sequence number; '' means "from the start". */
const WATERMARK = /^\d{0,15}$/;
/** A frame the client may send on the stream: Direct Line clients only ping with empty messages. */
const PING = /^\s*(\{\s*\})?\s*$/;

/** The language of a posted message: its script first, then the locale Web Chat sent; Japanese by default. */
function localeOfBody(body: unknown): string {
  if (typeof body !== 'object' || body === null) return 'ja';
  const text: unknown = Reflect.get(body, 'text');
  const locale: unknown = Reflect.get(body, 'locale');
  return (typeof text === 'string' ? detectLocale(text) : undefined) ?? (typeof locale === 'string' ? localeFromTag(locale) : undefined) ?? 'ja';
}

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw new HdErrors.FORBIDDEN('a Direct Line secret or token is required (Authorization: Bearer …)');
  return match[1];
}

function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** An optional request body (tokens/generate, conversations): absent, or a JSON object. */
function optionalObject(body: unknown): Record<string, unknown> | undefined {
  if (body === undefined) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HdErrors.BAD_ACTIVITY('the body must be a JSON object');
  return Object.fromEntries(Object.entries(body));
}

function readUser(given: unknown): Partial<DirectLineUser> {
  const body = optionalObject(given);
  if (body === undefined) return {};
  const user: unknown = Reflect.get(body, 'user');
  if (user === undefined) return {};
  if (typeof user !== 'object' || user === null || Array.isArray(user)) throw new HdErrors.BAD_ACTIVITY('"user" must be an object');
  const id: unknown = Reflect.get(user, 'id');
  const name: unknown = Reflect.get(user, 'name');
  const email: unknown = Reflect.get(user, 'email');
  if (id !== undefined && (typeof id !== 'string' || !USER_ID.test(id))) throw new HdErrors.BAD_ACTIVITY('"user.id" must be 1–128 visible characters');
  if (name !== undefined && (typeof name !== 'string' || name.length > 100 || CONTROL.test(name))) throw new HdErrors.BAD_ACTIVITY('"user.name" must be a string of at most 100 characters');
  if (email !== undefined && (typeof email !== 'string' || !/^[^\s@]{1,64}@[^\s@]{1,255}$/.test(email))) {
    throw new HdErrors.BAD_ACTIVITY('"user.email" must be an e-mail address');
  }
  return {
    ...(typeof id === 'string' ? { id } : {}),
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof email === 'string' ? { email } : {}),
  };
}

function readLocale(given: unknown, fallback: string): string {
  const locale: unknown = optionalObject(given)?.locale;
  if (locale === undefined) return fallback;
  if (typeof locale !== 'string' || locale.length > 35 || !LOCALE.test(locale)) throw new HdErrors.BAD_ACTIVITY('"locale" must be a language tag such as ja-JP');
  return locale;
}

/** The client's watermark: digits, or empty for "from the start". */
function readWatermarkQuery(request: FastifyRequest): string {
  const watermark = readQuery(request, 'watermark');
  if (!WATERMARK.test(watermark)) throw new HdErrors.BAD_REQUEST('"watermark" must be the watermark this server sent');
  return watermark;
}

function readQuery(request: FastifyRequest, key: string): string {
  const value: unknown = typeof request.query === 'object' && request.query !== null ? Reflect.get(request.query, key) : undefined;
  return typeof value === 'string' ? value : '';
}

function readConversationParam(request: FastifyRequest): string {
  const id: unknown = typeof request.params === 'object' && request.params !== null ? Reflect.get(request.params, 'conversationId') : undefined;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new HdErrors.NOT_FOUND('this conversation does not exist or has ended');
  return id;
}

/** Direct Line 3.0 (REST + WebSocket stream) under /v3/directline, as botframework-directlinejs speaks it. */
export async function directLineRoutes(app: FastifyInstance, opts: DirectLineRouteOptions): Promise<void> {
  const { service, tokens, postLimiter } = opts;

  applyCors(app, opts.allowedOrigins, '/v3/directline/*');

  async function caller(request: FastifyRequest): Promise<Caller> {
    const credential = bearer(request);
    if (sameSecret(credential, opts.secret)) return { kind: 'secret' };
    return { kind: 'token', grant: await tokens.verify(credential) };
  }

  /** The caller may act on this conversation: the secret always, a token only for its own conversation. */
  async function authorise(request: FastifyRequest): Promise<{ conversationId: string; caller: Caller }> {
    const who = await caller(request);
    const conversationId = readConversationParam(request);
    if (who.kind === 'token' && who.grant.conversationId !== conversationId) {
      throw new HdErrors.FORBIDDEN('this token belongs to another conversation');
    }
    return { conversationId, caller: who };
  }

  function streamUrl(request: FastifyRequest, conversationId: string, streamToken: string, watermark: string): string {
    const base = opts.streamBaseUrl || `${request.protocol}://${request.host}`;
    const ws = base.replace(/^http/i, 'ws');
    const query = new URLSearchParams({ t: streamToken, ...(watermark ? { watermark } : {}) });
    return `${ws}/v3/directline/conversations/${encodeURIComponent(conversationId)}/stream?${query.toString()}`;
  }

  async function conversationAnswer(request: FastifyRequest, grant: TokenGrant, watermark: string, fresh: boolean) {
    const issued = fresh ? await tokens.issue(grant) : undefined;
    const token = issued?.token ?? bearer(request);
    return {
      conversationId: grant.conversationId,
      token,
      expires_in: issued?.expiresIn ?? 1800,
      streamUrl: streamUrl(request, grant.conversationId, await tokens.issueStream(grant.conversationId), watermark),
      referenceGrammarId: '',
    };
  }

  app.post('/v3/directline/tokens/generate', async (request) => {
    const who = await caller(request);
    if (who.kind !== 'secret') throw new HdErrors.FORBIDDEN('tokens/generate needs the Direct Line secret');
    const user = readUser(request.body);
    const grant: TokenGrant = {
      conversationId: newConversationId(),
      user: { id: user.id ?? anonymousUserId(), name: user.name ?? '', ...(user.email ? { email: user.email } : {}) },
    };
    const issued = await tokens.issue(grant);
    return { conversationId: grant.conversationId, token: issued.token, expires_in: issued.expiresIn };
  });

  app.post('/v3/directline/tokens/refresh', async (request) => {
    const who = await caller(request);
    if (who.kind !== 'token') throw new HdErrors.FORBIDDEN('tokens/refresh needs a Direct Line token');
    const issued = await tokens.issue(who.grant);
    return { conversationId: who.grant.conversationId, token: issued.token, expires_in: issued.expiresIn };
  });

  app.post('/v3/directline/conversations', async (request, reply) => {
    const who = await caller(request);
    let grant: TokenGrant;
    if (who.kind === 'token') {
      grant = who.grant;
    } else {
      const user = readUser(request.body);
      grant = { conversationId: newConversationId(), user: { id: user.id ?? anonymousUserId(), name: user.name ?? '' } };
    }
    const { created } = await service.start(grant.conversationId, grant.user, readLocale(request.body, opts.defaultLocale));
    reply.code(created ? 201 : 200);
    return conversationAnswer(request, grant, '', who.kind === 'secret');
  });

  app.get('/v3/directline/conversations/:conversationId', async (request) => {
    const { conversationId, caller: who } = await authorise(request);
    const conversation = await service.requireConversation(conversationId);
    const grant = who.kind === 'token' ? who.grant : { conversationId, user: conversation.user };
    return conversationAnswer(request, grant, readWatermarkQuery(request), true);
  });

  app.post('/v3/directline/conversations/:conversationId/activities', async (request) => {
    const { conversationId, caller: who } = await authorise(request);
    const key = who.kind === 'token' ? `${conversationId}:${who.grant.user.id}` : `${conversationId}:secret`;
    try {
      // The limit is counted in the database: an outage there is answered like any other (a polite message).
      if (!(await postLimiter.take(key))) throw new HdErrors.RATE_LIMITED();
      const conversation = await service.requireConversation(conversationId);
      return { id: await service.postUserActivity(conversation, request.body) };
    } catch (err) {
      if (isDatabaseUnavailable(err)) service.tellUnavailable(conversationId, localeOfBody(request.body));
      throw err;
    }
  });

  app.get('/v3/directline/conversations/:conversationId/activities', async (request): Promise<ActivitySet> => {
    const { conversationId } = await authorise(request);
    const watermark = readWatermarkQuery(request);
    await service.requireConversation(conversationId);
    return service.history(conversationId, watermark);
  });

  // Files are refused with 415 (this server takes no media at all), after the caller is known to own the conversation.
  app.post('/v3/directline/conversations/:conversationId/upload', async (request) => {
    const { conversationId } = await authorise(request);
    await service.requireConversation(conversationId);
    throw new HdErrors.UPLOAD_UNSUPPORTED();
  });

  app.route({
    method: 'GET',
    url: '/v3/directline/conversations/:conversationId/stream',
    preValidation: async (request) => {
      const conversationId = readConversationParam(request);
      const t = readQuery(request, 't');
      if (!t) throw new HdErrors.FORBIDDEN('the stream needs the t parameter of its streamUrl');
      await tokens.verifyStream(t, conversationId);
      readWatermarkQuery(request);
      checkHandshake(request);
      await service.requireConversation(conversationId);
    },
    // A plain GET of the stream (no upgrade): a coded answer instead of an empty 404.
    handler: async () => {
      throw new HdErrors.UPGRADE_REQUIRED('the Direct Line stream is a WebSocket: connect to the streamUrl with a WebSocket client');
    },
    wsHandler: (socket: WebSocket, request) => {
      const conversationId = readConversationParam(request);
      const log = request.log.child({ conversationId: webChatKey(conversationId) });
      let sentUpTo = service.readWatermark(readQuery(request, 'watermark'));
      let closed = false;
      const send = (set: ActivitySet) => {
        if (socket.readyState !== socket.OPEN) return;
        if (set.watermark) sentUpTo = service.readWatermark(set.watermark);
        socket.send(JSON.stringify({ activities: set.activities, ...(set.watermark ? { watermark: set.watermark } : {}) }));
      };
      // The history is the truth: whichever instance stored an activity, this socket reads everything after its own
      // watermark, one read at a time (a notice during a read asks for one more), so it sends in order, never twice.
      let reading = false;
      let again = false;
      const catchUp = async (): Promise<void> => {
        if (reading) {
          again = true;
          return;
        }
        reading = true;
        try {
          do {
            again = false;
            // Stop as soon as the socket is gone: a page that could not be sent would otherwise be read again forever.
            while (!closed && socket.readyState === socket.OPEN) {
              const page = await service.history(conversationId, String(sentUpTo));
              if (page.activities.length === 0 || !page.watermark) break;
              const before = sentUpTo;
              send(page);
              if (sentUpTo === before) break;
            }
          } while (again && !closed);
        } catch (err) {
          log.error({ err }, 'could not read the Direct Line history');
          socket.close(1011, 'the history could not be read');
        } finally {
          reading = false;
        }
      };
      const unsubscribe = service.subscribe(conversationId, (signal) => {
        if (signal.kind === 'stored') void catchUp();
        else send(signal.set);
      });
      socket.on('close', () => {
        closed = true;
        unsubscribe();
      });
      socket.on('error', (err) => log.debug({ err }, 'Direct Line stream error'));
      socket.on('message', (data, isBinary) => {
        const text = isBinary ? undefined : data.toString();
        if (text !== undefined && PING.test(text)) return;
        log.info('closing a Direct Line stream after a frame it does not understand');
        socket.close(1003, 'the Direct Line stream only accepts empty keep-alive messages');
      });
      void catchUp();
    },
  });
}

/**
 * The WebSocket handshake headers, checked before the upgrade so a malformed one gets our coded 400 (the ws library
 * would answer with a bare text page). A request without an Upgrade header goes on to the plain-GET handler (426).
 */
function checkHandshake(request: FastifyRequest): void {
  if (!/\bwebsocket\b/i.test(String(request.headers.upgrade ?? ''))) return;
  const version = String(request.headers['sec-websocket-version'] ?? '');
  if (version !== '13' && version !== '8') throw new HdErrors.BAD_REQUEST('Sec-WebSocket-Version must be 13');
  if (!/^[+/0-9A-Za-z]{22}==$/.test(String(request.headers['sec-websocket-key'] ?? ''))) {
    throw new HdErrors.BAD_REQUEST('Sec-WebSocket-Key must be 16 bytes in base64');
  }
}
