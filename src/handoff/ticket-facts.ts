import type { CheckRecord } from '../../dialogs/types.js';
import type { Runbook } from '../content/schema.js';
import type { Ticket } from '../storage/ticket-store.js';

export type TicketLocale = 'ja' | 'en';

export function ticketLocale(ticket: Pick<Ticket, 'locale'>): TicketLocale {
  return ticket.locale.toLowerCase().startsWith('en') ? 'en' : 'ja';
}

/**
 * The ticket's checks with their titles in the ticket's language (what the employee read), taken from the runbook;
 * a check the runbook no longer has keeps the title stored with the ticket.
 */
export function localizedChecks(checks: readonly CheckRecord[], runbook: Runbook | undefined, locale: TicketLocale): CheckRecord[] {
  return checks.map((check) => {
    const found = runbook?.checks.find((c) => c.id === check.checkId);
    return found ? { ...check, title: found.title[locale] } : check;
  });
}

/**
 * What IT does next, from the runbook: the checks only IT can do (`audience: it`), each with its title and
 * instruction. Runbooks without such checks have none.
 */
export function itNextSteps(runbook: Runbook | undefined, locale: TicketLocale): Array<{ title: string; instruction: string }> {
  if (!runbook) return [];
  return runbook.checks
    .filter((check) => Reflect.get(check, 'audience') === 'it')
    .map((check) => ({ title: check.title[locale], instruction: check.instruction[locale] }));
}

/** The employee's own words about the problem: the first thing they wrote (shortened), if anything. */
export function userDescription(ticket: Pick<Ticket, 'transcript'>, max = 400): string | null {
  const entry = ticket.transcript.find((e) => e.role === 'user' && e.text.trim() !== '');
  if (!entry) return null;
  const text = entry.text.trim().replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
