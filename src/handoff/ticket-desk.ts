import fp from 'fastify-plugin';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { CheckRecord, ErrorRef, EscalationReason, ItStep, Locale, QueueFacts, TicketAction } from '../../dialogs/types.js';
import type { TranscriptEntry } from '../storage/conversation-store.js';
import { ticketIdFromNumber, type ChangeResult, type Ticket, type TicketActor, type TicketEvent, type TicketStore } from '../storage/ticket-store.js';
import type { EventBus } from '../storage/event-bus.js';
import { availability, type BusinessHours } from './business-hours.js';

/** A ticket the machine asked for: who, why, and what was learned so far. */
export interface TicketRequest {
  conversationId: string;
  reason: EscalationReason;
  user: { id: string; name: string; email?: string | undefined };
  channelId: string;
  locale: Locale;
  error: ErrorRef | null;
  runbookId: string | null;
  checks: CheckRecord[];
  /** The runbook's IT-only checks: next steps for IT. */
  itSteps?: ItStep[] | undefined;
  /** The employee's own words about the problem (intake sentence, out-of-scope message), when any. */
  description?: string | null | undefined;
}

/** The ticket side of a conversation, given to the turn runner when it is built. */
export interface TicketDesk {
  /** The conversation's ticket while it is open (queued or assigned), to resume it after a restart. */
  openTicketOf(conversationId: string): Promise<{ number: string; agentName: string | null } | undefined>;
  /** Creates the ticket with the transcript so far; queue facts are left out when they cannot be computed. */
  openTicket(request: TicketRequest, transcript: TranscriptEntry[]): Promise<{ ticket: Ticket; queue: QueueFacts | undefined }>;
  /** Announces a created ticket once the turn that created it is saved. */
  ticketOpened(ticket: Ticket): Promise<void>;
  /** The employee's action on their ticket (note, cancel, leave, solved, rating), after the turn is saved. */
  ticketAction(ticketNumber: string, action: TicketAction, user: { id: string; name: string }): Promise<void>;
}

export type TicketListener = (event: TicketEvent, ticket: Ticket) => void | Promise<void>;

/** A ticket change as the bus carries it: which ticket, which event (the receiver reads both from the database). */
interface TicketNotice {
  o: string;
  t: number;
  type: string;
  at: string;
}

function readTicketNotice(payload: string): TicketNotice | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    if (typeof value !== 'object' || value === null) return undefined;
    const o: unknown = Reflect.get(value, 'o');
    const t: unknown = Reflect.get(value, 't');
    const type: unknown = Reflect.get(value, 'type');
    const at: unknown = Reflect.get(value, 'at');
    if (typeof o !== 'string' || typeof t !== 'number' || typeof type !== 'string' || typeof at !== 'string') return undefined;
    return { o, t, type, at };
  } catch {
    return undefined;
  }
}

/**
 * Who hears about ticket changes. Listeners of this instance hear its own changes (the Teams staff channel, the
 * webhook dispatcher: one instance acts on a change, once). Listeners `everyInstance` (the agents' live consoles)
 * also hear the changes made on other instances, through the bus.
 */
export function createTicketEvents(logger: Logger, shared?: { bus: EventBus; tickets: TicketStore }) {
  const listeners = new Set<TicketListener>();
  const everywhere = new Set<TicketListener>();

  async function tell(set: Iterable<TicketListener>, event: TicketEvent, ticket: Ticket): Promise<void> {
    for (const listener of [...set]) {
      try {
        await listener(event, ticket);
      } catch (err) {
        logger.error({ err, ticket: ticket.number, event: event.type }, 'a ticket event listener failed');
      }
    }
  }

  if (shared) {
    const { bus, tickets } = shared;
    bus.subscribe('hd_tickets', (payload) => {
      const notice = readTicketNotice(payload);
      if (!notice || notice.o === bus.instanceId || everywhere.size === 0) return;
      void (async () => {
        const [ticket, events] = await Promise.all([tickets.get(notice.t), tickets.events(notice.t)]);
        const event = events.findLast((e) => e.type === notice.type && e.at === notice.at);
        if (ticket && event) await tell(everywhere, event, ticket);
      })().catch((err: unknown) => logger.warn({ err, ticketId: notice.t }, 'a ticket change from another instance could not be read'));
    });
  }

  return {
    /** Tells every listener, one after another; a failing listener is logged and the others still hear. */
    async emit(event: TicketEvent, ticket: Ticket): Promise<void> {
      await tell([...listeners, ...everywhere], event, ticket);
      if (!shared) return;
      const notice: TicketNotice = { o: shared.bus.instanceId, t: ticket.id, type: event.type, at: event.at };
      await shared.bus.publish('hd_tickets', JSON.stringify(notice)).catch((err: unknown) => {
        logger.warn({ err, ticket: ticket.number }, 'other instances could not be told about a ticket change');
      });
    },
    /** Subscribes (this instance's changes, or every instance's); returns the unsubscribe function. */
    on(listener: TicketListener, opts: { everyInstance?: boolean } = {}): () => void {
      const set = opts.everyInstance ? everywhere : listeners;
      set.add(listener);
      return () => set.delete(listener);
    },
  };
}

