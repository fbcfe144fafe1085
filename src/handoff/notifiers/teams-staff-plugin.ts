import fp from 'fastify-plugin';
import { createTeamsStaffChannel } from '../../bot/teams-staff-channel.js';
import { createTeamsStaffHandler } from '../../bot/teams-staff-handler.js';
import { createStaffChannelStore } from './staff-channel-store.js';
import { createTeamsStaffNotifier, type TeamsStaffNotifier } from './teams-staff-notifier.js';

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
export default fp(
  async (app) => {
    if (!app.hasDecorator('handoff')) {
      app.log.warn('the handoff service is not registered; the Teams staff channel is off');
      return;
    }
    const { config, adapter, content, logic } = app.helpdesk;
    const notifier = createTeamsStaffNotifier({
      config: config.staffTeams,
      store: createStaffChannelStore(app.storage.database),
      port: createTeamsStaffChannel(adapter, config.botFramework.MicrosoftAppId ?? ''),
      handoff: app.handoff,
      runbooks: content.runbooks,
      logger: app.log,
    });
    app.decorate('teamsStaff', notifier);
    const unsubscribe = notifier.subscribe();
    const removeHandler = logic.use(createTeamsStaffHandler({ config: config.staffTeams, notifier, handoff: app.handoff, logger: app.log }));
    if (config.staffTeams.channelId) app.log.info({ channelId: config.staffTeams.channelId }, 'Teams staff channel configured');
    app.addHook('onClose', async () => {
      unsubscribe();
      removeHandler();
      await notifier.idle();
    });
  },
  { name: 'helpdesk-teams-staff' },
);
