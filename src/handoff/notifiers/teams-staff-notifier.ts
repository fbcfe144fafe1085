import type { FastifyBaseLogger as Logger } from 'fastify';
import type { StaffTeamsConfig } from '../../config.js';
import type { Runbook } from '../../content/schema.js';
import { createKeyedQueue } from '../../keyed-queue.js';
import { createOutboxDispatcher } from '../../outbox/outbox-dispatcher.js';
import { writeOutboxEntry, type OutboxStore } from '../../outbox/outbox-store.js';
import type { TicketEventSink } from '../../storage/ticket-store.js';
import { randomUUID } from 'node:crypto';
import type { TeamsStaffPort } from './teams-staff-port.js';
import type { StaffCardText } from '../../content/staff-content.js';
import type { HandoffService, Ticket, TicketEvent } from '../handoff-service.js';
import { channelOf, threadIdFor, type StaffChannel, type StaffChannelStore, type TicketCardRef } from './staff-channel-store.js';
import { localizedChecks, ticketLocale } from '../ticket-facts.js';
import { displayUserName } from '../user-display-name.js';
import { buildTicketCard, staffNote, ticketSummaryText } from './ticket-card.js';

/** How long a captured channel is trusted before it is read again (another instance may have captured or forgotten it). */
const CHANNEL_CACHE_MS = 60_000;

/** The outbox topic of the staff channel's work: one row per ticket event that changes what Teams shows. */
export const TEAMS_STAFF_TOPIC = 'teams-staff';
/** A row is leased to one instance this long while it talks to the Bot Connector (several calls at CHANNEL_TIMEOUT_MS). */
const LEASE_MS = 60_000;

function readEvent(payload: string): TicketEvent {
  // Written by the sink below from a stored TicketEvent; nothing else writes this topic.
  return JSON.parse(payload) as TicketEvent;
}

export interface TeamsStaffNotifierDeps {
  config: StaffTeamsConfig;
  store: StaffChannelStore;
  port: TeamsStaffPort;
  handoff: HandoffService;
  runbooks: ReadonlyMap<string, Runbook>;
  /** The card's words in STAFF_TEAMS_LOCALE (content/staff-card.yaml). */
  text: StaffCardText;
  outbox: OutboxStore;
  retry: { baseMs: number; maxMs: number };
  logger: Logger;
}

/**
 * The staff side of a ticket in Teams: a card per new ticket in the staff channel, kept up to date as the ticket
 * changes, and the employee's words mirrored into the card's thread. Each ticket event that Teams must show is an
 * outbox row written with the ticket change, so the work for one ticket runs in order, is retried with backoff
 * while the Bot Connector is down, and survives restarts (any instance may pick it up).
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
    // A retry after the post went through but before it was marked done must not post a second card.
    if (await store.cardForTicket(ticket.id)) return updateCard(ticket);
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

  /** Events Teams shows nothing for: notes and IT's own messages (they were written in Teams or the console). */
  function shown(event: TicketEvent): boolean {
    return event.type !== 'ticket.message' || (event.actor.kind === 'user' && Boolean(event.text));
  }

  /** Is there a staff channel to write to? Read in the ticket change's transaction when the cache is stale. */
  async function hasChannel(): Promise<boolean> {
    return (await channel()) !== undefined;
  }

  /** The ticket store's sink: one row per event Teams must show, in the ticket change's own transaction. */
  const sink: TicketEventSink = async (trx, event) => {
    if (!shown(event)) return;
    // No channel yet: nothing will be shown, and the rows would only pile up.
    if (!(await hasChannel())) return;
    await writeOutboxEntry(trx, {
      eventId: randomUUID(),
      topic: TEAMS_STAFF_TOPIC,
      ticketId: event.ticketId,
      eventType: event.type,
      payload: JSON.stringify(event),
    });
  };

  const dispatcher = createOutboxDispatcher({
    store: deps.outbox,
    topic: TEAMS_STAFF_TOPIC,
    label: 'Teams staff card',
    retryBaseMs: deps.retry.baseMs,
    retryMaxMs: deps.retry.maxMs,
    leaseMs: LEASE_MS,
    logger: log,
    async send(entry) {
      const event = readEvent(entry.payload);
      const view = await handoff.get(event.ticketId);
      if (!view) return;
      // The card shows the ticket as it is now: a late retry draws the latest state, never an old one. A refusal
      // from the Bot Connector carries its HTTP status, which tells the dispatcher whether to try again.
      await queue.run(event.ticketId, () => handle(event, view.ticket));
    },
  });

  /** Runs after the previous work of the same ticket; failures are logged, never thrown into the handoff service. */
  function enqueue(ticketId: number, work: () => Promise<void>): Promise<void> {
    return queue.run(ticketId, work).catch((err: unknown) => {
      log.error({ err, ticketId }, 'could not update the staff channel in Teams');
    });
  }

  return {
    channel,
    sink,
    /** Starts delivering (also what earlier runs left pending); wakes up on every ticket event. Returns the stop. */
    start(): () => Promise<void> {
      const unsubscribe = handoff.onEvent(() => dispatcher.wake());
      dispatcher.start();
      return async () => {
        unsubscribe();
        await dispatcher.stop();
        await queue.idle();
      };
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
  };
}

export type TeamsStaffNotifier = ReturnType<typeof createTeamsStaffNotifier>;