export type TicketEvents = ReturnType<typeof createTicketEvents>;

export interface TicketDeskDeps {
  tickets: TicketStore;
  events: TicketEvents;
  businessHours: BusinessHours;
  logger: Logger;
}

/** The employee's side of tickets, as the turn runner needs it: open one, resume it, act on it. */
export function createTicketDesk(deps: TicketDeskDeps): TicketDesk {
  const { tickets, events } = deps;

  async function queueFacts(ticket: Ticket): Promise<QueueFacts> {
    const [position, waitSeconds] = await Promise.all([tickets.queuePosition(ticket), tickets.recentWaitSeconds()]);
    const open = availability(deps.businessHours, new Date());
    return {
      position,
      waitMinutes: waitSeconds === null ? null : Math.max(1, Math.ceil(waitSeconds / 60)),
      openNow: open.openNow,
      nextOpen: open.nextOpen,
    };
  }

  async function employeeAction(ticketNumber: string, action: TicketAction, user: { id: string; name: string }): Promise<void> {
    const ticketId = ticketIdFromNumber(ticketNumber);
    if (ticketId === undefined) return;
    const actor: TicketActor = { kind: 'user', id: user.id, name: user.name || user.id };
    const now = new Date().toISOString();
    let result: { event: TicketEvent; ticket: Ticket | undefined } | undefined;
    const changed = (change: ChangeResult) => (change.ok ? change : undefined);
    switch (action.kind) {
      case 'note':
        // Whatever the ticket's state, the words are kept and shown to staff: never dropped.
        result = await tickets.record(ticketId, { type: 'ticket.message', actor, text: action.text });
        break;
      case 'cancel':
      case 'leave':
        result = changed(
          await tickets.change(ticketId, {
            from: ['queued', 'assigned'],
            set: { status: 'cancelled', closed_at: now },
            event: {
              type: 'ticket.cancelled',
              actor,
              text: action.kind === 'leave' ? 'The employee went back to the bot.' : 'The employee cancelled the request.',
            },
          }),
        );
        break;
      case 'solved':
        result = action.solved
          ? await tickets.record(ticketId, { type: 'ticket.rated', actor, text: 'Problem solved: yes' }, { solved: 1 })
          : changed(
              await tickets.change(ticketId, {
                from: ['resolved'],
                set: { status: 'queued', solved: 0, assignee_id: null, assignee_name: null, assigned_at: null, closed_at: null, queued_at: now },
                event: { type: 'ticket.reopened', actor, text: 'Problem solved: no' },
              }),
            );
        break;
      case 'rate':
        result = await tickets.record(ticketId, { type: 'ticket.rated', actor, text: `Satisfaction: ${action.rating}/5` }, { rating: action.rating });
        break;
    }
    if (result?.ticket) await events.emit(result.event, result.ticket);
  }

  return {
    async openTicketOf(conversationId) {
      const ticket = await tickets.latestForConversation(conversationId);
      if (!ticket || (ticket.status !== 'queued' && ticket.status !== 'assigned')) return undefined;
      return { number: ticket.number, agentName: ticket.status === 'assigned' ? (ticket.assignee?.name ?? '') : null };
    },

    async openTicket(request, transcript) {
      const ticket = await tickets.create({
        conversationId: request.conversationId,
        reason: request.reason,
        userId: request.user.id,
        userName: request.user.name,
        userEmail: request.user.email ?? null,
        channelId: request.channelId,
        locale: request.locale,
        error: request.error,
        runbookId: request.runbookId,
        checks: request.checks,
        itSteps: request.itSteps,
        description: request.description,
        transcript,
      });
      try {
        return { ticket, queue: await queueFacts(ticket) };
      } catch (err) {
        deps.logger.warn({ err, conversationId: request.conversationId }, 'queue facts unavailable; the ticket is created without them');
        return { ticket, queue: undefined };
      }
    },

    async ticketOpened(ticket) {
      const created = (await tickets.events(ticket.id)).find((event) => event.type === 'ticket.created');
      if (created) await events.emit(created, (await tickets.get(ticket.id)) ?? ticket);
    },

    ticketAction: employeeAction,
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    ticketDesk: { desk: TicketDesk; events: TicketEvents };
  }
}

/** Tickets for the conversation side (open, resume, act) and the event stream everyone else listens to. */
export const ticketDeskPlugin = fp<{ businessHours: BusinessHours }>(
  async (app, opts) => {
    const events = createTicketEvents(app.log.child({ module: 'handoff' }), { bus: app.storage.bus, tickets: app.storage.tickets });
    const desk = createTicketDesk({ tickets: app.storage.tickets, events, businessHours: opts.businessHours, logger: app.log });
    app.decorate('ticketDesk', { desk, events });
  },
  { name: 'ticket-desk', dependencies: ['storage'] },
);
