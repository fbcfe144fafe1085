import { employeeChecks } from '../../dialogs/helpdesk.setup.js';
import type { Localized, Runbook } from '../content/schema.js';
import type { EscalationReasonCode, OutcomeKind, OutcomeRecord, UnrecognisedMessage } from './outcome-store.js';
import { ESCALATION_REASONS } from './outcome-store.js';

/** The dashboard's period: local dates (YYYY-MM-DD, both included) in the helpdesk's time zone. */
export interface ReportRange {
  from: string;
  to: string;
  channel: string | null;
  timeZone: string;
}

export interface OutcomeCounts {
  problems: number;
  resolvedByBot: number;
  escalated: number;
  resolvedByIt: number;
  abandoned: number;
  inProgress: number;
  /** resolvedByBot ÷ problems; null when there were none. */
  deflectionRate: number | null;
}

export interface FunnelStep {
  index: number;
  checkId: string;
  title: Localized;
  /** Problems in which this check was asked. */
  reached: number;
  /** … and this check fixed it. */
  fixed: number;
  /** … and the employee went on to the next check. */
  wentOn: number;
  /** … and it ended here otherwise (asked for a person, checks failed, left). */
  stopped: number;
}

export interface Report {
  range: ReportRange;
  abandonedAfterMinutes: number;
  summary: OutcomeCounts;
  deflection: Array<{ day: string } & OutcomeCounts>;
  byError: Array<{ error: string } & OutcomeCounts>;
  byRunbook: Array<{ runbookId: string; title: Localized } & OutcomeCounts>;
  funnels: Array<{ runbookId: string; title: Localized; steps: FunnelStep[] }>;
  escalations: Array<{ reason: EscalationReasonCode; count: number }>;
  satisfaction: Array<{ day: string; helpfulYes: number; helpfulNo: number; ratings: number; averageRating: number | null }>;
  agents: Array<{ agent: string; resolved: number; solvedYes: number; solvedNo: number; ratings: number; averageRating: number | null }>;
  times: Array<{ measure: 'queue_wait' | 'resolution_bot' | 'resolution_it'; count: number; medianSeconds: number | null; p90Seconds: number | null }>;
  notUnderstood: Array<{ text: string; count: number; lastAt: string }>;
}

