import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * What one virtual employee does, taken from the seed article's beginner/expert dialogue: the beginner's first
 * line, then 「具体的には?」, then "not fixed" to every check until the bot opens a ticket. Each run of the
 * script is a new conversation id, so storage grows as it does in production.
 */
export const SEED_FIRST_LINE = 'ERROR_IPSEC_IKE_SA_REAPEDエラーが発生したとき、どのように対処すればいいですか?';
export const ASK_SPECIFICS = '具体的には?';
/** Typed when there is no button to click (the peer echoes; it has no buttons). */
export const NOT_FIXED_TEXT = 'まだ解決しない';
export const NOT_FIXED_ACTION = 'NOT_FIXED';

export interface Step {
  text: string;
  /** Click the button carrying this action in the previous answer, when there is one. */
  click?: string;
  /** What our bot's answer must show for the turn to count as right. */
  expect: 'question' | 'ticket';
}

/**
 * The checks of the seed's runbook the employee is walked through (audience: employee; the IT-only ones go into the
 * ticket), counted from content/ so the script follows the runbook.
 */
export function checkCount(root: string): number {
  const file = join(root, 'content', 'runbooks', 'ipsec-ike-sa-reaped.yaml');
  const parsed: unknown = parse(readFileSync(file, 'utf8'));
  const checks: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'checks') : undefined;
  if (!Array.isArray(checks) || checks.length === 0) throw new Error(`${file}: no checks list`);
  const employees = checks.filter((check: unknown) => typeof check === 'object' && check !== null && Reflect.get(check, 'audience') === 'employee');
  if (employees.length === 0) throw new Error(`${file}: no check with audience: employee`);
  return employees.length;
}

export function employeeScript(checks: number): Step[] {
  const steps: Step[] = [
    { text: SEED_FIRST_LINE, expect: 'question' },
    { text: ASK_SPECIFICS, expect: 'question' },
  ];
  for (let n = 1; n <= checks; n++) steps.push({ text: NOT_FIXED_TEXT, click: NOT_FIXED_ACTION, expect: n === checks ? 'ticket' : 'question' });
  return steps;
}

/** A button found in an answer: its label and the value a click sends back. */
export interface Button {
  label: string;
  value: unknown;
  /** The activity that carried it (Teams sends a card click with the card's id as replyToId). */
  activityId: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Finds the button for an action in an answer, wherever the channel put it: suggested actions (value.action) or an
 * Adaptive Card's Action.Submit (data.action). Looked up by shape, not by wording, so a label change cannot break it.
 */
export function findButton(replies: ReadonlyArray<{ id: string; activity: Record<string, unknown> }>, action: string): Button | undefined {
  for (let i = replies.length - 1; i >= 0; i--) {
    const reply = replies[i];
    if (!reply) continue;
    const found = search(reply.activity, action);
    if (found) return { ...found, activityId: reply.id };
  }
  return undefined;
}

function search(node: unknown, action: string): { label: string; value: unknown } | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = search(item, action);
      if (found) return found;
    }
    return undefined;
  }
  if (!isRecord(node)) return undefined;
  for (const key of ['value', 'data'] as const) {
    const payload = node[key];
    if (isRecord(payload) && payload.action === action) {
      const title = node.title;
      return { label: typeof title === 'string' ? title : action, value: payload };
    }
  }
  for (const value of Object.values(node)) {
    if (typeof value === 'object') {
      const found = search(value, action);
      if (found) return found;
    }
  }
  return undefined;
}

/** All the text a user would read in an answer (message text and card text blocks). */
export function answerText(replies: ReadonlyArray<{ activity: Record<string, unknown> }>): string {
  const parts: string[] = [];
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (isRecord(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'text' && typeof value === 'string') parts.push(value);
        else if (typeof value === 'object') collect(value);
      }
    }
  };
  replies.forEach((r) => collect(r.activity));
  return parts.join('\n');
}

/** Whether our bot's answer is the right one for the step; the peer's echo must repeat what was sent. */
export function answerIsRight(
  kind: 'ours' | 'peer',
  step: Step,
  sentText: string,
  replies: ReadonlyArray<{ id: string; activity: Record<string, unknown> }>,
): boolean {
  if (replies.length === 0) return false;
  if (kind === 'peer') return answerText(replies).includes(sentText);
  if (step.expect === 'ticket') return /HD-\d{6}/.test(answerText(replies));
  return findButton(replies, NOT_FIXED_ACTION) !== undefined;
}
