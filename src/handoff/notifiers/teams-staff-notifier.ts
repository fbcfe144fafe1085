import type { FastifyBaseLogger as Logger } from 'fastify';
import type { StaffTeamsConfig } from '../../config.js';
import type { Runbook } from '../../content/schema.js';
import { createKeyedQueue } from '../../keyed-queue.js';
import type { TeamsStaffPort } from './teams-staff-port.js';
import type { StaffCardText } from '../../content/staff-content.js';
import type { HandoffService, Ticket, TicketEvent } from '../handoff-service.js';
import { channelOf, threadIdFor, type StaffChannel, type StaffChannelStore, type TicketCardRef } from './staff-channel-store.js';
import { localizedChecks, ticketLocale } from '../ticket-facts.js';
import { displayUserName } from '../user-display-name.js';
import { buildTicketCard, staffNote, ticketSummaryText } from './ticket-card.js';

/** How long a captured channel is trusted before it is read again (another instance may have captured or forgotten it). */
const CHANNEL_CACHE_MS = 60_000;

export interface TeamsStaffNotifierDeps {
  config: StaffTeamsConfig;
  store: StaffChannelStore;
  port: TeamsStaffPort;
  handoff: HandoffService;
  runbooks: ReadonlyMap<string, Runbook>;
  /** The card's words in STAFF_TEAMS_LOCALE (content/staff-card.yaml). */
  text: StaffCardText;
  logger: Logger;
}

/**
 * The staff side of a ticket in Teams: a card per new ticket in the staff channel, kept up to date as the ticket
 * changes, and the employee's words mirrored into the card's thread. Work for one ticket runs in order.
 */
export function createTeamsStaffNotifier(deps: TeamsStaffNotifierDeps) {
  const { config, store, port, handoff } = deps;
  const log = deps.logger.child({ notifier: 'teams-staff' });
  const queue = createKeyedQueue<number>();
  let cached: { channel: StaffChannel | undefined; at: number } | undefined;

  async function channel(): Promise<StaffChannel | undefined> {
    if (config.channelId) {
      return { channelId: config.channelId, serviceUrl: config.serviceUrl, tenantId: config.tenantId, teamId: '', teamName: '', source: 'config' };
    }
    if (!cached || Date.now() - cached.at > CHANNEL_CACHE_MS) cached = { channel: await store.captured(), at: Date.now() };
    return cached.channel;
  }

  async function renderCard(ticket: Ticket) {
    const view = await handoff.get(ticket.id);
    const runbook = ticket.runbookId ? deps.runbooks.get(ticket.runbookId) : undefined;
    const current = view?.ticket ?? ticket;
    const input = {
      // Check titles as the employee read them, in the ticket's language.
      ticket: { ...current, checks: localizedChecks(current.checks, runbook, ticketLocale(current)) },
      assignee: view?.assignee ?? null,
      topic: runbook ? runbook.title[config.locale] : null,
      text: deps.text,
    };
    return { card: buildTicketCard(input), summary: ticketSummaryText(input) };
  }

  function thread(card: TicketCardRef) {
    return { conversationId: card.threadId, serviceUrl: card.serviceUrl, tenantId: card.tenantId };
  }

  async function postCard(ticket: Ticket): Promise<void> {
    const target = await channel();
    if (!target) {
      log.debug({ ticket: ticket.number }, 'no staff channel in Teams yet; no card posted');
      return;
    }
    const { card, summary } = await renderCard(ticket);
    const activityId = await port.postCard(
      { conversationId: target.channelId, serviceUrl: target.serviceUrl, tenantId: target.tenantId },
      card,
      summary,
    );
    await store.saveCard({
      ticketId: ticket.id,
      channelId: target.channelId,
      threadId: threadIdFor(target.channelId, activityId),
      activityId,
      serviceUrl: target.serviceUrl,
      tenantId: target.tenantId,
    });
    log.info({ ticket: ticket.number, activityId }, 'ticket card posted to the staff channel');
  }

  async function updateCard(ticket: Ticket): Promise<void> {
    const ref = await store.cardForTicket(ticket.id);
    if (!ref) return;
    const { card, summary } = await renderCard(ticket);
    await port.updateCard(thread(ref), ref.activityId, card, summary);
  }

  async function handle(event: TicketEvent, ticket: Ticket): Promise<void> {
    if (event.type === 'ticket.created') return postCard(ticket);
    if (event.type === 'ticket.message') {
      if (event.actor.kind !== 'user' || !event.text) return;
      const ref = await store.cardForTicket(ticket.id);
      if (!ref) return;
      await port.postInThread(thread(ref), staffNote(deps.text, { kind: 'employee', name: displayUserName(ticket, deps.text.guest), text: event.text }));
      return;
    }
    await updateCard(ticket);
  }

  /** Runs after the previous work of the same ticket; failures are logged, never thrown into the handoff service. */
  function enqueue(ticketId: number, work: () => Promise<void>): Promise<void> {
    return queue.run(ticketId, work).catch((err: unknown) => {
      log.error({ err, ticketId }, 'could not update the staff channel in Teams');
    });
  }

  return {
    channel,
    /** Subscribes to the handoff service; returns the unsubscribe function. */
    subscribe(): () => void {
      return handoff.onEvent((event, ticket) => {
        // Not awaited by design: a slow or unreachable Teams must not hold up the employee or the console.
        void enqueue(event.ticketId, () => handle(event, ticket));
      });
    },
    /** Redraws a ticket's card now (after a click that changed nothing, so the buttons are right again). */
    refresh(ticketId: number): Promise<void> {
      return enqueue(ticketId, async () => {
        const view = await handoff.get(ticketId);
        if (view) await updateCard(view.ticket);
      });
    },
    cardForConversation(conversationId: string): Promise<TicketCardRef | undefined> {
      return store.cardForThread(conversationId);
    },
    /** Remembers the team channel the bot was installed in, unless a channel is configured or already captured. */
    async capture(found: Omit<StaffChannel, 'source'>): Promise<boolean> {
      if (config.channelId) return false;
      const captured = await store.capture({ ...found, channelId: channelOf(found.channelId) });
      cached = undefined;
      if (captured) log.info({ teamId: found.teamId, teamName: found.teamName }, 'staff channel captured from the Teams installation');
      return captured;
    },
    async forgetTeam(teamId: string): Promise<void> {
      if (await store.forgetTeam(teamId)) log.info({ teamId }, 'bot removed from the staff team; staff channel forgotten');
      cached = undefined;
    },
    /** Waits for the Teams work already queued (used on shutdown). */
    idle(): Promise<void> {
      return queue.idle();
    },
  };
}

export type TeamsStaffNotifier = ReturnType<typeof createTeamsStaffNotifier>;
