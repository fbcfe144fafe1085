import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { loadStaffContent } from '../content/staff-content.js';
import { createStaffChannelStore } from '../handoff/notifiers/staff-channel-store.js';
import { createOutboxStore } from '../outbox/outbox-store.js';
import { createTeamsStaffNotifier, type TeamsStaffNotifier } from '../handoff/notifiers/teams-staff-notifier.js';
import { createTeamsStaffChannel } from './teams-staff-channel.js';
import { createTeamsStaffHandler } from './teams-staff-handler.js';

declare module 'fastify' {
  interface FastifyInstance {
    teamsStaff?: TeamsStaffNotifier;
  }
}

/**
 * The IT staff channel in Teams: ticket cards posted and kept current, Take / Resolve from the card, @mention
 * replies in a card's thread relayed to the employee. Works once a channel is configured (STAFF_TEAMS_CHANNEL_ID)
 * or captured from the bot's installation in a team; until then it only listens for that installation.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    const { adapter, logic } = app.bot;
    const { content } = app.conversation;
    const text = loadStaffContent(config.contentDir).staffCard[config.staffTeams.locale];
    const notifier = createTeamsStaffNotifier({
      config: config.staffTeams,
      store: createStaffChannelStore(app.storage.database),
      port: createTeamsStaffChannel(adapter, config.botFramework.MicrosoftAppId ?? ''),
      handoff: app.handoff,
      runbooks: content.runbooks,
      text,
      outbox: createOutboxStore(app.storage.database),
      retry: config.teamsRetry,
      logger: app.log,
    });
    app.decorate('teamsStaff', notifier);
    // Card work is written to the outbox with each ticket change and delivered from there (retried, durable).
    const removeSink = app.storage.tickets.addSink(notifier.sink);
    let stop: (() => Promise<void>) | undefined;
    app.addHook('onReady', async () => {
      stop = notifier.start();
    });
    const removeHandler = logic.use(createTeamsStaffHandler({ config: config.staffTeams, text, notifier, handoff: app.handoff, logger: app.log }));
    if (config.staffTeams.channelId) app.log.info({ channelId: config.staffTeams.channelId }, 'Teams staff channel configured');
    app.addHook('onClose', async () => {
      removeSink();
      removeHandler();
      await stop?.();
    });
  },
  { name: 'helpdesk-teams-staff', dependencies: ['storage', 'bot', 'conversation', 'handoff'] },
);
