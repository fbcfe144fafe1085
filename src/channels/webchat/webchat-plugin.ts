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
  const tokenLimiter = createRateLimiter(settings.tokensPerMinute, 60_000);

  applyCors(app, settings.allowedOrigins, '/api/webchat/token');

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
    if (!tokenLimiter.take(request.ip)) throw new HdErrors.RATE_LIMITED();
    const assertion = readString(request.body, 'userAssertion');
    if (assertion !== undefined) {
      if (!settings.userAssertionSecret) throw new HdErrors.FORBIDDEN('user assertions are not enabled on this server');
      const user = await verifyUserAssertion(assertion, settings.userAssertionSecret);
      // A signed-in employee whose ticket is still open comes back to that conversation, in any tab, at any time:
      // IT's replies are in its history even if the tab that asked was closed long ago.
      const open = await app.storage.tickets.openConversationOf(user.id, WEBCHAT_CHANNEL_ID);
      const resume = open === undefined ? undefined : channelConversationId(open, WEBCHAT_CHANNEL_ID);
      const issued = await app.directline.issueToken(user, resume);
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
    return { conversationId: issued.conversationId, token: issued.token, expires_in: issued.expiresIn, userId };
  });
}

export default fp<{ config: Config }>(async (app, opts) => app.register(webChat, opts), {
  name: 'webchat',
  dependencies: ['storage', 'directline'],
});
