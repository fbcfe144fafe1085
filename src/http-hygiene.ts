import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { stripControlCharacters } from './strip-control-characters.js';

/**
 * Every JSON body and query string is cleaned of control characters before any route sees it (see
 * strip-control-characters.ts), and a multipart upload reaches its route (which answers 501) instead of a 415.
 */
function cleanInputs(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, typeof body === 'string' ? body : body.toString('utf8'), (err, parsed) => {
      if (err) return done(err, undefined);
      done(null, stripControlCharacters(parsed));
    });
  });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));
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
