import type { Localized } from '../content/schema.js';
import type { Report } from './build-report.js';

export const REPORT_TABLES = ['deflection', 'by-error', 'by-runbook', 'funnel', 'escalations', 'satisfaction', 'agents', 'times', 'not-understood'] as const;
export type ReportTable = (typeof REPORT_TABLES)[number];

type Cell = string | number | null;
export interface Table {
  columns: string[];
  rows: Cell[][];
}

const OUTCOME_COLUMNS = ['problems', 'resolved_by_bot', 'escalated', 'resolved_by_it', 'abandoned', 'in_progress', 'deflection_rate'];

function outcomeCells(c: Report['summary']): Cell[] {
  return [c.problems, c.resolvedByBot, c.escalated, c.resolvedByIt, c.abandoned, c.inProgress, c.deflectionRate === null ? null : Math.round(c.deflectionRate * 10_000) / 10_000];
}

/** One table of the report, with stable column names (snake_case) so spreadsheets and scripts can rely on them. */
export function reportTable(report: Report, table: ReportTable, locale: 'ja' | 'en'): Table {
  const title = (t: Localized) => t[locale];
  switch (table) {
    case 'deflection':
      return { columns: ['day', ...OUTCOME_COLUMNS], rows: report.deflection.map((d) => [d.day, ...outcomeCells(d)]) };
    case 'by-error':
      return { columns: ['error', ...OUTCOME_COLUMNS], rows: report.byError.map((d) => [d.error, ...outcomeCells(d)]) };
    case 'by-runbook':
      return { columns: ['runbook_id', 'runbook', ...OUTCOME_COLUMNS], rows: report.byRunbook.map((d) => [d.runbookId, title(d.title), ...outcomeCells(d)]) };
    case 'funnel':
      return {
        columns: ['runbook_id', 'check_number', 'check_id', 'check', 'reached', 'fixed', 'went_on', 'ended_here'],
        rows: report.funnels.flatMap((f) => f.steps.map((s) => [f.runbookId, s.index + 1, s.checkId, title(s.title), s.reached, s.fixed, s.wentOn, s.stopped])),
      };
    case 'escalations':
      return { columns: ['reason', 'count'], rows: report.escalations.map((e) => [e.reason, e.count]) };
    case 'satisfaction':
      return {
        columns: ['day', 'helpful_yes', 'helpful_no', 'ratings', 'average_rating'],
        rows: report.satisfaction.map((s) => [s.day, s.helpfulYes, s.helpfulNo, s.ratings, s.averageRating]),
      };
    case 'agents':
      return {
        columns: ['agent', 'resolved', 'said_solved', 'said_not_solved', 'ratings', 'average_rating'],
        rows: report.agents.map((a) => [a.agent, a.resolved, a.solvedYes, a.solvedNo, a.ratings, a.averageRating]),
      };
    case 'times':
      return { columns: ['measure', 'count', 'median_seconds', 'p90_seconds'], rows: report.times.map((t) => [t.measure, t.count, t.medianSeconds, t.p90Seconds]) };
    case 'not-understood':
      return { columns: ['message', 'count', 'last_seen'], rows: report.notUnderstood.map((m) => [m.text, m.count, m.lastAt]) };
  }
}

function csvCell(value: Cell): string {
  if (value === null) return '';
  let text = String(value);
  // A cell a spreadsheet would run as a formula is quoted as text.
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV with a UTF-8 byte order mark, so Excel opens Japanese text correctly. */
export function toCsv(table: Table): string {
  const lines = [table.columns, ...table.rows].map((row) => row.map(csvCell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
