import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { allText, say } from '../bot/turn.js';
import { buildApp, type TestApp } from '../helper.js';

/**
 * One enormous message must cost the service almost nothing: understanding reads a bounded prefix and typo
 * tolerance applies to word-sized terms only. The event loop is watched while the message is answered: a stall
 * here is a stall for every other user (and for /healthz).
 */
describe('very long messages', () => {
  let t: TestApp;
  before(async () => {
    t = await buildApp({ BODY_LIMIT: String(1024 * 1024) });
  });
  after(async () => {
    await t.close();
  });

  const cases: Array<[string, string, RegExp]> = [
    ['a 40,000-letter word', 'a'.repeat(40_000), /エラー|error/i],
    ['55,000 letters of one word after an error code', `ERROR_IPSEC_IKE_SA_REAPED ${'x'.repeat(55_000)}`, /13808/],
    ['40,000 characters of Japanese', 'あ'.repeat(20_000) + 'ブイピーエヌ'.repeat(3_000), /./],
    ['thirty 8,000-letter words', Array.from({ length: 30 }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat(8000)).join(' '), /./],
  ];
  for (const [name, text, expected] of cases) {
    it(`answers ${name} politely without stalling the event loop`, async () => {
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      const rssBefore = process.memoryUsage().rss;
      histogram.enable();
      const replies = await say(t.app, `long-${name}`, text);
      const health = await t.app.inject({ method: 'GET', url: '/healthz' });
      histogram.disable();
      assert.equal(health.statusCode, 200);
      assert.ok(replies.length > 0, 'the bot answered');
      assert.match(allText(replies), expected);
      const worstMs = histogram.max / 1e6;
      assert.ok(worstMs < 200, `the event loop stalled for ${worstMs.toFixed(0)} ms`);
      const grownMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
      assert.ok(grownMb < 200, `RSS grew by ${grownMb.toFixed(0)} MB`);
    });
  }
});
