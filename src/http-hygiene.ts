import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HdErrors } from './errors.js';
import { MAX_JSON_DEPTH, decodeJsonText, nestedAtMost } from './json-body.js';
import { stripControlCharacters } from './strip-control-characters.js';

/**
 * Every JSON body and query string is cleaned of control characters before any route sees it (see
 * strip-control-characters.ts), and a multipart upload reaches the upload route (which refuses it with its own code
 * after checking the caller) instead of a generic 415. A JSON body must be valid UTF-8 (HD_ERR_BAD_ENCODING: broken
 * bytes would otherwise be stored as U+FFFD) and nest at most MAX_JSON_DEPTH levels (HD_ERR_BAD_JSON_DEPTH: whatever
 * walks it later could exhaust its stack); prototype-poisoning keys stay refused by Fastify's own JSON parser. Every
 * API here speaks JSON, so a text/plain body is refused with 415 rather than handed to a route as a bare string.
 */
function cleanInputs(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = decodeJsonText(body);
    } catch (err) {
      return done(err instanceof Error ? err : new HdErrors.BAD_ENCODING(), undefined);
    }
    parseJson(request, text, (err, parsed) => {
      if (err) return done(err, undefined);
      if (!nestedAtMost(parsed, MAX_JSON_DEPTH)) return done(new HdErrors.BAD_JSON_DEPTH(MAX_JSON_DEPTH), undefined);
      done(null, stripControlCharacters(parsed));
    });
  });
  // Only the upload route takes a multipart body (to refuse it with its own message); elsewhere it is the wrong media.
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (request, _body, done) =>
    request.routeOptions.url?.endsWith('/upload') ? done(null, undefined) : done(new HdErrors.UNSUPPORTED_MEDIA(), undefined),
  );
  app.addHook('onRequest', async (request) => {
    stripControlCharacters(request.query);
    stripControlCharacters(request.params);
  });
}

/** Input hygiene and security headers for every route of the app. */
export default fp(
  async (app) => {
    cleanInputs(app);
    // Security headers on every answer, strict by default (an API answer loads nothing and is framed by nobody);
    // the pages that do load things (the chat page, the console, /docs) set their own policy on their routes.
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
      },
      // HTTPS and its HSTS policy belong to the reverse proxy that terminates TLS in front of the service.
      strictTransportSecurity: false,
      crossOriginEmbedderPolicy: false,
    });
  },
  { name: 'http-hygiene' },
);
