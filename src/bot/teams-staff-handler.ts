import { ActivityTypes, TurnContext, type Activity } from 'botbuilder';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { StaffTeamsConfig } from '../config.js';
import type { StaffCardText } from '../content/staff-content.js';
import type { Agent, HandoffService } from '../handoff/handoff-service.js';
import { channelOf } from '../handoff/notifiers/staff-channel-store.js';
import type { TeamsStaffNotifier } from '../handoff/notifiers/teams-staff-notifier.js';
import { readStaffAction, staffNote, type StaffActionName } from '../handoff/notifiers/ticket-card.js';
import type { TurnExtension } from './helpdesk-bot.js';

function readObject(value: unknown, key: string): object | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const inner: unknown = Reflect.get(value, key);
  return typeof inner === 'object' && inner !== null ? inner : undefined;
}

function readString(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const inner: unknown = Reflect.get(value, key);
  return typeof inner === 'string' && inner !== '' ? inner : undefined;
}

/** Teams puts the team, channel and tenant in channelData; all of it is untrusted and may be missing. */
function readTeamsChannelData(activity: Activity) {
  const data: unknown = activity.channelData;
  const team = readObject(data, 'team');
  return {
    teamId: readString(team, 'id'),
    teamName: readString(team, 'name') ?? '',
    channelId: readString(readObject(data, 'channel'), 'id'),
    tenantId: readString(readObject(data, 'tenant'), 'id') ?? activity.conversation?.tenantId ?? '',
    eventType: readString(data, 'eventType'),
  };
}

function isConflict(err: unknown): boolean {
  return typeof err === 'object' && err !== null && Reflect.get(err, 'statusCode') === 409;
}

export interface TeamsStaffHandlerDeps {
  config: StaffTeamsConfig;
  /** The notes' words in STAFF_TEAMS_LOCALE (content/staff-card.yaml). */
  text: StaffCardText;
  notifier: TeamsStaffNotifier;
  handoff: HandoffService;
  logger: Logger;
}

/**
 * Takes the staff channel's activities away from the employee dialog: Take / Resolve clicks on ticket cards,
 * @mention replies in a card's thread (relayed to the employee), and the bot's installation in a team
 * (which captures the staff channel when none is configured).
 */