/** The local date of an instant in a time zone. */
export function localDay(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** Every date from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && days.length < 1000; t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** Nearest-rank percentile; null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

function counts(records: readonly OutcomeRecord[], outcomeOf: (r: OutcomeRecord) => OutcomeKind): OutcomeCounts {
  const n = (kind: OutcomeKind) => records.filter((r) => outcomeOf(r) === kind).length;
  const resolvedByBot = n('resolved_by_bot');
  return {
    problems: records.length,
    resolvedByBot,
    escalated: n('escalated'),
    resolvedByIt: n('resolved_by_it'),
    abandoned: n('abandoned'),
    inProgress: n('in_progress'),
    deflectionRate: records.length === 0 ? null : resolvedByBot / records.length,
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function average(values: readonly number[]): number | null {
  return values.length === 0 ? null : Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 100) / 100;
}

export interface ReportInput {
  range: ReportRange;
  records: readonly OutcomeRecord[];
  unrecognised: readonly UnrecognisedMessage[];
  runbooks: ReadonlyMap<string, Runbook>;
  now: Date;
  abandonedAfterMinutes: number;
}

/**
 * Everything the admin dashboard shows, from the outcome rows of the period. A problem still in progress whose last
 * answer is older than the abandonment time counts as abandoned here already, before the periodic job marks it.
 */
export function buildReport(input: ReportInput): Report {
  const { range, runbooks } = input;
  const cutoff = new Date(input.now.getTime() - input.abandonedAfterMinutes * 60_000).toISOString();
  const outcomeOf = (r: OutcomeRecord): OutcomeKind => (r.outcome === 'in_progress' && r.lastActivityAt < cutoff ? 'abandoned' : r.outcome);
  const dayOf = (iso: string) => localDay(iso, range.timeZone);
  const inRange = (iso: string) => {
    const day = dayOf(iso);
    return day >= range.from && day <= range.to;
  };
  const records = input.records.filter((r) => inRange(r.startedAt) && (!range.channel || r.channelId === range.channel));
  const titleOf = (runbookId: string): Localized => runbooks.get(runbookId)?.title ?? { ja: runbookId, en: runbookId };
  const days = daysBetween(range.from, range.to);

  const byDay = groupBy(records, (r) => dayOf(r.startedAt));
  const deflection = days.map((day) => ({ day, ...counts(byDay.get(day) ?? [], outcomeOf) }));

  const byError = [...groupBy(records, (r) => r.errorName ?? '—')]
    .map(([error, list]) => ({ error, ...counts(list, outcomeOf) }))
    .sort((a, b) => b.problems - a.problems || a.error.localeCompare(b.error));

  const withRunbook = records.filter((r) => r.runbookId !== null);
  const runbookGroups = groupBy(withRunbook, (r) => r.runbookId ?? '');
  const byRunbook = [...runbookGroups]
    .map(([runbookId, list]) => ({ runbookId, title: titleOf(runbookId), ...counts(list, outcomeOf) }))
    .sort((a, b) => b.problems - a.problems || a.runbookId.localeCompare(b.runbookId));

  const funnels = byRunbook.map(({ runbookId, title }) => {
    const list = (runbookGroups.get(runbookId) ?? []).filter((r) => r.kind === 'runbook');
    // The funnel is the walk the employee takes: their checks only (IT's checks go on the ticket, never asked).
    const runbook = runbooks.get(runbookId);
    const checks = runbook ? employeeChecks(runbook) : [];
    const length = Math.max(checks.length, ...list.map((r) => r.checksReached));
    const steps: FunnelStep[] = [];
    for (let i = 0; i < length; i++) {
      const check = checks[i];
      // A check the runbook no longer has keeps the title it was recorded with.
      const recorded = list.map((r) => r.checks[i]).find((c) => c !== undefined);
      const reached = list.filter((r) => r.checksReached > i).length;
      const fixed = list.filter((r) => outcomeOf(r) === 'resolved_by_bot' && r.fixedAtCheck === i).length;
      const wentOn = list.filter((r) => r.checksReached > i + 1).length;
      steps.push({
        index: i,
        checkId: check?.id ?? recorded?.checkId ?? String(i + 1),
        title: check?.title ?? { ja: recorded?.title ?? String(i + 1), en: recorded?.title ?? String(i + 1) },
        reached,
        fixed,
        wentOn,
        stopped: Math.max(0, reached - fixed - wentOn),
      });
    }
    return { runbookId, title, steps };
  });

  const escalated = records.filter((r) => r.escalationReason !== null);
  const escalations = ESCALATION_REASONS.map((reason) => ({ reason, count: escalated.filter((r) => r.escalationReason === reason).length }));

  const satisfaction = days.map((day) => {
    const list = byDay.get(day) ?? [];
    const ratings = list.flatMap((r) => (r.rating !== null ? [r.rating] : []));
    return {
      day,
      helpfulYes: list.filter((r) => r.helpful === true).length,
      helpfulNo: list.filter((r) => r.helpful === false).length,
      ratings: ratings.length,
      averageRating: average(ratings),
    };
  });

  const agents = [...groupBy(records.filter((r) => r.agentName !== null), (r) => r.agentName ?? '')]
    .map(([agent, list]) => {
      const ratings = list.flatMap((r) => (r.rating !== null ? [r.rating] : []));
      return {
        agent,
        resolved: list.filter((r) => outcomeOf(r) === 'resolved_by_it').length,
        solvedYes: list.filter((r) => r.solved === true).length,
        solvedNo: list.filter((r) => r.solved === false).length,
        ratings: ratings.length,
        averageRating: average(ratings),
      };
    })
    .sort((a, b) => b.resolved - a.resolved || a.agent.localeCompare(b.agent));

  const measure = (name: Report['times'][number]['measure'], values: number[]) => ({
    measure: name,
    count: values.length,
    medianSeconds: percentile(values, 50),
    p90Seconds: percentile(values, 90),
  });
  const times = [
    measure('queue_wait', records.flatMap((r) => (r.queueWaitSeconds !== null ? [r.queueWaitSeconds] : []))),
    measure('resolution_bot', records.flatMap((r) => (outcomeOf(r) === 'resolved_by_bot' && r.resolutionSeconds !== null ? [r.resolutionSeconds] : []))),
    measure('resolution_it', records.flatMap((r) => (outcomeOf(r) === 'resolved_by_it' && r.resolutionSeconds !== null ? [r.resolutionSeconds] : []))),
  ];

  const messages = input.unrecognised.filter((m) => inRange(m.at) && (!range.channel || m.channelId === range.channel));
  const notUnderstood = [...groupBy(messages, (m) => m.text.toLowerCase())]
    .map(([, list]) => ({ text: list[list.length - 1]?.text ?? '', count: list.length, lastAt: list.reduce((a, m) => (m.at > a ? m.at : a), '') }))
    .sort((a, b) => b.count - a.count || b.lastAt.localeCompare(a.lastAt))
    .slice(0, 50);

  return {
    range,
    abandonedAfterMinutes: input.abandonedAfterMinutes,
    summary: counts(records, outcomeOf),
    deflection,
    byError,
    byRunbook,
    funnels,
    escalations,
    satisfaction,
    agents,
    times,
    notUnderstood,
  };
}
