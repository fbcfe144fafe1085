import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { QueueFacts, StaffEvent, TicketAction } from '../../dialogs/types.js';
import { createProactiveDelivery } from '../bot/proactive-delivery.js';
import type { TranscriptEntry } from '../storage/conversation-store.js';
import { ticketIdFromNumber, type Ticket, type TicketStatus } from '../storage/ticket-store.js';
import { HdErrors } from '../errors.js';
import { availability } from './business-hours.js';
import { createOutputDelivery } from './deliver-outputs.js';
import type { Agent, HandoffService, TicketActor, TicketEvent, TicketSummary, TicketView } from './handoff-service.js';
import { createTicketLifecycle, type ChangeResult } from './ticket-lifecycle.js';

export const MAX_AGENT_MESSAGE = 4000;

type Listener = (event: TicketEvent, ticket: Ticket) => void | Promise<void>;

function agentActor(agent: Agent): TicketActor {
  return { kind: 'agent', id: agent.id, name: agent.name };
}

export function summarise(ticket: Ticket, now: number): TicketSummary {
  const waiting = ticket.status === 'queued' ? Math.max(0, Math.round((now - Date.parse(ticket.queuedAt)) / 1000)) : null;
  return {
    id: ticket.id,
    number: ticket.number,
    status: ticket.status,
    userName: ticket.userName,
    channelId: ticket.channelId,
    locale: ticket.locale,
    error: ticket.error,
    failedChecks: ticket.checks.filter((c) => c.outcome !== 'fixed' && c.outcome !== 'not_run').map((c) => c.title),
    assignee: ticket.assignee,
    createdAt: ticket.createdAt,
    updatedAt: ticket.updatedAt,
    waitingSeconds: waiting,
  };
}

/**
 * The handoff service: the ticket lifecycle (queued → assigned → resolved, reopen, cancel), the live relay between
 * the employee and IT staff, and the event stream the console, the Teams staff channel and the webhook listen to.
 */
