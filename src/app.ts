import type { FastifyError, FastifyInstance, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import { createAdapter } from './bot/create-adapter.js';
import { createHelpdeskBot } from './bot/helpdesk-bot.js';
import { createTeamsCardLocks } from './bot/teams-card-locks.js';
import { createHandoffEventExtension } from './bot/handoff-event.js';
import teamsStaffChannel from './handoff/notifiers/teams-staff-plugin.js';
import itsmWebhook from './handoff/webhook/webhook-plugin.js';
import { messagesRoute } from './bot/messages-route.js';
import directLine from './channels/directline/directline-plugin.js';
import webChat from './channels/webchat/webchat-plugin.js';
import type { Config } from './config.js';
import { loadContent } from './content/load-content.js';
import { createTurnRunner } from './conversation/turn-runner.js';
import { HdErrors } from './errors.js';
import { loggerOptions } from './logger.js';
import storage from './storage/storage-plugin.js';
import { isDatabaseUnavailable } from './storage/database.js';
import handoff from './handoff/handoff-plugin.js';
import { agentApi } from './handoff/agent-api.js';
import { agentConsole } from './handoff/agent-console.js';
import { loadErrorCatalog } from './understanding/error-catalog.js';
import { createRunbookIndex } from './understanding/runbook-index.js';
import { createUnderstanding } from './understanding/understand.js';
import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { stripControlCharacters } from './strip-control-characters.js';
import { join } from 'node:path';
import { projectRoot } from './project-root.js';

import type { HelpdeskAdapter } from './bot/create-adapter.js';
import type { Content } from './content/load-content.js';
import type { TurnRunner } from './conversation/turn-runner.js';
import type { ErrorCatalog } from './understanding/error-catalog.js';

/** The parts other plugins (channels, handoff) build on. */
export interface Helpdesk {
  config: Config;
  content: Content;
  catalog: ErrorCatalog;
  adapter: HelpdeskAdapter;
  runner: TurnRunner;
  /** The bot's turn logic, shared by every channel that feeds the adapter. */
  logic: ReturnType<typeof createHelpdeskBot>;
}

declare module 'fastify' {
  interface FastifyInstance {
    helpdesk: Helpdesk;
  }
}

export interface AppOptions {
  config: Config;
}

function hopCount(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

/** Options for the Fastify instance itself (server.ts and the tests use the same). */
export function serverOptions(config: Config, logger: FastifyServerOptions['logger'] = loggerOptions(config.logLevel)): FastifyServerOptions {
  return {
    logger,
    bodyLimit: config.bodyLimit,
    // A hop count trusts that many proxies in front of us, nearest first.
    trustProxy: typeof config.trustProxy === 'number' ? hopCount(config.trustProxy) : config.trustProxy,
  };
}

const FASTIFY_CODES: Record<string, () => Error> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => new HdErrors.BAD_JSON(),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new HdErrors.BAD_JSON(),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new HdErrors.UNSUPPORTED_MEDIA(),
};

/** The reason phrase of a status ("Conflict", "Too Many Requests"), as every error body's `error` field. */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

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

/** The whole service as one plugin: tests register it on a fresh instance and never listen on a fixed port. */
async function helpdeskApp(app: FastifyInstance, opts: AppOptions): Promise<void> {
  const { config } = opts;
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

  app.setErrorHandler((error: FastifyError, request, reply) => {
    let err: FastifyError = error;
    const mapped = FASTIFY_CODES[error.code];
    if (mapped) err = mapped() as FastifyError;
    else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') err = new HdErrors.BODY_TOO_LARGE(config.bodyLimit) as FastifyError;
    else if (error.validation) err = new HdErrors.BAD_ACTIVITY(error.message) as FastifyError;
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      const body = status === 503 && err.code?.startsWith('HD_ERR_')
        ? { statusCode: 503, code: err.code, error: reasonPhrase(503), message: err.message }
        : isDatabaseUnavailable(error)
          ? { statusCode: 503, code: 'HD_ERR_STORAGE_UNAVAILABLE', error: reasonPhrase(503), message: 'The database cannot be reached right now; retry shortly' }
          : { statusCode: 500, code: 'HD_ERR_INTERNAL', error: reasonPhrase(500), message: 'Internal server error' };
      if (body.statusCode === 503) reply.header('retry-after', '5');
      return reply.code(body.statusCode).send(body);
    }
    if (status === 429 && !err.code?.startsWith('HD_ERR_')) err = new HdErrors.RATE_LIMITED() as FastifyError;
    request.log.info({ code: err.code, status }, err.message);
    return reply.code(status).send({
      statusCode: status,
      code: err.code?.startsWith('HD_ERR_') ? err.code : 'HD_ERR_BAD_REQUEST',
      error: reasonPhrase(status),
      message: err.message,
    });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ statusCode: 404, code: 'HD_ERR_NOT_FOUND', error: reasonPhrase(404), message: `${request.method} ${request.url} does not exist` });
  });

  if (!config.botFramework.MicrosoftAppId) {
    app.log.warn(
      'MicrosoftAppId is empty: /api/messages runs in local mode WITHOUT channel authentication. ' +
        'Fine for the Emulator and tests on 127.0.0.1; set MicrosoftAppId/MicrosoftAppPassword before exposing the bot.',
    );
  }

  await app.register(storage, { dataDir: config.dataDir, databaseUrl: config.databaseUrl, statementTimeoutMs: config.databaseStatementTimeoutMs });

  const content = loadContent(config.contentDir);
  const catalog = loadErrorCatalog(join(config.contentDir, 'catalog'));
  const runbookIndex = createRunbookIndex(content.runbooks, catalog);
  const runner = createTurnRunner({
    content,
    understand: createUnderstanding(catalog, runbookIndex),
    conversations: app.storage.conversations,
    tickets: app.storage.tickets,
    logger: app.log,
  });
  const adapter = createAdapter(config.botFramework, content.messages, app.log, config.channelTimeoutMs);
  const logic = createHelpdeskBot(runner, app.log);
  logic.use(createHandoffEventExtension(config.handoffEventEnabled, app.log));
  logic.use(createTeamsCardLocks(app.log));
  app.decorate('helpdesk', { config, content, catalog, adapter, runner, logic });
  await app.register(messagesRoute, { adapter, logic });
  await app.register(directLine, { config });
  await app.register(webChat, { config });
  // Handoff to IT staff (issue 5 part A): ticket lifecycle and live relay, agent API (/api/agent, /docs), console (/agent).
  await app.register(handoff);
  await app.register(agentApi);
  await app.register(agentConsole);

  app.get('/healthz', async () => ({ status: 'ok' }));
  // The Teams app icon doubles as the favicon of the chat page and the console.
  const favicon = readFileSync(join(projectRoot(), 'appPackage', 'color.png'));
  app.get('/favicon.ico', async (_request, reply) =>
    reply.header('content-type', 'image/png').header('cache-control', 'public, max-age=86400').send(favicon),
  );
  app.get('/readyz', async () => {
    try {
      await app.storage.database.ping();
    } catch (err) {
      app.log.error({ err }, 'database ping failed');
      throw new HdErrors.NOT_READY('the database is not reachable');
    }
    return { status: 'ready', database: app.storage.database.dialect };
  });

  // Listeners of the handoff service (issue 5 part B): keep these after the handoff service is registered.
  await app.register(teamsStaffChannel);
  await app.register(itsmWebhook);
}

/** Not encapsulated, so the decorators (storage, helpdesk, …) are visible to server.ts and the tests. */
export default fp(helpdeskApp, { name: 'helpdesk-app' });
