import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { StaffEvent } from '../../dialogs/types.js';
import type { TranscriptEntry } from '../storage/conversation-store.js';
import type { ChangeResult, Ticket, TicketStatus } from '../storage/ticket-store.js';
import { HdErrors } from '../errors.js';
import type { Agent, AgentVoice, HandoffService, TicketActor, TicketSummary, TicketView } from './handoff-service.js';
import type { Runbook } from '../content/schema.js';
import { itNextSteps, localizedChecks, ticketLocale, userDescription } from './ticket-facts.js';
import { guestNumber, knownUserName } from './user-display-name.js';

export const MAX_AGENT_MESSAGE = 4000;

function agentActor(agent: Agent): TicketActor {
  return { kind: 'agent', id: agent.id, name: agent.name };
}

/** The queue row of a ticket; check titles in the ticket's language when its runbook is known. */
export function summarise(ticket: Ticket, now: number, runbooks?: ReadonlyMap<string, Runbook>): TicketSummary {
  const runbook = ticket.runbookId ? runbooks?.get(ticket.runbookId) : undefined;
  const checks = localizedChecks(ticket.checks, runbook, ticketLocale(ticket));
  const waiting = ticket.status === 'queued' ? Math.max(0, Math.round((now - Date.parse(ticket.queuedAt)) / 1000)) : null;
  return {
    id: ticket.id,
    number: ticket.number,
    status: ticket.status,
    userName: ticket.userName,
    channelId: ticket.channelId,
    locale: ticket.locale,
    error: ticket.error,
    failedChecks: checks.filter((c) => c.outcome !== 'fixed' && c.outcome !== 'not_run').map((c) => c.title),
    assignee: ticket.assignee,
    createdAt: ticket.createdAt,
    updatedAt: ticket.updatedAt,
    waitingSeconds: waiting,
    guestNumber: knownUserName(ticket) === null ? guestNumber(ticket.userId) : null,
    queuedAt: ticket.queuedAt,
    assignedAt: ticket.assignedAt,
  };
}

/**
 * The handoff service: the ticket lifecycle (queued → assigned → resolved, reopen, cancel), the live relay between
 * the employee and IT staff, and the event stream the console, the Teams staff channel and the webhook listen to.
 */
