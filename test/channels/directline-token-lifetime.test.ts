import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { buildApp, type TestApp } from '../helper.js';

const SECRET = 'lifetime-directline-secret-0123456789';

/**
 * A Direct Line token can be refreshed, but a chain of refreshes ends a configured time after its first token
 * (DIRECTLINE_TOKEN_MAX_LIFETIME_HOURS, 24 h by default): a leaked token cannot be kept alive forever.
 */
describe('Direct Line token refresh', () => {
  let t: TestApp;
  before(async () => {
    t = await buildApp({ DIRECTLINE_SECRET: SECRET, DIRECTLINE_TOKEN_MAX_LIFETIME_HOURS: '2' });
  });
  after(async () => {
    mock.timers.reset();
    await t.close();
  });

  async function refresh(token: string) {
    return t.app.inject({ method: 'POST', url: '/v3/directline/tokens/refresh', headers: { authorization: `Bearer ${token}` } });
  }

  it('refreshes every 20 minutes until the chain is 2 hours old, then refuses with 403', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const generated = await t.app.inject({ method: 'POST', url: '/v3/directline/tokens/generate', headers: { authorization: `Bearer ${SECRET}` }, payload: {} });
    assert.equal(generated.statusCode, 200);
    const original: string = generated.json().token;
    let token = original;
    const lifetimes: number[] = [];
    let refused: { statusCode: number; body: string } | undefined;
    for (let i = 0; i < 12 && !refused; i++) {
      mock.timers.tick(20 * 60 * 1000);
      const res = await refresh(token);
      if (res.statusCode !== 200) refused = res;
      else {
        token = res.json().token;
        lifetimes.push(res.json().expires_in);
      }
    }
    assert.ok(refused, 'the chain ended');
    assert.equal(refused.statusCode, 403, refused.body);
    // No token of the chain outlives it: the last one expired exactly when the chain reached two hours.
    assert.match(JSON.parse(refused.body).message, /expired/);
    // Five refreshes within two hours; the last one's lifetime is cut to what is left of the chain (20 min).
    assert.equal(lifetimes.length, 5);
    assert.deepEqual(lifetimes.slice(0, 4), [1800, 1800, 1800, 1800]);
    assert.equal(lifetimes[4], 1200);
    // The original token expired after its own 30 minutes, refreshed or not.
    assert.equal((await refresh(original)).statusCode, 403);
    mock.timers.reset();
  });
});
