import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { twoInstancesOnPostgres, type TestApp, type TwoInstances } from '../helper.js';

/**
 * Two instances of the service on one PostgreSQL database share their rate limits: a client that alternates between
 * them (as a round-robin load balancer sends it) gets the limit once, not once per instance.
 */
const SECRET = 'shared-directline-secret-0123456789abcdef';

/** Waits, if needed, so the next few requests fall in one minute window (the counters are per calendar minute). */
async function startOfAWindow(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 15_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

describe('rate limits shared by two instances on one PostgreSQL database', () => {
  let instances: TwoInstances | undefined;
  let one: TestApp;
  let two: TestApp;
  before(async () => {
    instances = await twoInstancesOnPostgres({ DIRECTLINE_SECRET: SECRET, DIRECTLINE_ACTIVITIES_PER_MINUTE: '4', WEBCHAT_TOKENS_PER_MINUTE: '3' });
    ({ one, two } = instances);
  });
  after(async () => {
    await instances?.close();
  });

  it('Web Chat token requests from one address: 3 per minute in all, whichever instance answers', async () => {
    await startOfAWindow();
    const statuses: number[] = [];
    for (const app of [one, two, one, two, one]) {
      const res = await app.app.inject({ method: 'POST', url: '/api/webchat/token', remoteAddress: '10.1.2.3' });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) assert.equal(res.json().code, 'HD_ERR_RATE_LIMITED');
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    // Another address has its own allowance.
    assert.equal((await two.app.inject({ method: 'POST', url: '/api/webchat/token', remoteAddress: '10.9.9.9' })).statusCode, 200);
  });

  it('Direct Line posts of one conversation: 4 per minute in all, alternating between the instances', async () => {
    const started = await one.app.inject({ method: 'POST', url: '/v3/directline/conversations', headers: { authorization: `Bearer ${SECRET}` } });
    assert.equal(started.statusCode, 201);
    const { conversationId, token }: { conversationId: string; token: string } = started.json();
    await startOfAWindow();
    const statuses: number[] = [];
    for (const [i, app] of [one, two, one, two, one, two].entries()) {
      const res = await app.app.inject({
        method: 'POST',
        url: `/v3/directline/conversations/${conversationId}/activities`,
        headers: { authorization: `Bearer ${token}` },
        payload: { type: 'message', text: `message ${i + 1}`, from: { id: 'ignored' } },
      });
      statuses.push(res.statusCode);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
    assert.ok(instances);
    const { rows } = await instances.admin.query(`select body from ${instances.schema}.directline_activities where conversation_id = $1`, [conversationId]);
    const userTexts = rows.map((r: { body: string }) => JSON.parse(r.body) as { text?: string; from?: { role?: string } }).filter((a) => a.from?.role === 'user');
    assert.deepEqual(userTexts.map((a) => a.text), ['message 1', 'message 2', 'message 3', 'message 4']);
  });
});
