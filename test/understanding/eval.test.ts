import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confidenceMargin, evaluate, loadEvalSet, THRESHOLD, TOTAL_THRESHOLD } from '../../scripts/eval-understanding.js';
import { CONFIDENT_SCORE } from '../../src/understanding/runbook-index.js';

describe('the understanding evaluation set', () => {
  const cases = loadEvalSet();
  const result = evaluate(cases);

  it('holds at least 300 messages in both languages, 40 out of scope, 30 small talk or requests for a person', () => {
    assert.ok(cases.length >= 300, `only ${cases.length} messages`);
    assert.ok(cases.some((c) => /[\u3040-\u30ff]/.test(c.text)));
    assert.ok(cases.some((c) => /^[\x20-\x7e\s]+$/.test(c.text)));
    assert.ok(cases.filter((c) => c.category === 'out-of-scope').length >= 40);
    assert.ok(cases.filter((c) => c.category === 'small-talk' || c.category === 'person').length >= 30);
    assert.ok(new Set(cases.flatMap((c) => (c.pair ? [c.pair] : []))).size >= 20, 'at least 20 ja/en pairs');
  });

  it(`routes ${TOTAL_THRESHOLD * 100}% of all messages and ${THRESHOLD * 100}% of every category right`, () => {
    const passed = [...result.byCategory.values()].reduce((sum, c) => sum + c.passed, 0);
    const misses = result.misses.map((m) => `[${m.category}] ${JSON.stringify(m.text)} → ${JSON.stringify(m.got)}`).join('\n');
    assert.ok(passed / result.total >= TOTAL_THRESHOLD, `total ${passed}/${result.total}\n${misses}`);
    for (const [category, { passed: p, total }] of result.byCategory) {
      assert.ok(p / total >= THRESHOLD, `${category}: ${p}/${total}\n${misses}`);
    }
  });

  it('sends each Japanese message and its English twin to the same candidates', () => {
    assert.deepEqual(
      result.divergences.map((d) => `${d.pair}: ${d.routes.map((r) => `${r.text} → ${r.route}`).join(' | ')}`),
      [],
    );
  });

  it('asks before starting a runbook for every message that must be confirmed', () => {
    const margin = confidenceMargin(cases);
    assert.ok(margin.mustAskBest < CONFIDENT_SCORE, `a must-ask message scores ${margin.mustAskBest}`);
    assert.ok(margin.direct < margin.symptoms / 4, `${margin.direct} of ${margin.symptoms} start without asking`);
  });
});
