import type { CheckOutcome } from '../../../dialogs/types.js';
import type { Ticket } from '../handoff-service.js';

export type StaffLocale = 'ja' | 'en';

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

const LABELS = {
  ja: {
    status: { queued: '対応待ち', assigned: '対応中', resolved: '解決済み', cancelled: '取り消し' },
    outcome: { fixed: '解決した', not_fixed: '解決しなかった', skipped: 'スキップ', unsure: '不明', not_run: '未実施' },
    reason: {
      checks_failed: '利用者がボットの案内した確認をすべて試しましたが、解決しませんでした。',
      user_request: '利用者が担当者との会話を希望しました。',
    },
    error: 'エラー',
    noError: '（エラーコードは特定されていません）',
    topic: '対象',
    user: '利用者',
    channel: 'チャネル',
    opened: '受付',
    assignee: '担当',
    nobody: '未割り当て',
    checks: '実施済みの確認',
    noChecks: '確認はまだ行われていません。',
    firstWords: '最初の相談',
    description: '利用者による説明',
    noDescription: '（説明なし）',
    itSteps: 'IT の次の確認（管理者権限が必要なため利用者には案内していません）',
    take: '担当する',
    resolve: '解決済みにする',
    replyHint: 'このスレッドでボットを @メンション して返信すると、利用者に届きます。',
  },
  en: {
    status: { queued: 'Waiting', assigned: 'In progress', resolved: 'Resolved', cancelled: 'Cancelled' },
    outcome: { fixed: 'Fixed it', not_fixed: 'Did not fix it', skipped: 'Skipped', unsure: 'Not sure', not_run: 'Not run' },
    reason: {
      checks_failed: 'The employee went through every check the bot gave them; none of them fixed the problem.',
      user_request: 'The employee asked to talk to someone from IT.',
    },
    error: 'Error',
    noError: '(no error code identified)',
    topic: 'Topic',
    user: 'Employee',
    channel: 'Channel',
    opened: 'Opened',
    assignee: 'Assigned to',
    nobody: 'Nobody yet',
    checks: 'Checks already done',
    noChecks: 'No checks were run yet.',
    firstWords: 'First message',
    description: "The employee's description",
    noDescription: '(no description)',
    itSteps: 'Next steps for IT (they need admin rights, so the employee was not asked to do them)',
    take: 'Take',
    resolve: 'Resolve',
    replyHint: 'Reply in this thread and @mention the bot: your words reach the employee.',
  },
} as const;

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

function firstUserWords(ticket: Ticket): string | undefined {
  const entry = ticket.transcript.find((e) => e.role === 'user' && e.text.trim() !== '');
  if (!entry) return undefined;
  const text = entry.text.trim().replace(/\s+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

export interface TicketCardInput {
  ticket: Ticket;
  assignee: { id: string; name: string } | null;
  /** The runbook's title in the staff language, when the ticket came out of a runbook. */
  topic: string | null;
  locale: StaffLocale;
}

/** One line for notifications and clients that cannot show cards. */
export function ticketSummaryText(input: TicketCardInput): string {
  const l = LABELS[input.locale];
  const { ticket } = input;
  const error = errorLabel(ticket.error) ?? l.noError;
  return `${ticket.number} [${l.status[ticket.status]}] ${error}: ${ticket.userName || ticket.userId}`;
}

/** The ticket as an Adaptive Card (1.5) for the staff channel: what failed, what was tried, who waits, and the buttons. */
export function buildTicketCard(input: TicketCardInput): Record<string, unknown> {
  const l = LABELS[input.locale];
  const { ticket } = input;
  const open = ticket.status === 'queued' || ticket.status === 'assigned';
  const facts: Array<{ title: string; value: string }> = [
    { title: l.error, value: errorLabel(ticket.error) ?? l.noError },
    ...(input.topic ? [{ title: l.topic, value: input.topic }] : []),
    { title: l.user, value: ticket.userName || ticket.userId },
    { title: l.channel, value: channelLabel(ticket.channelId) },
    { title: l.opened, value: cardTime(ticket.createdAt) },
    { title: l.assignee, value: input.assignee?.name ?? l.nobody },
  ];
  const first = ticket.description ? undefined : firstUserWords(ticket);
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

/** Short notes the bot writes into a ticket's thread. */
export function staffNote(
  locale: StaffLocale,
  note:
    | { kind: 'employee'; name: string; text: string }
    | { kind: 'taken-by-other'; ticket: string; name: string }
    | { kind: 'closed'; ticket: string }
    | { kind: 'no-ticket' }
    | { kind: 'failed' },
): string {
  if (locale === 'ja') {
    switch (note.kind) {
      case 'employee':
        return `${note.name}: ${note.text}`;
      case 'taken-by-other':
        return `${note.ticket} は ${note.name} さんが対応中のため、メッセージは利用者に送っていません。`;
      case 'closed':
        return `${note.ticket} はすでにクローズされているため、メッセージは利用者に送っていません。`;
      case 'no-ticket':
        return '利用者に返信するには、チケットのカードのスレッドでボットを @メンション してください。';
      case 'failed':
        return '処理できませんでした。しばらくしてからもう一度お試しください。';
    }
  }
  switch (note.kind) {
    case 'employee':
      return `${note.name}: ${note.text}`;
    case 'taken-by-other':
      return `${note.ticket} is being handled by ${note.name}, so your message was not sent to the employee.`;
    case 'closed':
      return `${note.ticket} is already closed, so your message was not sent to the employee.`;
    case 'no-ticket':
      return "To answer an employee, reply in the ticket card's thread and @mention the bot.";
    case 'failed':
      return 'That did not work. Please try again in a moment.';
  }
}