export function createTeamsStaffHandler(deps: TeamsStaffHandlerDeps): TurnExtension {
  const { config, notifier, handoff } = deps;
  const log = deps.logger.child({ handler: 'teams-staff' });

  /** The person behind a Teams activity as an agent: their console identity when STAFF_TEAMS_AGENTS maps them. */
  function agentOf(activity: Activity): Agent {
    const aad = activity.from?.aadObjectId?.toLowerCase();
    const mapped = aad ? config.agents.get(aad) : undefined;
    const id = mapped ?? `teams:${aad ?? activity.from?.id ?? 'unknown'}`;
    return { id, name: activity.from?.name?.trim() || mapped || id, via: 'teams' };
  }

  async function note(context: TurnContext, text: string): Promise<void> {
    await context.sendActivity({ type: ActivityTypes.Message, text, textFormat: 'plain' });
  }

  /**
   * Whether this agent may act on the ticket now; tells them in the thread when not. With `take`, a queued ticket
   * is claimed for them first (replying to a waiting ticket takes it).
   */
  async function mayAct(context: TurnContext, ticketId: number, agent: Agent, take: boolean): Promise<boolean> {
    const view = await handoff.get(ticketId);
    if (!view) {
      await note(context, staffNote(deps.text, { kind: 'no-ticket' }));
      return false;
    }
    const { ticket, assignee } = view;
    if (ticket.status === 'resolved' || ticket.status === 'cancelled') {
      await note(context, staffNote(deps.text, { kind: 'closed', ticket: ticket.number }));
      return false;
    }
    if (ticket.status === 'assigned' && assignee && assignee.id !== agent.id) {
      await note(context, staffNote(deps.text, { kind: 'taken-by-other', ticket: ticket.number, name: assignee.name }));
      return false;
    }
    if (take && ticket.status === 'queued') await handoff.claim(ticketId, agent);
    return true;
  }

  async function onCardAction(context: TurnContext, action: StaffActionName, ticketId: number, agent: Agent): Promise<void> {
    if (!(await mayAct(context, ticketId, agent, action === 'take'))) {
      await notifier.refresh(ticketId);
      return;
    }
    // Resolving a waiting ticket needs no claim first: the service records who closed it.
    if (action === 'resolve') await handoff.resolve(ticketId, agent);
    log.info({ ticketId, action, agent: agent.id }, 'ticket action from the Teams staff channel');
  }

  async function onReply(context: TurnContext, text: string, agent: Agent): Promise<void> {
    const card = await notifier.cardForConversation(context.activity.conversation.id);
    if (!card) {
      await note(context, staffNote(deps.text, { kind: 'no-ticket' }));
      return;
    }
    if (!(await mayAct(context, card.ticketId, agent, true))) return;
    await handoff.postAgentMessage(card.ticketId, agent, text);
  }

  async function onStaffMessage(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const agent = agentOf(activity);
    try {
      const action = readStaffAction(activity.value);
      if (action) return await onCardAction(context, action.action, action.ticketId, agent);
      const text = (activity.recipient?.id ? TurnContext.removeRecipientMention(activity) : activity.text) ?? '';
      const clean = text.replace(/<at>[^<]*<\/at>/g, '').trim();
      if (clean !== '') await onReply(context, clean, agent);
    } catch (err) {
      if (!isConflict(err)) {
        log.error({ err, agent: agent.id }, 'staff channel activity failed');
        await note(context, staffNote(deps.text, { kind: 'failed' }));
        return;
      }
      // Someone else was faster (or the employee cancelled): say who has it now, and redraw the card.
      log.info({ agent: agent.id }, 'staff action refused: the ticket changed meanwhile');
      const ticketId = readStaffAction(activity.value)?.ticketId ?? (await notifier.cardForConversation(activity.conversation.id))?.ticketId;
      const view = ticketId ? await handoff.get(ticketId) : undefined;
      if (view?.assignee && view.ticket.status === 'assigned') {
        await note(context, staffNote(deps.text, { kind: 'taken-by-other', ticket: view.ticket.number, name: view.assignee.name }));
      } else if (view) {
        await note(context, staffNote(deps.text, { kind: 'closed', ticket: view.ticket.number }));
      } else {
        await note(context, staffNote(deps.text, { kind: 'failed' }));
      }
      if (ticketId) await notifier.refresh(ticketId);
    }
  }

  /** The bot added to or removed from a team: remember (or forget) that team's channel as the staff channel. */
  async function onInstallation(context: TurnContext): Promise<boolean> {
    const activity = context.activity;
    const data = readTeamsChannelData(activity);
    if (!data.teamId) return false;
    const botId = activity.recipient?.id;
    const added =
      (activity.type === ActivityTypes.InstallationUpdate && (activity.action === 'add' || activity.action === 'add-upgrade')) ||
      (activity.type === ActivityTypes.ConversationUpdate && (activity.membersAdded ?? []).some((m) => m.id === botId));
    const removed =
      (activity.type === ActivityTypes.InstallationUpdate && (activity.action === 'remove' || activity.action === 'remove-upgrade')) ||
      (activity.type === ActivityTypes.ConversationUpdate && (activity.membersRemoved ?? []).some((m) => m.id === botId));
    if (removed) {
      await notifier.forgetTeam(data.teamId);
      return true;
    }
    if (!added) return false;
    // Only IT may turn a team into the staff channel: an employee adding the app to their own team must never start
    // receiving every ticket. The installer must be a known staff member, in the configured tenant when there is one.
    const installer = typeof activity.from?.aadObjectId === 'string' ? activity.from.aadObjectId.toLowerCase() : '';
    const trusted = installer !== '' && config.agents.has(installer);
    const rightTenant = !config.tenantId || config.tenantId === data.tenantId;
    if (!trusted || !rightTenant) {
      log.warn(
        { teamId: data.teamId, trusted, rightTenant },
        'the app was added to a team by someone who is not IT staff (STAFF_TEAMS_AGENTS); not using it as the staff channel',
      );
      return true;
    }
    const channelId = channelOf(data.channelId ?? activity.conversation.id);
    const captured = await notifier.capture({
      channelId,
      serviceUrl: activity.serviceUrl,
      tenantId: data.tenantId,
      teamId: data.teamId,
      teamName: data.teamName,
    });
    if (captured) {
      await note(
        context,
        config.locale === 'ja'
          ? 'このチャネルを IT スタッフ用チャネルとして登録しました。新しいチケットはここにカードで届きます。'
          : 'This channel is now the IT staff channel: new tickets will arrive here as cards.',
      );
    }
    return true;
  }

  return {
    async intercept(context) {
      const activity = context.activity;
      if (activity.channelId !== 'msteams') return false;
      if (activity.type === ActivityTypes.InstallationUpdate || activity.type === ActivityTypes.ConversationUpdate) {
        if (await onInstallation(context)) return true;
      }
      const staff = await notifier.channel();
      if (!staff) return false;
      const data = readTeamsChannelData(activity);
      const inStaffChannel = channelOf(activity.conversation?.id ?? '') === staff.channelId || data.channelId === staff.channelId;
      if (!inStaffChannel) return false;
      if (activity.type === ActivityTypes.Message) await onStaffMessage(context);
      return true;
    },
  };
}
