import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createActor } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import { createConversationMachine } from '../../dialogs/conversation.machine.js';
import { employeeChecks, itChecks } from '../../dialogs/helpdesk.setup.js';
import { CHECK_EVENTS, createRunbookMachine } from '../../dialogs/runbook.machine.js';
import type { BotOutput, HelpdeskEvent } from '../../dialogs/types.js';
import { loadContent } from '../../src/content/load-content.js';
import { projectRoot } from '../../src/project-root.js';

const content = loadContent(join(projectRoot(), 'content'));

describe('every path of every runbook machine', () => {
  for (const runbook of content.runbooks.values()) {
    it(`${runbook.id}: every path ends in resolved or escalated, asks only employee checks, records what it took`, () => {
      const machine = createRunbookMachine(runbook, content.messages);
      // A state is the state value plus the check reached; outcomes are path history, not position.
      const paths = getSimplePaths(machine, {
        events: [...CHECK_EVENTS],
        serializeState: (s) => `${JSON.stringify(s.value)}#${s.context.checkIndex}#${s.context.detailsShown}`,
        toState: (s) => s.status === 'done',
      });
      const ends = paths.filter((p) => p.state.status === 'done');
      assert.ok(ends.length > 0);
      const n = employeeChecks(runbook).length;
      const itIds = new Set(itChecks(runbook).map((c) => c.id));
      // From each check: fixed → resolved, a person → escalated; and the last check's not-fixed → escalated.
      const resolved = ends.filter((p) => p.state.value === 'resolved');
      const escalated = ends.filter((p) => p.state.value === 'escalated');
      assert.ok(resolved.length >= n, `resolved reachable from every check (${resolved.length} < ${n})`);
      assert.ok(escalated.length >= n + 1, `escalated reachable from every check and after the last one`);
      for (const path of ends) {
        assert.ok(['resolved', 'escalated'].includes(String(path.state.value)));
        const output = path.state.output as { result: string; outcomes: Array<{ checkId: string; outcome: string }> };
        assert.equal(output.result, path.state.value);
        const answers = path.steps.filter((s) => /^ANSWER_/.test(s.event.type)).length;
        assert.equal(output.outcomes.length, answers, 'every answered check is recorded once');
        assert.ok(output.outcomes.every((o) => !itIds.has(o.checkId)), 'no outcome is recorded for an IT check');
        const last = path.steps.at(-1)?.event.type;
        if (path.state.value === 'resolved') assert.equal(last, 'ANSWER_FIXED');
        if (path.state.value === 'escalated' && last !== 'REQUEST_HUMAN') {
          assert.equal(output.outcomes.length, n, 'checks_failed escalation only after the last employee check');
        }
        // Replay the path and read what the employee is shown: never a question about an IT check.
        const actor = createActor(machine, { input: { locale: 'ja' } });
        const asked: string[] = [];
        actor.on('*', (o: BotOutput) => {
          if (o.type === 'ask') asked.push(o.stepId);
        });
        actor.start();
        for (const step of path.steps.slice(1)) actor.send(step.event);
        assert.ok(asked.length > 0);
        assert.deepEqual(asked.filter((id) => itIds.has(id)), [], `${path.steps.map((s) => s.event.type).join(' → ')}`);
      }
    });
  }
});

describe('every path through the handoff states of the conversation machine', () => {
  const machine = createConversationMachine(content);
  const T = 'HD-000001';
  const events: HelpdeskEvent[] = [
    { type: 'REQUEST_HUMAN' },
    { type: 'DESCRIBE', text: 'Outlook が開きません' },
    { type: 'SKIP_DESCRIPTION' },
    { type: 'TICKET_CREATED', ticketNumber: T },
    { type: 'TICKET_FAILED' },
    { type: 'USER_MESSAGE', text: '補足です' },
    { type: 'CANCEL_TICKET' },
    { type: 'BACK_TO_BOT' },
    { type: 'CONFIRM_LEAVE' },
    { type: 'KEEP_TICKET' },
    { type: 'AGENT_JOINED', ticketNumber: T, agentName: 'alice' },
    { type: 'TICKET_RESOLVED', ticketNumber: T, agentName: 'alice', note: null },
    { type: 'TICKET_RELEASED', ticketNumber: T, agentName: 'alice' },
    { type: 'HELPFUL_YES' },
    { type: 'HELPFUL_NO' },
    { type: 'RATE', rating: 4 },
  ];
  const paths = getShortestPaths(machine, {
    events,
    input: { locale: 'ja' },
    serializeState: (s) => `${JSON.stringify(s.value)}#${s.context.ticketNumber ?? ''}#${s.context.description ?? ''}`,
  });
  const reached = new Set(paths.map((p) => JSON.stringify(p.state.value)));

  it('reaches every handoff state', () => {
    for (const state of ['askingDescription', 'escalating', 'withIt', 'confirmingCancel', 'withAgent', 'confirmingLeaveAgent', 'askingSolved', 'askingRating']) {
      assert.ok(reached.has(JSON.stringify(state)), `${state} is reachable (reached: ${[...reached].join(', ')})`);
    }
  });

  it('never cancels or leaves a ticket without a yes: from every reachable state, by every event', () => {
    let checked = 0;
    for (const path of paths) {
      for (const event of events) {
        const actor = createActor(machine, { input: { locale: 'ja' } });
        const left: string[] = [];
        let live = false;
        actor.on('*', (o: BotOutput) => {
          if (live && o.type === 'ticket' && (o.action.kind === 'cancel' || o.action.kind === 'leave')) left.push(o.action.kind);
        });
        actor.start();
        for (const step of path.steps.slice(1)) actor.send(step.event);
        live = true;
        actor.send(event);
        if (left.length === 0) continue;
        checked++;
        assert.equal(event.type, 'CONFIRM_LEAVE', `${left.join(',')} by ${event.type} in ${JSON.stringify(path.state.value)}`);
      }
    }
    assert.ok(checked >= 2, 'cancelling while waiting and leaving the live chat are both reached');
  });

  it('intake: the sentence, or "no description", goes with the handoff; an error is never claimed when there is none', () => {
    for (const [describe, expected] of [
      [{ type: 'DESCRIBE', text: 'Outlook が開きません' }, 'Outlook が開きません'],
      [{ type: 'SKIP_DESCRIPTION' }, null],
    ] as const) {
      const actor = createActor(machine, { input: { locale: 'ja' } });
      const said: BotOutput[] = [];
      actor.on('*', (o: BotOutput) => said.push(o));
      actor.start();
      actor.send({ type: 'REQUEST_HUMAN' });
      assert.equal(actor.getSnapshot().value, 'askingDescription');
      actor.send(describe);
      const handoff = said.find((o) => o.type === 'handoff');
      assert.ok(handoff?.type === 'handoff');
      assert.equal(handoff.description, expected);
      assert.equal(handoff.error, null);
      actor.send({ type: 'TICKET_CREATED', ticketNumber: T });
      const queued = said.at(-1);
      assert.ok(queued?.type === 'ask');
      assert.doesNotMatch(queued.text, /エラーコード/);
      assert.doesNotMatch(queued.text, /確認していただいた結果/);
      if (expected) assert.match(queued.text, /お伺いした内容は担当者に共有済み/);
      else assert.doesNotMatch(queued.text, /共有済み/);
    }
  });
});
