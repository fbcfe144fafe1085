import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, loadEvalSet, THRESHOLD } from '../../scripts/eval-understanding.js';

describe('the understanding evaluation set', () => {
  const cases = loadEvalSet();

  it('holds at least 80 messages in both languages', () => {
    assert.ok(cases.length >= 80, `only ${cases.length} messages`);
    assert.ok(cases.some((c) => /[\u3040-\u30ff]/.test(c.text)));
    assert.ok(cases.some((c) => /^[\x20-\x7e\s]+$/.test(c.text)));
  });

  it(`routes every category at ${THRESHOLD * 100}% or better`, () => {
    const result = evaluate(cases);
    for (const [category, { passed, total }] of result.byCategory) {
      const misses = result.misses.filter((m) => m.category === category).map((m) => `${JSON.stringify(m.text)} → ${JSON.stringify(m.got)}`);
      assert.ok(passed / total >= THRESHOLD, `${category}: ${passed}/${total}\n${misses.join('\n')}`);
    }
  });
});
