import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import request from 'supertest';
import { buildApp, ConnectorReceiver, type TestApp } from '../helper.js';
import { ADMIN, AGENT, ANALYTICS_ENV, ApiEmployee, SEED, texts } from './analytics-helpers.js';

/** The outcome records and the dashboard's report on PostgreSQL (the scale-out store), in a schema of their own. */
const BASE = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `hd_analytics_${process.pid}_${Date.now()}`;

describe('deflection analytics on PostgreSQL', () => {
  let admin: pg.Client;
  let t: TestApp;
  const receiver = new ConnectorReceiver();
  let serviceUrl: string;

  before(async () => {
    admin = new pg.Client({ connectionString: BASE });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    serviceUrl = await receiver.start();
    t = await buildApp({ ...ANALYTICS_ENV, DATABASE_URL: `${BASE}?options=${encodeURIComponent(`-c search_path=${schema}`)}` });
  });
  after(async () => {
    await t?.close();
    await receiver.stop();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  it('records a fix at check 2 and an escalation resolved by IT, and reports them', async () => {
    const fixed = new ApiEmployee(t.app, serviceUrl, 'pg-fixed');
    await fixed.say(SEED);
    await fixed.click('まだ解決しない');
    await fixed.click('解決した');
    await fixed.click('いいえ');

    const escalated = new ApiEmployee(t.app, serviceUrl, 'pg-escalated');
    await escalated.say(SEED);
    const number = /HD-\d{6}/.exec(texts(await escalated.click('担当者と話したい')))?.[0] ?? '';
    const agent = { authorization: `Bearer ${AGENT}` };
    await request(t.app.server).post(`/api/agent/tickets/${Number(number.slice(3))}/claim`).set(agent).expect(200);
    await request(t.app.server).post(`/api/agent/tickets/${Number(number.slice(3))}/resolve`).set(agent).send({}).expect(200);

    const { rows } = await admin.query(`select conversation_id, outcome, fixed_at_check, checks_reached, helpful, escalation_reason, agent_name from ${schema}.outcomes order by id`);
    assert.deepEqual(
      rows.map((r) => [r.conversation_id, r.outcome, r.fixed_at_check, r.checks_reached, r.helpful, r.escalation_reason, r.agent_name]),
      [
        ['emulator:pg-fixed', 'resolved_by_bot', 1, 2, 0, null, null],
        ['emulator:pg-escalated', 'resolved_by_it', null, 1, null, 'user_request', 'alice'],
      ],
    );
    const { body } = await request(t.app.server).get('/api/admin/report').set({ authorization: `Bearer ${ADMIN}` }).expect(200);
    assert.equal(body.report.summary.problems, 2);
    assert.equal(body.report.summary.deflectionRate, 0.5);
    assert.deepEqual(body.report.satisfaction.filter((d: { helpfulNo: number }) => d.helpfulNo > 0).map((d: { helpfulNo: number }) => d.helpfulNo), [1]);
  });
});