async function handoffPlugin(app: FastifyInstance): Promise<void> {
  const { config, runner, adapter } = app.helpdesk;
  const { tickets, conversations } = app.storage;
  const lifecycle = createTicketLifecycle(app.storage.database, tickets);
  const deliver = createOutputDelivery(app, createProactiveDelivery(adapter, config.botFramework.MicrosoftAppId ?? '', app.log));
  const listeners = new Set<Listener>();
  const log = app.log.child({ module: 'handoff' });

  async function emit(event: TicketEvent, ticket: Ticket): Promise<void> {
    for (const listener of [...listeners]) {
      try {
        await listener(event, ticket);
      } catch (err) {
        log.error({ err, ticket: ticket.number, event: event.type }, 'a ticket event listener failed');
      }
    }
  }

  /** Sends a staff event into the employee's conversation and delivers what the bot says. Never throws. */
  async function relay(ticket: Ticket, event: StaffEvent, transcript?: TranscriptEntry[]): Promise<void> {
    try {
      const result = await runner.dispatch(ticket.conversationId, event, transcript ? { transcript } : {});
      await deliver(result);
    } catch (err) {
      log.error({ err, ticket: ticket.number, event: event.type }, 'could not reach the employee (the message is kept in the transcript)');
    }
  }

  async function requireTicket(ticketId: number): Promise<Ticket> {
    const ticket = await tickets.get(ticketId);
    if (!ticket) throw new HdErrors.NOT_FOUND(`ticket ${ticketId} does not exist`);
    return ticket;
  }

  function conflict(result: ChangeResult, ticketId: number, doing: string): never {
    const ticket = result.ok ? undefined : result.ticket;
    if (!ticket) throw new HdErrors.NOT_FOUND(`ticket ${ticketId} does not exist`);
    const holder = ticket.status === 'assigned' && ticket.assignee ? ` (taken by ${ticket.assignee.name})` : '';
    throw new HdErrors.CONFLICT(`${ticket.number} cannot be ${doing} now: it is ${ticket.status}${holder}`);
  }

  const service: HandoffService = {
    async claim(ticketId, agent) {
      const result = await lifecycle.change(ticketId, {
        from: ['queued'],
        set: { status: 'assigned', assignee_id: agent.id, assignee_name: agent.name, assigned_at: new Date().toISOString() },
        event: { type: 'ticket.assigned', actor: agentActor(agent) },
      });
      if (!result.ok) conflict(result, ticketId, 'taken');
      log.info({ ticket: result.ticket.number, agent: agent.id, via: agent.via }, 'ticket taken');
      await emit(result.event, result.ticket);
      await relay(result.ticket, { type: 'AGENT_JOINED', ticketNumber: result.ticket.number, agentName: agent.name });
      return result.ticket;
    },

    async postAgentMessage(ticketId, agent, text) {
      const body = text.trim();
      if (body === '') throw new HdErrors.BAD_REQUEST('the message is empty');
      if (body.length > MAX_AGENT_MESSAGE) throw new HdErrors.BAD_REQUEST(`the message is longer than ${MAX_AGENT_MESSAGE} characters`);
      const ticket = await requireTicket(ticketId);
      if (ticket.status !== 'assigned' || ticket.assignee?.id !== agent.id) {
        const holder = ticket.status === 'assigned' && ticket.assignee ? ` (taken by ${ticket.assignee.name})` : '';
        throw new HdErrors.CONFLICT(`${ticket.number} is ${ticket.status}${holder}: take it before writing to the employee`);
      }
      const event = await lifecycle.record(ticketId, { type: 'ticket.message', actor: agentActor(agent), text: body });
      await emit(event, (await tickets.get(ticketId)) ?? ticket);
      await relay(ticket, { type: 'AGENT_MESSAGE', ticketNumber: ticket.number, agentName: agent.name, text: body }, [
        { role: 'agent', author: agent.name, text: body, at: event.at },
      ]);
    },

    async resolve(ticketId, agent, note) {
      const cleanNote = note?.trim() ? note.trim().slice(0, MAX_AGENT_MESSAGE) : null;
      const result = await lifecycle.change(ticketId, {
        from: ['assigned', 'queued'],
        assignee: agent.id,
        fromUnassigned: ['queued'],
        set: {
          status: 'resolved',
          assignee_id: agent.id,
          assignee_name: agent.name,
          closed_at: new Date().toISOString(),
          resolution_note: cleanNote,
        },
        event: { type: 'ticket.resolved', actor: agentActor(agent), text: cleanNote ?? undefined },
      });
      if (!result.ok) conflict(result, ticketId, 'resolved by you');
      log.info({ ticket: result.ticket.number, agent: agent.id }, 'ticket resolved');
      await emit(result.event, result.ticket);
      await relay(result.ticket, { type: 'TICKET_RESOLVED', ticketNumber: result.ticket.number, agentName: agent.name, note: cleanNote });
      return result.ticket;
    },

    async release(ticketId, agent) {
      const result = await lifecycle.change(ticketId, {
        from: ['assigned'],
        assignee: agent.id,
        set: { status: 'queued', assignee_id: null, assignee_name: null, assigned_at: null, queued_at: new Date().toISOString() },
        event: { type: 'ticket.released', actor: agentActor(agent) },
      });
      if (!result.ok) conflict(result, ticketId, 'handed back by you');
      log.info({ ticket: result.ticket.number, agent: agent.id }, 'ticket handed back');
      await emit(result.event, result.ticket);
      await relay(result.ticket, { type: 'TICKET_RELEASED', ticketNumber: result.ticket.number, agentName: agent.name });
      return result.ticket;
    },

    async get(ticketId): Promise<TicketView | undefined> {
      const ticket = await tickets.get(ticketId);
      if (!ticket) return undefined;
      return {
        ticket,
        assignee: ticket.assignee,
        events: await lifecycle.events(ticketId),
        messages: await conversations.transcript(ticket.conversationId),
        resolution: { solved: ticket.solved, rating: ticket.rating, note: ticket.resolutionNote },
      };
    },

    async list(status?: TicketStatus) {
      const now = Date.now();
      return (await lifecycle.list(status)).map((t) => summarise(t, now));
    },

    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  /** The employee's side, called by the turn runner after each saved turn. */
  async function employeeAction(ticketNumber: string, action: TicketAction, user: { id: string; name: string }): Promise<void> {
    const ticketId = ticketIdFromNumber(ticketNumber);
    if (ticketId === undefined) return;
    const actor: TicketActor = { kind: 'user', id: user.id, name: user.name || user.id };
    const now = new Date().toISOString();
    let result: { event: TicketEvent; ticket: Ticket | undefined } | undefined;
    switch (action.kind) {
      case 'note': {
        // Whatever the ticket's state, the words are kept and shown to staff: never dropped.
        const event = await lifecycle.record(ticketId, { type: 'ticket.message', actor, text: action.text });
        result = { event, ticket: await tickets.get(ticketId) };
        break;
      }
      case 'cancel':
      case 'leave': {
        const change = await lifecycle.change(ticketId, {
          from: ['queued', 'assigned'],
          set: { status: 'cancelled', closed_at: now },
          event: {
            type: 'ticket.cancelled',
            actor,
            text: action.kind === 'leave' ? 'The employee went back to the bot.' : 'The employee cancelled the request.',
          },
        });
        if (change.ok) result = change;
        break;
      }
      case 'solved': {
        if (action.solved) {
          const event = await lifecycle.record(ticketId, { type: 'ticket.rated', actor, text: 'Problem solved: yes' }, { solved: 1 });
          result = { event, ticket: await tickets.get(ticketId) };
        } else {
          const change = await lifecycle.change(ticketId, {
            from: ['resolved'],
            set: { status: 'queued', solved: 0, assignee_id: null, assignee_name: null, assigned_at: null, closed_at: null, queued_at: now },
            event: { type: 'ticket.reopened', actor, text: 'Problem solved: no' },
          });
          if (change.ok) result = change;
        }
        break;
      }
      case 'rate': {
        const event = await lifecycle.record(ticketId, { type: 'ticket.rated', actor, text: `Satisfaction: ${action.rating}/5` }, { rating: action.rating });
        result = { event, ticket: await tickets.get(ticketId) };
        break;
      }
    }
    if (result?.ticket) await emit(result.event, result.ticket);
  }

  runner.setTicketEffects({
    async queueFacts(ticket): Promise<QueueFacts> {
      const [position, waitSeconds] = await Promise.all([lifecycle.queuePosition(ticket), lifecycle.recentWaitSeconds()]);
      const open = availability(config.businessHours, new Date());
      return {
        position,
        waitMinutes: waitSeconds === null ? null : Math.max(1, Math.ceil(waitSeconds / 60)),
        openNow: open.openNow,
        nextOpen: open.nextOpen,
      };
    },
    async ticketCreated(ticket) {
      const event = await lifecycle.record(ticket.id, {
        type: 'ticket.created',
        actor: { kind: 'user', id: ticket.userId, name: ticket.userName || ticket.userId },
        text: ticket.reason === 'checks_failed' ? 'The checks did not solve the problem.' : 'The employee asked for a person.',
      });
      await emit(event, (await tickets.get(ticket.id)) ?? ticket);
    },
    ticketAction: employeeAction,
  });

  app.decorate('handoff', service);
}

export default fp(handoffPlugin, { name: 'handoff', dependencies: ['storage'] });
