import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fp from 'fastify-plugin';
import { HdErrors } from './errors.js';
import { projectRoot } from './project-root.js';

/** Liveness (/healthz), readiness with a database ping (/readyz), and the favicon. */
export default fp(
  async (app) => {
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
  },
  { name: 'health-routes', dependencies: ['storage'] },
);
