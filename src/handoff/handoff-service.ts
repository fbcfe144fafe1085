import type { Ticket, TicketEvent, TicketStatus } from '../storage/ticket-store.js';
import type { TranscriptEntry } from '../storage/conversation-store.js';

export type { Ticket, TicketActor, TicketEvent, TicketEventType, TicketStatus } from '../storage/ticket-store.js';

/** An IT staff member, signed in to the console (bearer token) or acting from the Teams staff channel. */
export interface Agent {
  id: string;
  name: string;
  via: 'console' | 'teams';
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
}

/** A ticket opened in the console: the row, its history and the conversation so far. */
export interface TicketView {
  ticket: Ticket;
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
  get(ticketId: number): Promise<TicketView | undefined>;
  list(status?: TicketStatus): Promise<TicketSummary[]>;
  /** Subscribes to every ticket change; returns the unsubscribe function. */
  onEvent(listener: (event: TicketEvent, ticket: Ticket) => void | Promise<void>): () => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    handoff: HandoffService;
  }
}
