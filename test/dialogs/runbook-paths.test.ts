import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getSimplePaths } from 'xstate/graph';
import { CHECK_EVENTS, createRunbookMachine } from '../../dialogs/runbook.machine.js';
import { loadContent } from '../../src/content/load-content.js';
import { projectRoot } from '../../src/project-root.js';
import { join } from 'node:path';

const content = loadContent(join(projectRoot(), 'content'));

describe('every path of every runbook machine', () => {
  for (const runbook of content.runbooks.values()) {
    it(`${runbook.id}: every path ends in resolved or escalated, with the outcomes it took`, () => {
      const machine = createRunbookMachine(runbook, content.messages);
      // A state is the state value plus the check reached; outcomes are path history, not position.
      const paths = getSimplePaths(machine, {
        events: [...CHECK_EVENTS],
        serializeState: (s) => `${JSON.stringify(s.value)}#${s.context.checkIndex}#${s.context.detailsShown}`,
        toState: (s) => s.status === 'done',
      });
      const ends = paths.filter((p) => p.state.status === 'done');
      assert.ok(ends.length > 0);
      const n = runbook.checks.length;
      // From each check: fixed → resolved, a person → escalated; and the last check's not-fixed → escalated.
      const resolved = ends.filter((p) => p.state.value === 'resolved');
      const escalated = ends.filter((p) => p.state.value === 'escalated');
      assert.ok(resolved.length >= n, `resolved reachable from every check (${resolved.length} < ${n})`);
      assert.ok(escalated.length >= n + 1, `escalated reachable from every check and after the last one`);
      for (const path of ends) {
        assert.ok(['resolved', 'escalated'].includes(String(path.state.value)));
        const output = path.state.output as { result: string; outcomes: Array<{ outcome: string }> };
        assert.equal(output.result, path.state.value);
        const answers = path.steps.filter((s) => /^ANSWER_/.test(s.event.type)).length;
        assert.equal(output.outcomes.length, answers, 'every answered check is recorded once');
        const last = path.steps.at(-1)?.event.type;
        if (path.state.value === 'resolved') assert.equal(last, 'ANSWER_FIXED');
        if (path.state.value === 'escalated' && last !== 'REQUEST_HUMAN') {
          assert.equal(output.outcomes.length, n, 'checks_failed escalation only after the last check');
        }
      }
    });
  }
});
