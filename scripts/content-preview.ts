/**
 * npm run content:preview -- <runbook-id> [content dir]
 *
 * Prints what an employee reads for every way through a runbook, in Japanese and in English, straight from the files
 * on disk (before any reload): the conversation machine itself runs, so the text is exactly the bot's. The paths:
 *   - fixed at check k (k = 1 … n): "not fixed" at the checks before, "show me how" and then "fixed" at check k,
 *     so every check's instruction, question and specifics appear once;
 *   - no check fixed it: the hand-off to IT and the ticket message;
 *   - asked for a person at the first check.
 * Exits 1 when the content does not load (the file and field are named), 2 when there is no such runbook.
 */
import { join } from 'node:path';
import { createActor } from 'xstate';
import { createConversationMachine } from '../dialogs/conversation.machine.js';
import type { BotOutput, ChoiceAction, HelpdeskEvent, Locale } from '../dialogs/types.js';
import { ContentError, loadContent, type Content } from '../src/content/load-content.js';
import { projectRoot } from '../src/project-root.js';
import { loadErrorCatalog } from '../src/understanding/error-catalog.js';
import { toErrorRef } from '../src/understanding/understand.js';

interface Step {
  /** What the employee does: a button (by its action) or typed words. */
  action?: ChoiceAction;
  event: HelpdeskEvent;
}

const LABELS = {
  ja: { employee: '社員', bot: 'ボット', path: '経路', fixedAt: (k: number) => `確認 ${k} で解決`, none: 'どの確認でも解決しない → IT へ引き継ぎ', person: '最初の確認で担当者を希望', language: '日本語' },
  en: { employee: 'Employee', bot: 'Bot', path: 'Path', fixedAt: (k: number) => `fixed at check ${k}`, none: 'no check fixes it → handed to IT', person: 'asks for a person at the first check', language: 'English' },
} as const;

const QUEUE = { position: 1, waitMinutes: 10, openNow: true, nextOpen: null };

function paths(checks: number): Array<{ title: (locale: Locale) => string; steps: Step[] }> {
  const notFixed: Step = { action: 'NOT_FIXED', event: { type: 'ANSWER_NOT_FIXED' } };
  const list = [];
  for (let k = 1; k <= checks; k++) {
    list.push({
      title: (locale: Locale) => LABELS[locale].fixedAt(k),
      steps: [
        ...Array.from({ length: k - 1 }, () => notFixed),
        { action: 'SHOW_HOW' as const, event: { type: 'SHOW_HOW' as const } },
        { action: 'FIXED' as const, event: { type: 'ANSWER_FIXED' as const } },
        { action: 'HELPFUL_YES' as const, event: { type: 'HELPFUL_YES' as const } },
      ],
    });
  }
  list.push({ title: (locale: Locale) => LABELS[locale].none, steps: Array.from({ length: checks }, () => notFixed) });
  list.push({ title: (locale: Locale) => LABELS[locale].person, steps: [{ action: 'TALK_TO_IT' as const, event: { type: 'REQUEST_HUMAN' as const } }] });
  return list;
}

function render(output: BotOutput): string | undefined {
  if (output.type === 'say') return output.text;
  if (output.type === 'ask') return `${output.text}\n${output.choices.map((c) => `［${c.label}］`).join(' ')}`;
  return undefined;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '' : `    ${line}`))
    .join('\n');
}

/** One path, in one language, as the employee reads it. */
function conversation(content: Content, opening: HelpdeskEvent, openingText: string, steps: Step[], locale: Locale): string[] {
  const labels = LABELS[locale];
  const out: string[] = [];
  const actor = createActor(createConversationMachine(content), { input: { locale } });
  let lastChoices: Array<{ action: string; label: string }> = [];
  actor.on('*', (output: BotOutput) => {
    const text = render(output);
    if (output.type === 'ask') lastChoices = output.choices;
    if (text) out.push(`  ${labels.bot}:\n${indent(text)}`);
  });
  actor.start();
  out.push(`  ${labels.employee}: ${openingText}`);
  actor.send(opening);
  for (const step of steps) {
    const choice = lastChoices.find((c) => c.action === step.action);
    out.push(`  ${labels.employee}: ［${choice?.label ?? step.action ?? step.event.type}］`);
    actor.send(step.event);
    // What the service does on a hand-off: it creates the ticket, and the bot tells the employee their place in the queue.
    if (actor.getSnapshot().matches('escalating')) actor.send({ type: 'TICKET_CREATED', ticketNumber: 'HD-000123', queue: QUEUE });
  }
  actor.stop();
  return out;
}

function main(): void {
  const [runbookId, dirArg] = process.argv.slice(2).filter((a) => a !== '--');
  const contentDir = dirArg ?? process.env.CONTENT_DIR ?? join(projectRoot(), 'content');
  let content: Content;
  try {
    content = loadContent(contentDir);
  } catch (err) {
    process.stderr.write(`${err instanceof ContentError ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const runbook = runbookId ? content.runbooks.get(runbookId) : undefined;
  if (!runbookId || !runbook) {
    process.stderr.write(`usage: npm run content:preview -- <runbook-id>\nrunbooks: ${[...content.runbooks.keys()].join(', ')}\n`);
    process.exit(2);
  }
  const catalog = loadErrorCatalog(join(contentDir, 'catalog'));
  const entry = runbook.errors[0] ? catalog.byName(runbook.errors[0]) : undefined;
  const opening: HelpdeskEvent = { type: 'REPORT_ERROR', runbookId: runbook.id, error: entry ? toErrorRef(entry) : null };
  const all = paths(runbook.checks.length);
  for (const locale of ['ja', 'en'] as const) {
    const openingText = entry?.name ?? runbook.symptoms[locale][0] ?? runbook.title[locale];
    process.stdout.write(`\n==================== ${runbook.id} · ${LABELS[locale].language} ====================\n`);
    all.forEach((path, i) => {
      process.stdout.write(`\n--- ${LABELS[locale].path} ${i + 1}/${all.length}: ${path.title(locale)} ---\n`);
      process.stdout.write(`${conversation(content, opening, openingText, path.steps, locale).join('\n')}\n`);
    });
  }
}

main();
