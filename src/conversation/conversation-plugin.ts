import { join } from 'node:path';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { checkContent } from '../content/check-content.js';
import { contentCheckDeps } from '../understanding/content-check-deps.js';
import { createContentHolder, type Content, type ContentHolder, type ReloadResult } from '../content/load-content.js';
import { loadErrorCatalog, type ErrorCatalog } from '../understanding/error-catalog.js';
import { createRunbookIndex } from '../understanding/runbook-index.js';
import { createUnderstanding } from '../understanding/understand.js';
import { runCommitWork, transact } from '../storage/unit-of-work.js';
import { createTurnRunner, type TurnRunner } from './turn-runner.js';

/** The conversation side as other plugins see it: the content it speaks, the error catalog, the turn runner. */
export interface ConversationService {
  /** The loaded content; its runbooks and messages change in place when the content is reloaded. */
  content: Content;
  contentHolder: ContentHolder;
  /** Checks the content files like `npm run content:check` and swaps them in (SIGHUP, the admin's button); on failure the old content stays. */
  reloadContent(source: string): ReloadResult;
  catalog: ErrorCatalog;
  runner: TurnRunner;
}

declare module 'fastify' {
  interface FastifyInstance {
    conversation: ConversationService;
  }
}

/** Loads content and the error catalog, and builds the turn runner on storage and the ticket desk. Content reloads without a restart. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const catalog = loadErrorCatalog(join(config.contentDir, 'catalog'));
    const contentHolder = createContentHolder(config.contentDir, { check: (dir) => checkContent(dir, contentCheckDeps(catalog)).faults });
    const { content } = contentHolder;
    // The runbook index is derived from the runbooks: rebuilt on each reload, read by the next turn.
    let understand = createUnderstanding(catalog, createRunbookIndex(content.runbooks, catalog));
    contentHolder.onReload((next) => {
      understand = createUnderstanding(catalog, createRunbookIndex(next.runbooks, catalog));
    });
    const reloadContent = (source: string): ReloadResult => {
      const result = contentHolder.reload();
      if (result.ok) app.log.info({ source, runbooks: result.runbooks, hash: result.hash, changed: result.changed }, 'content reloaded');
      else app.log.error({ source, faults: result.faults }, 'content NOT reloaded: the previous content stays in use');
      return result;
    };
    const { database } = app.storage;
    const runner = createTurnRunner({
      transact: (work) => transact(database.db, work),
      commitWork: runCommitWork,
      content,
      understand: (utterance) => understand(utterance),
      conversations: app.storage.conversations,
      tickets: app.ticketDesk.desk,
      logger: app.log,
    });
    app.decorate('conversation', { content, contentHolder, reloadContent, catalog, runner });
    app.addHook('preClose', async () => {
      await runner.idle();
    });
  },
  { name: 'conversation', dependencies: ['storage', 'ticket-desk'] },
);
