import type { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { adminApi } from './analytics/admin-api.js';
import { adminPage } from './analytics/admin-page.js';
import analytics from './analytics/analytics-plugin.js';
import metrics from './analytics/metrics-plugin.js';
import bot from './bot/bot-plugin.js';
import proactive from './bot/proactive-delivery.js';
import teamsStaff from './bot/teams-staff-plugin.js';
import directLine from './channels/directline/directline-plugin.js';
import webChat from './channels/webchat/webchat-plugin.js';
import type { Config } from './config.js';
import conversation from './conversation/conversation-plugin.js';
import errorHandler, { reasonPhrase } from './error-handler.js';
import { agentApi } from './handoff/agent-api.js';
import { agentConsole } from './handoff/agent-console.js';
import handoff from './handoff/handoff-plugin.js';
import { ticketDeskPlugin } from './handoff/ticket-desk.js';
import itsmWebhook from './handoff/webhook/webhook-plugin.js';
import gracefulClose from './graceful-close.js';
import healthRoutes from './health-routes.js';
import httpHygiene from './http-hygiene.js';
import retention from './storage/retention-plugin.js';
import { HdErrors } from './errors.js';
import { loggerOptions } from './logger.js';
import { lazySchemaController } from './lazy-schema-compilers.js';
import storage from './storage/storage-plugin.js';

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
    // Route schemas are compiled on their first request (see lazy-schema-compilers.ts): a shorter cold start.
    schemaController: lazySchemaController(),
    // A hop count trusts that many proxies in front of us, nearest first.
    trustProxy: typeof config.trustProxy === 'number' ? hopCount(config.trustProxy) : config.trustProxy,
    // Requests Node's HTTP parser refuses (headers or URL too long, garbage on the wire): the house error body too.
    clientErrorHandler: (err, socket) => {
      if (socket.destroyed || (err as NodeJS.ErrnoException).code === 'ECONNRESET') return;
      const code = (err as NodeJS.ErrnoException).code;
      const refused =
        code === 'HPE_HEADER_OVERFLOW'
          ? new HdErrors.HEADERS_TOO_LARGE()
          : code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? new HdErrors.REQUEST_TIMEOUT()
            : new HdErrors.BAD_REQUEST('the request is not valid HTTP');
      const status = refused.statusCode;
      const body = JSON.stringify({ statusCode: status, code: refused.code, error: reasonPhrase(status), message: refused.message });
      socket.end(
        `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
    // Errors Fastify raises before routing (a path that is not valid percent-encoded UTF-8): the house error body too.
    frameworkErrors: (error, request, reply: FastifyReply) => {
      const err = new HdErrors.BAD_URL(error.message);
      // A refused WebSocket upgrade has no HTTP connection to go back to: its socket is closed once the answer is out
      // (left open, it would hold up shutdown).
      if (request.headers.upgrade !== undefined) reply.raw.once('finish', () => request.raw.socket.destroy());
      void reply.code(400).send({ statusCode: 400, code: err.code, error: reasonPhrase(400), message: err.message });
    },
  };
}

/**
 * The whole service as one plugin, composed of named plugins that declare what they depend on (fastify-plugin
 * `dependencies`): tests register it on a fresh instance and never listen on a fixed port.
 */
async function helpdeskApp(app: FastifyInstance, { config }: AppOptions): Promise<void> {
  // First: its preClose hook must run before any other (connections stop being kept alive as the close begins).
  await app.register(gracefulClose);
  await app.register(httpHygiene);
  await app.register(errorHandler, { bodyLimit: config.bodyLimit });
  await app.register(storage, {
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
  });
  // Before every route, so the HTTP metrics see them all.
  await app.register(metrics, { token: config.analytics.metricsToken });
  await app.register(retention, { policy: config.retention });
  await app.register(healthRoutes);
  await app.register(ticketDeskPlugin, { businessHours: config.businessHours });
  await app.register(conversation, { config });
  await app.register(bot, { config });
  await app.register(directLine, { config });
  await app.register(proactive, { appId: config.botFramework.MicrosoftAppId ?? '', retry: config.teamsRetry });
  await app.register(webChat, { config });
  await app.register(handoff);
  await app.register(agentApi, { agents: config.agentTokens, staffAgents: [...config.staffTeams.agents.values()], contentDir: config.contentDir });
  await app.register(agentConsole, { contentDir: config.contentDir });
  // Deflection analytics, the admin dashboard (/admin, /api/admin) and the content reload button (issue 13).
  await app.register(analytics, { config });
  await app.register(adminApi, { admins: config.analytics.adminTokens });
  await app.register(adminPage, { contentDir: config.contentDir });
  await app.register(teamsStaff, { config });
  await app.register(itsmWebhook, { config });
}

/** Not encapsulated, so the decorators (storage, conversation, bot, …) are visible to server.ts and the tests. */
export default fp(helpdeskApp, { name: 'helpdesk-app' });
