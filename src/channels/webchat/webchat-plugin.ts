import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config.js';
import { WEBCHAT_CHANNEL_ID, channelConversationId } from '../../conversation/conversation-address.js';
import { HdErrors } from '../../errors.js';
import { applyCors } from '../directline/cors.js';
import { anonymousUserId } from '../directline/directline-service.js';
import { createRateLimiter } from '../directline/rate-limiter.js';
import { negotiateLocale } from './negotiate-locale.js';
import { resolveDirectLineSecret } from '../directline/directline-secret.js';
import { createResumeKeys } from './resume-key.js';
import { verifyUserAssertion } from './user-assertion.js';
import { loadWebChatBundle } from './webchat-bundle.js';
import { WEBCHAT_TEXT, renderWebChatPage, scriptJson } from './webchat-page.js';

const ASSETS = new URL('./assets/', import.meta.url);

function readString(source: unknown, key: string): string | undefined {
  const value: unknown = typeof source === 'object' && source !== null ? Reflect.get(source, key) : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The Web Chat widget: full page, embed script, the bundle from our own server, and the page's token endpoint. */
async function webChat(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  const settings = config.webchat;
  const bundle = loadWebChatBundle();
  const pageScript = readFileSync(new URL('page.js', ASSETS), 'utf8');
  const embedScript = readFileSync(new URL('embed.js', ASSETS), 'utf8').replace(
    '__HELPDESK_SETTINGS__',
    scriptJson({ accent: settings.accent, text: WEBCHAT_TEXT }),
  );
  const frameAncestors = ["'self'", ...settings.allowedOrigins].join(' ');
  const tokenLimiter = createRateLimiter(app.storage.database, { scope: 'webchat-token', max: settings.tokensPerMinute, windowMs: 60_000 });

  applyCors(app, settings.allowedOrigins, '/api/webchat/token');
  applyCors(app, settings.allowedOrigins, '/api/webchat/resume');
  const resumeKeys = createResumeKeys(resolveDirectLineSecret(config.directline.secret, config.dataDir, app.log));

  /** The newest open ticket of this user on Web Chat, as a Direct Line conversation id (the channel prefix stripped). */
  const openTicketConversation = async (userId: string): Promise<string | undefined> => {
    const open = await app.storage.tickets.openConversationOf(userId, WEBCHAT_CHANNEL_ID);
    return open === undefined ? undefined : channelConversationId(open, WEBCHAT_CHANNEL_ID);
  };

  // The chat page: our own scripts only (the bundle and page.js; the settings block is JSON, not script), inline
  // styles (Web Chat styles itself at run time), Direct Line on this server over HTTP and WebSocket, and framing
  // by the intranet origins allowed to embed it (X-Frame-Options cannot list origins, so it is left to the CSP).
  const ownOrigin = new URL(config.publicUrl).origin;
  const webchatPolicy = {
    frameguard: false as const,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        mediaSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'", ownOrigin, ownOrigin.replace(/^http/, 'ws')],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: frameAncestors.split(' '),
      },
    },
  };

  app.get('/webchat', { helmet: webchatPolicy }, async (request, reply) => {
    const locale = negotiateLocale(request.headers['accept-language'], readString(request.query, 'locale'));
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('vary', 'Accept-Language');
    return renderWebChatPage({ config: settings, locale, bundlePath: bundle.path, embedded: readString(request.query, 'embed') === '1' });
  });

  app.get('/webchat/page.js', async (_request, reply) => {
    reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'no-cache');
    return pageScript;
  });

  app.get(bundle.path, async (request: FastifyRequest, reply: FastifyReply) => {
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('etag', bundle.etag)
      .header('vary', 'Accept-Encoding');
    if (request.headers['if-none-match'] === bundle.etag) return reply.code(304).send();
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
      reply.header('content-encoding', 'gzip');
      return reply.send(await bundle.gzipped());
    }
    return reply.send(bundle.raw);
  });

  // Loaded by intranet pages on other origins: their pages may fetch it.
  app.get('/embed.js', { helmet: { crossOriginResourcePolicy: { policy: 'cross-origin' } } }, async (_request, reply) => {
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300');
    return embedScript;
  });

  app.post('/api/webchat/token', async (request) => {
    if (!(await tokenLimiter.take(request.ip))) throw new HdErrors.RATE_LIMITED();
    const body: unknown = request.body;
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
      throw new HdErrors.BAD_REQUEST('the body must be a JSON object');
    }
    const given: unknown = body === undefined ? undefined : Reflect.get(body, 'userAssertion');
    if (given !== undefined && typeof given !== 'string') throw new HdErrors.BAD_REQUEST('"userAssertion" must be a string');
    const assertion = readString(request.body, 'userAssertion');
    if (assertion !== undefined) {
      if (!settings.userAssertionSecret) throw new HdErrors.FORBIDDEN('user assertions are not enabled on this server');
      const user = await verifyUserAssertion(assertion, settings.userAssertionSecret);
      // A signed-in employee whose ticket is still open comes back to that conversation, in any tab, at any time:
      // IT's replies are in its history even if the tab that asked was closed long ago.
      const issued = await app.directline.issueToken(user, await openTicketConversation(user.id));
      return {
        conversationId: issued.conversationId,
        token: issued.token,
        expires_in: issued.expiresIn,
        userId: user.id,
        resumed: issued.resumed,
      };
    }
    if (!settings.anonymous) throw new HdErrors.FORBIDDEN('anonymous chat is disabled; sign in through the intranet page');
    const userId = anonymousUserId();
    const issued = await app.directline.issueToken({ id: userId, name: '' });
    // The page keeps this key beyond the tab's life; it opens the conversation again only while its ticket is open.
    const resumeKey = await resumeKeys.issue({ conversationId: issued.conversationId, userId });
    return { conversationId: issued.conversationId, token: issued.token, expires_in: issued.expiresIn, userId, resumeKey };
  });

  // An anonymous user who closed the tab comes back in the same browser: while the conversation's ticket is open, the
  // key kept by the page buys a fresh token for it (IT's answer may come hours later); otherwise 404, start afresh.
  app.post('/api/webchat/resume', async (request) => {
    if (!tokenLimiter.take(request.ip)) throw new HdErrors.RATE_LIMITED();
    const resumeKey = readString(request.body, 'resumeKey');
    if (resumeKey === undefined || resumeKey === '' || resumeKey.length > 2048) throw new HdErrors.BAD_REQUEST('resumeKey is required');
    const grant = await resumeKeys.verify(resumeKey);
    if (!grant) throw new HdErrors.FORBIDDEN('the resume key is not valid');
    const open = await openTicketConversation(grant.userId);
    if (open !== grant.conversationId) throw new HdErrors.NOT_FOUND('no open ticket for this conversation');
    const issued = await app.directline.issueToken({ id: grant.userId, name: '' }, grant.conversationId);
    if (!issued.resumed) throw new HdErrors.NOT_FOUND('the conversation no longer exists');
    return {
      conversationId: issued.conversationId,
      token: issued.token,
      expires_in: issued.expiresIn,
      userId: grant.userId,
      resumeKey,
    };
  });
}

export default fp<{ config: Config }>(async (app, opts) => app.register(webChat, opts), {
  name: 'webchat',
  dependencies: ['storage', 'directline'],
});
