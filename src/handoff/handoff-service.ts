import type { Ticket, TicketEvent, TicketStatus } from '../storage/ticket-store.js';
import type { TranscriptEntry } from '../storage/conversation-store.js';

export type { Ticket, TicketActor, TicketEvent, TicketEventType, TicketStatus } from '../storage/ticket-store.js';

/** An IT staff member, signed in to the console (bearer token) or acting from the Teams staff channel. */
export interface Agent {
  id: string;
  name: string;
  via: 'console' | 'teams';
}

/** An IT staff member speaking in person: Web Chat shows their words under their name and initials. */
export interface AgentVoice {
  id: string;
  name: string;
  text: string;
}

/** A row of the queue, as the console lists it. */
export interface TicketSummary {
  id: number;
  number: string;
  status: TicketStatus;
  userName: string;
  channelId: string;
  locale: string;
  error: Ticket['error'];
  failedChecks: string[];
  assignee: { id: string; name: string } | null;
  createdAt: string;
  updatedAt: string;
  /** Seconds since the ticket was (last) queued; null when nobody is waiting. */
  waitingSeconds: number | null;
  /** A short stable number for a user without a name (anonymous Web Chat); null when the user has a name. */
  guestNumber: string | null;
  queuedAt: string;
  assignedAt: string | null;
}

/** A ticket opened in the console: the row, its history and the conversation so far. */
export interface TicketView {
  /** The ticket, its check titles in the ticket's language. */
  ticket: Ticket;
  guestNumber: string | null;
  /** The employee's own words about the problem. */
  description: string | null;
  /** What IT does next, from the runbook (checks only IT can do). */
  nextSteps: Array<{ title: string; instruction: string }>;
  /** The runbook's title in the ticket's language. */
  topic: string | null;
  assignee: { id: string; name: string } | null;
  events: TicketEvent[];
  messages: TranscriptEntry[];
  resolution: { solved: boolean | null; rating: number | null; note: string | null };
}

export interface HandoffService {
  /** Takes a queued ticket. HD_ERR_CONFLICT (409) if someone else has it or it is closed. */
  claim(ticketId: number, agent: Agent): Promise<Ticket>;
  /** Relays an agent's words to the employee (live or on their next visit). Only the assignee may write. */
  postAgentMessage(ticketId: number, agent: Agent, text: string): Promise<void>;
  resolve(ticketId: number, agent: Agent, note?: string): Promise<Ticket>;
  /** Hands the ticket back: the bot takes over the conversation again, the ticket goes back to the queue. */
  release(ticketId: number, agent: Agent): Promise<Ticket>;
  /** An internal note for IT staff on any ticket; the employee never sees it. */
  addNote(ticketId: number, agent: Agent, text: string): Promise<TicketEvent>;
  /**
   * Gives the ticket to another agent: the assignee hands over their ticket, or anyone assigns a queued one.
   * The employee is told who joined. HD_ERR_CONFLICT when the ticket is someone else's or closed.
   */
  transfer(ticketId: number, agent: Agent, to: Agent): Promise<Ticket>;
  /** Opens a resolved or cancelled ticket again, assigned to the agent who reopens it. */
  reopen(ticketId: number, agent: Agent): Promise<Ticket>;
  get(ticketId: number): Promise<TicketView | undefined>;
  /** The queue view; `query` keeps the tickets whose number, user or error matches. */
  list(status?: TicketStatus, query?: string): Promise<TicketSummary[]>;
  /**
   * Subscribes to ticket changes made on this instance, or with `everyInstance` on any instance (live consoles);
   * returns the unsubscribe function.
   */
  onEvent(listener: (event: TicketEvent, ticket: Ticket) => void | Promise<void>, opts?: { everyInstance?: boolean }): () => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    handoff: HandoffService;
  }
}
