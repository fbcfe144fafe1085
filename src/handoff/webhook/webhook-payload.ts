import type { Ticket, TicketEvent } from '../../storage/ticket-store.js';

/** The JSON body an ITSM receives for one ticket event. The full transcript rides along only on ticket.created. */
export function webhookPayload(eventId: string, event: TicketEvent, ticket: Ticket): string {
  return JSON.stringify({
    id: eventId,
    type: event.type,
    occurredAt: event.at,
    actor: event.actor,
    text: event.text ?? null,
    ticket: {
      id: ticket.id,
      number: ticket.number,
      status: ticket.status,
      reason: ticket.reason,
      error: ticket.error,
      runbookId: ticket.runbookId,
      checks: ticket.checks,
      user: { id: ticket.userId, name: ticket.userName },
      channelId: ticket.channelId,
      locale: ticket.locale,
      createdAt: ticket.createdAt,
      updatedAt: ticket.updatedAt,
      ...(event.type === 'ticket.created' ? { transcript: ticket.transcript } : {}),
    },
  });
}
