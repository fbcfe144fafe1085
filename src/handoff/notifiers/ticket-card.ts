import type { CheckOutcome } from '../../../dialogs/types.js';
import { fillPlaceholders, type StaffCardText } from '../../content/staff-content.js';
import type { Ticket } from '../handoff-service.js';
import { userDescription } from '../ticket-facts.js';
import { displayUserName } from '../user-display-name.js';

/** Card buttons carry this marker, so a click is never mistaken for a staff member's typed words. */
export const STAFF_ACTION_KIND = 'hd.staff';
export type StaffActionName = 'take' | 'resolve';
export interface StaffAction {
  action: StaffActionName;
  ticketId: number;
}

/** Reads an Action.Submit payload from the card; undefined for anything else. Untrusted input: every field is checked. */
export function readStaffAction(value: unknown): StaffAction | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const kind: unknown = Reflect.get(value, 'kind');
  const action: unknown = Reflect.get(value, 'action');
  const ticketId: unknown = Reflect.get(value, 'ticketId');
  if (kind !== STAFF_ACTION_KIND) return undefined;
  if (action !== 'take' && action !== 'resolve') return undefined;
  if (typeof ticketId !== 'number' || !Number.isSafeInteger(ticketId) || ticketId <= 0) return undefined;
  return { action, ticketId };
}

const OUTCOME_MARK: Record<CheckOutcome, string> = { fixed: '✅', not_fixed: '❌', skipped: '⏭️', unsure: '❔', not_run: '▫️' };

export function channelLabel(channelId: string): string {
  switch (channelId) {
    case 'msteams':
      return 'Microsoft Teams';
    case 'webchat':
    case 'directline':
      return 'Web Chat';
    case 'emulator':
      return 'Bot Framework Emulator';
    default:
      return channelId;
  }
}

/** "ERROR_IPSEC_IKE_SA_REAPED (13808 / 0x000035F0)" */
export function errorLabel(error: Ticket['error']): string | undefined {
  return error ? `${error.name} (${error.code} / ${error.hex})` : undefined;
}

/** Adaptive Card date/time functions render in each viewer's own time zone; they want RFC 3339 without fractions. */
function cardTime(iso: string): string {
  const plain = iso.replace(/\.\d+Z$/, 'Z');
  return `{{DATE(${plain}, SHORT)}} {{TIME(${plain})}}`;
}

export interface TicketCardInput {
  ticket: Ticket;
  assignee: { id: string; name: string } | null;
  /** The runbook's title in the staff language, when the ticket came out of a runbook. */
  topic: string | null;
  /** The card's words in the staff language (content/staff-card.yaml). */
  text: StaffCardText;
}

/** One line for notifications and clients that cannot show cards. */
export function ticketSummaryText(input: TicketCardInput): string {
  const l = input.text;
  const { ticket } = input;
  const error = errorLabel(ticket.error) ?? l.noError;
  return `${ticket.number} [${l.status[ticket.status]}] ${error}: ${displayUserName(ticket, l.guest)}`;
}

/** The ticket as an Adaptive Card (1.5) for the staff channel: what failed, what was tried, who waits, and the buttons. */
export function buildTicketCard(input: TicketCardInput): Record<string, unknown> {
  const l = input.text;
  const { ticket } = input;
  const open = ticket.status === 'queued' || ticket.status === 'assigned';
  const facts: Array<{ title: string; value: string }> = [
    { title: l.error, value: errorLabel(ticket.error) ?? l.noError },
    ...(input.topic ? [{ title: l.topic, value: input.topic }] : []),
    { title: l.user, value: displayUserName(ticket, l.guest) },
    { title: l.channel, value: channelLabel(ticket.channelId) },
    { title: l.opened, value: cardTime(ticket.createdAt) },
    { title: l.assignee, value: input.assignee?.name ?? l.nobody },
  ];
  const first = ticket.description ? null : userDescription(ticket, 200);
  const body: Array<Record<string, unknown>> = [
    {
      type: 'ColumnSet',
      columns: [
        { type: 'Column', width: 'stretch', items: [{ type: 'TextBlock', text: ticket.number, weight: 'Bolder', size: 'Large' }] },
        {
          type: 'Column',
          width: 'auto',
          verticalContentAlignment: 'Center',
          items: [
            {
              type: 'TextBlock',
              text: l.status[ticket.status],
              weight: 'Bolder',
              color: ticket.status === 'queued' ? 'Attention' : ticket.status === 'assigned' ? 'Accent' : 'Good',
            },
          ],
        },
      ],
    },
    { type: 'TextBlock', text: l.reason[ticket.reason], wrap: true },
    { type: 'FactSet', facts },
  ];
  if (ticket.description || !first) {
    // Intake: the employee's one sentence, or that they gave none.
    body.push({ type: 'TextBlock', text: l.description, weight: 'Bolder', spacing: 'Medium' });
    body.push({ type: 'TextBlock', text: ticket.description ?? l.noDescription, wrap: true, isSubtle: !ticket.description });
  } else {
    body.push({ type: 'TextBlock', text: l.firstWords, weight: 'Bolder', spacing: 'Medium' });
    body.push({ type: 'TextBlock', text: first, wrap: true, isSubtle: true });
  }
  body.push({ type: 'TextBlock', text: l.checks, weight: 'Bolder', spacing: 'Medium' });
  if (ticket.checks.length === 0) {
    body.push({ type: 'TextBlock', text: l.noChecks, wrap: true, isSubtle: true });
  } else {
    body.push({
      type: 'FactSet',
      facts: ticket.checks.map((check) => ({ title: `${OUTCOME_MARK[check.outcome]} ${check.title}`, value: l.outcome[check.outcome] })),
    });
  }
  const itSteps = ticket.itSteps ?? [];
  if (itSteps.length > 0) {
    body.push({ type: 'TextBlock', text: l.itSteps, weight: 'Bolder', spacing: 'Medium', wrap: true });
    body.push({ type: 'TextBlock', text: itSteps.map((step) => `- ${step.title}`).join('\n'), wrap: true });
  }
  if (open) body.push({ type: 'TextBlock', text: l.replyHint, wrap: true, isSubtle: true, size: 'Small', spacing: 'Medium' });
  const actions: Array<Record<string, unknown>> = [];
  if (ticket.status === 'queued') {
    actions.push({ type: 'Action.Submit', title: l.take, style: 'positive', data: { kind: STAFF_ACTION_KIND, action: 'take', ticketId: ticket.id } });
  }
  if (open) {
    actions.push({ type: 'Action.Submit', title: l.resolve, data: { kind: STAFF_ACTION_KIND, action: 'resolve', ticketId: ticket.id } });
  }
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    msteams: { width: 'Full' },
    body,
    ...(actions.length > 0 ? { actions } : {}),
  };
}

/** Short notes the bot writes into a ticket's thread, in the staff language. */
export function staffNote(
  text: StaffCardText,
  note:
    | { kind: 'employee'; name: string; text: string }
    | { kind: 'taken-by-other'; ticket: string; name: string }
    | { kind: 'closed'; ticket: string }
    | { kind: 'no-ticket' }
    | { kind: 'failed' },
): string {
  switch (note.kind) {
    case 'employee':
      return fillPlaceholders(text.noteEmployee, { name: note.name, text: note.text });
    case 'taken-by-other':
      return fillPlaceholders(text.noteTakenByOther, { ticket: note.ticket, name: note.name });
    case 'closed':
      return fillPlaceholders(text.noteClosed, { ticket: note.ticket });
    case 'no-ticket':
      return text.noteNoTicket;
    case 'failed':
      return text.noteFailed;
  }
}
