import { join } from 'node:path';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { loadContent, type Content } from '../content/load-content.js';
import { loadErrorCatalog, type ErrorCatalog } from '../understanding/error-catalog.js';
import { createRunbookIndex } from '../understanding/runbook-index.js';
import { createUnderstanding } from '../understanding/understand.js';
import { createTurnRunner, type TurnRunner } from './turn-runner.js';

/** The conversation side as other plugins see it: the content it speaks, the error catalog, the turn runner. */
export interface ConversationService {
  content: Content;
  catalog: ErrorCatalog;
  runner: TurnRunner;
}

declare module 'fastify' {
  interface FastifyInstance {
    conversation: ConversationService;
  }
}

/** Loads content and the error catalog once, and builds the turn runner on storage and the ticket desk. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const content = loadContent(config.contentDir);
    const catalog = loadErrorCatalog(join(config.contentDir, 'catalog'));
    const runner = createTurnRunner({
      content,
      understand: createUnderstanding(catalog, createRunbookIndex(content.runbooks, catalog)),
      conversations: app.storage.conversations,
      tickets: app.ticketDesk.desk,
      logger: app.log,
    });
    app.decorate('conversation', { content, catalog, runner });
    app.addHook('preClose', async () => {
      await runner.idle();
    });
  },
  { name: 'conversation', dependencies: ['storage', 'ticket-desk'] },
);