async function handoffPlugin(app: FastifyInstance): Promise<void> {
  const { runner } = app.conversation;
  const runbooks = app.conversation.content.runbooks;
  const { tickets, conversations } = app.storage;
  const { events } = app.ticketDesk;
  const emit = events.emit;
  const log = app.log.child({ module: 'handoff' });

  /**
   * Sends a staff event into the employee's conversation and delivers what the bot says. With `voice`, what is said
   * is an agent's own words: Web Chat shows them under the agent's name. Never throws.
   */
  async function relay(ticket: Ticket, event: StaffEvent, transcript?: TranscriptEntry[], voice?: AgentVoice): Promise<void> {
    try {
      // Delivered inside the staff turn's transaction: the words reach the employee's channel (the Direct Line
      // history, or the outbox toward Teams) if and only if the turn is saved.
      await runner.dispatch(ticket.conversationId, event, transcript ? { transcript } : {}, (result) => app.proactive.send(result, { ticketId: ticket.id, voice }));
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
      const result = await tickets.change(ticketId, {
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
      const { event, ticket: after } = await tickets.record(ticketId, { type: 'ticket.message', actor: agentActor(agent), text: body });
      await emit(event, after ?? ticket);
      await relay(
        ticket,
        { type: 'AGENT_MESSAGE', ticketNumber: ticket.number, agentName: agent.name, text: body },
        [{ role: 'agent', author: agent.name, text: body, at: event.at }],
        { id: agent.id, name: agent.name, text: body },
      );
    },

    async resolve(ticketId, agent, note) {
      const cleanNote = note?.trim() ? note.trim().slice(0, MAX_AGENT_MESSAGE) : null;
      const result = await tickets.change(ticketId, {
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
      const result = await tickets.change(ticketId, {
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

    async addNote(ticketId, agent, text) {
      const body = text.trim();
      if (body === '') throw new HdErrors.BAD_REQUEST('the note is empty');
      if (body.length > MAX_AGENT_MESSAGE) throw new HdErrors.BAD_REQUEST(`the note is longer than ${MAX_AGENT_MESSAGE} characters`);
      const ticket = await requireTicket(ticketId);
      // Recorded on the ticket only: no staff event reaches the conversation, so the employee never sees it.
      const { event, ticket: after } = await tickets.record(ticketId, { type: 'ticket.note', actor: agentActor(agent), text: body });
      log.info({ ticket: ticket.number, agent: agent.id }, 'internal note added');
      await emit(event, after ?? ticket);
      return event;
    },

    async transfer(ticketId, agent, to) {
      if (to.id === agent.id) throw new HdErrors.BAD_REQUEST('choose another agent than yourself');
      const result = await tickets.change(ticketId, {
        from: ['assigned', 'queued'],
        assignee: agent.id,
        fromUnassigned: ['queued'],
        set: { status: 'assigned', assignee_id: to.id, assignee_name: to.name, assigned_at: new Date().toISOString() },
        event: { type: 'ticket.transferred', actor: agentActor(agent), text: to.name },
      });
      if (!result.ok) conflict(result, ticketId, 'handed over by you');
      log.info({ ticket: result.ticket.number, from: agent.id, to: to.id }, 'ticket transferred');
      await emit(result.event, result.ticket);
      await relay(result.ticket, { type: 'AGENT_JOINED', ticketNumber: result.ticket.number, agentName: to.name });
      return result.ticket;
    },

    async reopen(ticketId, agent) {
      const result = await tickets.change(ticketId, {
        from: ['resolved', 'cancelled'],
        set: {
          status: 'assigned',
          assignee_id: agent.id,
          assignee_name: agent.name,
          assigned_at: new Date().toISOString(),
          closed_at: null,
          solved: null,
        },
        event: { type: 'ticket.reopened', actor: agentActor(agent) },
      });
      if (!result.ok) conflict(result, ticketId, 'reopened');
      log.info({ ticket: result.ticket.number, agent: agent.id }, 'ticket reopened');
      await emit(result.event, result.ticket);
      // The employee hears that the agent is back while their conversation still has this ticket.
      await relay(result.ticket, { type: 'AGENT_JOINED', ticketNumber: result.ticket.number, agentName: agent.name });
      return result.ticket;
    },

    async get(ticketId): Promise<TicketView | undefined> {
      const stored = await tickets.get(ticketId);
      if (!stored) return undefined;
      const runbook = stored.runbookId ? runbooks.get(stored.runbookId) : undefined;
      const locale = ticketLocale(stored);
      const ticket = { ...stored, checks: localizedChecks(stored.checks, runbook, locale) };
      return {
        ticket,
        guestNumber: knownUserName(ticket) === null ? guestNumber(ticket.userId) : null,
        description: userDescription(ticket),
        nextSteps: itNextSteps(runbook, locale),
        topic: runbook ? runbook.title[locale] : null,
        assignee: ticket.assignee,
        events: await tickets.events(ticketId),
        messages: await conversations.transcript(ticket.conversationId),
        resolution: { solved: ticket.solved, rating: ticket.rating, note: ticket.resolutionNote },
      };
    },

    async list(status?: TicketStatus, query?: string) {
      const now = Date.now();
      return (await tickets.list(status, 200, query)).map((t) => summarise(t, now, runbooks));
    },

    onEvent(listener, opts) {
      return events.on(listener, opts);
    },
  };

  app.decorate('handoff', service);
}

export default fp(handoffPlugin, { name: 'handoff', dependencies: ['storage', 'ticket-desk', 'conversation', 'proactive'] });
