import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { createAdapter, type HelpdeskAdapter } from './create-adapter.js';
import { createHandoffEventExtension } from './handoff-event.js';
import { createHelpdeskBot } from './helpdesk-bot.js';
import { messagesRoute } from './messages-route.js';
import { createTeamsCardLocks } from './teams-card-locks.js';
import { createTurnErrorHandler, type TurnErrorHandler } from './turn-error.js';

/** The bot as other plugins see it: the Bot Connector adapter, the turn logic every channel runs, the turn-error handler. */
export interface Bot {
  adapter: HelpdeskAdapter;
  logic: ReturnType<typeof createHelpdeskBot>;
  onTurnError: TurnErrorHandler;
}

declare module 'fastify' {
  interface FastifyInstance {
    bot: Bot;
  }
}

/** The Bot Framework side: CloudAdapter behind /api/messages, and the turn logic with its extensions. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    if (!config.botFramework.MicrosoftAppId) {
      app.log.warn(
        'MicrosoftAppId is empty: /api/messages runs in local mode WITHOUT channel authentication. ' +
          'Fine for the Emulator and tests on 127.0.0.1; set MicrosoftAppId/MicrosoftAppPassword before exposing the bot.',
      );
    }
    const onTurnError = createTurnErrorHandler(app.conversation.content.messages, app.log);
    const adapter = createAdapter(config.botFramework, onTurnError, app.log, config.channelTimeoutMs);
    const logic = createHelpdeskBot(app.conversation.runner, app.log, config.typingDelayMs);
    logic.use(createHandoffEventExtension(config.handoffEventEnabled, app.log));
    logic.use(createTeamsCardLocks(app.log));
    app.decorate('bot', { adapter, logic, onTurnError });
    await app.register(messagesRoute, { adapter, logic });
  },
  { name: 'bot', dependencies: ['conversation'] },
);
