import websocket from '@fastify/websocket';
import fp from 'fastify-plugin';
import { message } from '../../../dialogs/format.js';
import { DirectLineAdapter } from '../../bot/directline-adapter.js';
import { localeFromTag } from '../../understanding/detect-locale.js';
import type { Config } from '../../config.js';
import { directLineRoutes } from './directline-routes.js';
import { resolveDirectLineSecret } from './directline-secret.js';
import { createDirectLineService, newConversationId } from './directline-service.js';
import { createDirectLineStore, type BotSideActivity } from './directline-store.js';
import { createTokenIssuer } from './directline-tokens.js';
import { createRateLimiter } from './rate-limiter.js';
import { createInboxStore } from './inbox-store.js';

export type { BotSideActivity, DirectLineAttachment, DirectLineCardAction } from './directline-store.js';

/** The self-hosted Direct Line 3.0 channel as seen from other plugins. */
export interface DirectLine {
  /**
   * Appends a bot-side activity to a Direct Line conversation's stored history and pushes it to every open socket
   * of that conversation. Resolves to the server-assigned activity id. Rejects with HD_ERR_NOT_FOUND when the
   * conversation does not exist.
   */
  postBotActivity(conversationId: string, activity: BotSideActivity): Promise<string>;
  /** True when the conversation was started through this Direct Line (so a `webchat:` conversation key is ours). */
  hasConversation(conversationId: string): Promise<boolean>;
  /** The bot adapter whose replies and proactive messages land in this Direct Line. */
  adapter: DirectLineAdapter;
  /**
   * A token for a new conversation of this user, as tokens/generate gives (used by the widget's token endpoint); or,
   * with `resume`, for that existing conversation when it belongs to the same user.
   */
  issueToken(
    user: { id: string; name: string; email?: string },
    resume?: string,
  ): Promise<{ conversationId: string; token: string; expiresIn: number; resumed: boolean }>;
}

declare module 'fastify' {
  interface FastifyInstance {
    directline: DirectLine;
  }
}

/** Bot identity on Direct Line activities. */
const BOT_NAME = 'Helpdesk';

/**
 * The self-hosted Direct Line 3.0: tokens, conversations, history in storage, the WebSocket stream, and the Direct
 * Line adapter that runs the same turn logic as /api/messages and writes its replies straight into the history.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const secret = resolveDirectLineSecret(config.directline.secret, config.dataDir, app.log);
    const tokens = createTokenIssuer(secret, config.directline.tokenMaxLifetimeSeconds);
    const { database, bus } = app.storage;
    const store = createDirectLineStore(database, {
      notify: ({ conversationId, seq }) => bus.publish('hd_directline', JSON.stringify({ c: conversationId, s: seq })),
    });
    const appId = config.botFramework.MicrosoftAppId ?? '';
    const bot = { id: appId || 'helpdesk-bot', name: config.webchat.title || BOT_NAME };
    const { logic, onTurnError } = app.bot;
    const service = createDirectLineService({
      store,
      database,
      inbox: createInboxStore(database),
      bus,
      log: app.log,
      bot,
      runTurn: (inbound) => adapter.processInbound(inbound, logic),
      unavailableText: (locale) => message(app.conversation.content.messages, 'storageUnavailable', localeFromTag(locale) ?? 'ja'),
    });
    const adapter = new DirectLineAdapter({
      sink: {
        deliver: (conversationId, reply) => service.deliverFromBot(conversationId, reply),
        update: (conversationId, activityId, reply) => service.updateFromBot(conversationId, activityId, reply),
      },
      bot,
      serviceUrl: `${config.directline.streamBaseUrl || config.publicUrl}/v3/directline`,
      onTurnError,
    });

    // Shutdown: new messages get 503 (fastify, while closing), turns in flight finish and commit, then the sockets
    // close with 1012 (service restart) so Web Chat reconnects, through the load balancer, to another instance.
    app.addHook('preClose', async () => {
      await service.drain();
    });
    await app.register(websocket, {
      options: { maxPayload: 64 * 1024 },
      preClose(done) {
        const server = this.websocketServer;
        for (const client of server.clients) client.close(1012, 'the service is restarting; reconnect');
        server.close(() => done());
      },
    });
    // Anything a dead instance accepted but never answered is taken over once its lease lapses.
    app.addHook('onReady', async () => {
      service.startSweeping();
    });

    const directline: DirectLine = {
      adapter,
      postBotActivity: (conversationId, activity) => service.postBotActivity(conversationId, activity),
      hasConversation: async (conversationId) => (await store.getConversation(conversationId)) !== undefined,
      issueToken: async (user, resume) => {
        const existing = resume ? await store.getConversation(resume) : undefined;
        const resumed = existing !== undefined && existing.user.id === user.id;
        const conversationId = resumed && resume ? resume : newConversationId();
        const issued = await tokens.issue({ conversationId, user });
        return { conversationId, token: issued.token, expiresIn: issued.expiresIn, resumed };
      },
    };
    app.decorate('directline', directline);

    await app.register(directLineRoutes, {
      service,
      tokens,
      secret,
      streamBaseUrl: config.directline.streamBaseUrl,
      postLimiter: createRateLimiter(app.storage.database, { scope: 'directline-post', max: config.directline.activitiesPerMinute, windowMs: 60_000 }),
      allowedOrigins: config.webchat.allowedOrigins,
      defaultLocale: 'ja-JP',
    });
  },
  { name: 'directline', dependencies: ['storage', 'conversation', 'bot'] },
);
