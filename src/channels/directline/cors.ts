import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Headers Web Chat and directlinejs send from the browser (x-requested-with by Web Chat, x-ms-bot-agent by directlinejs). */
const ALLOWED_HEADERS = 'authorization, content-type, x-ms-bot-agent, x-requested-with';

function allow(reply: FastifyReply, origin: string): void {
  reply.header('access-control-allow-origin', origin);
  reply.header('vary', 'Origin');
}

/**
 * CORS for browser pages on the configured origins (WEBCHAT_ALLOWED_ORIGINS), scoped to the routes of the plugin that
 * calls it. Requests from other origins get no CORS headers, so browsers refuse them; same-origin pages need none.
 */
export function applyCors(app: FastifyInstance, allowedOrigins: readonly string[], preflightPath: string): void {
  const allowed = new Set(allowedOrigins);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (origin && allowed.has(origin)) allow(reply, origin);
  });
  app.options(preflightPath, async (request, reply) => {
    const origin = request.headers.origin;
    if (origin && allowed.has(origin)) {
      reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
      reply.header('access-control-allow-headers', ALLOWED_HEADERS);
      reply.header('access-control-max-age', '600');
    }
    return reply.code(204).send();
  });
}
