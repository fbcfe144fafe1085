import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import request from 'supertest';
import { allText, say } from '../bot/turn.js';
import { StreamClient } from '../channels/directline-client.js';
import { buildApp, ConnectorReceiver, messageActivity, type TestApp } from '../helper.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * The service on a real PostgreSQL, reached through a TCP proxy the test stalls and cuts, and whose connections
 * it terminates with pg_terminate_backend: the process must survive, say 503 on /readyz quickly, tell users
 * politely in their language, and work again when the database is back, without a restart.
 */
const BASE = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SECRET = 'outage-directline-secret-0123456789';
const schema = `hd_outage_${process.pid}_${Date.now()}`;
const appName = `hd_outage_${process.pid}`;

describe('PostgreSQL outages', () => {
  const proxy = new TcpProxy('127.0.0.1', Number(new URL(BASE).port || 5432));
  const receiver = new ConnectorReceiver();
  let admin: pg.Client;
  let t: TestApp;
  let base = '';
  let serviceUrl = '';

  before(async () => {
    admin = new pg.Client({ connectionString: BASE });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const port = await proxy.start();
    serviceUrl = await receiver.start();
    const url = new URL(BASE);
    url.port = String(port);
    url.searchParams.set('application_name', appName);
    url.searchParams.set('options', `-c search_path=${schema}`);
    t = await buildApp({ DATABASE_URL: url.toString(), DATABASE_STATEMENT_TIMEOUT_MS: '3000', DIRECTLINE_SECRET: SECRET });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    proxy.restore();
    await t?.close();
    await proxy.stop();
    await receiver.stop();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  it('keeps running when PostgreSQL terminates every connection of the service, and the next message works', async () => {
    assert.match(allText(await say(t.app, 'term-1', 'ERROR_IPSEC_IKE_SA_REAPED')), /13808/);
    const { rows } = await admin.query('select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1', [appName]);
    assert.ok(rows.length > 0, 'the service had connections to terminate');
    // The pool reports the lost idle clients as 'error' events; unheard, they would end this very process.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.match(allText(await say(t.app, 'term-2', 'ERROR_IPSEC_IKE_SA_REAPED')), /13808/);
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
  });

  it('while the link stalls: /readyz says 503 within 2 s and a Teams user is told politely to try again', async () => {
    proxy.stall();
    try {
      const started = Date.now();
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      const elapsed = Date.now() - started;
      assert.equal(ready.statusCode, 503, ready.body);
      assert.equal(ready.json().code, 'HD_ERR_NOT_READY');
      assert.equal(ready.json().error, 'Service Unavailable');
      // The deadline is the behaviour under test: a load balancer's probe must not hang with the database.
      assert.ok(elapsed < 2000, `/readyz answered after ${elapsed} ms`);

      receiver.clear();
      const activity = messageActivity({ serviceUrl, conversationId: 'stall-1', text: 'VPN がつながりません', channelId: 'msteams' });
      await request(t.app.server).post('/api/messages').send(activity).expect(200);
      assert.deepEqual(receiver.texts(), ['申し訳ありません、ただいま記録用のデータベースに接続できません。少し時間をおいて、もう一度送ってください。']);
    } finally {
      proxy.restore();
    }
  });

  it('while connections are refused: English users, Direct Line and /readyz all say so; afterwards all works again', async () => {
    const generated = await request(base).post('/v3/directline/tokens/generate').set('authorization', `Bearer ${SECRET}`).send({}).expect(200);
    const started = await request(base).post('/v3/directline/conversations').set('authorization', `Bearer ${generated.body.token}`).send({}).expect(201);
    const stream = await StreamClient.open(started.body.streamUrl);
    await stream.waitFor((c) => c.botTexts().length > 0);
    // The stream's history replay reads once more after the greeting; let it finish before the database goes.
    await new Promise((resolve) => setTimeout(resolve, 300));

    proxy.cut();
    try {
      assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
      receiver.clear();
      const activity = messageActivity({ serviceUrl, conversationId: 'cut-1', text: 'my VPN does not connect', channelId: 'msteams' });
      await request(t.app.server).post('/api/messages').send(activity).expect(200);
      assert.deepEqual(receiver.texts(), ["Sorry, I can't reach my records right now. Please try again in a moment."]);

      const posted = await request(base)
        .post(`/v3/directline/conversations/${started.body.conversationId}/activities`)
        .set('authorization', `Bearer ${started.body.token}`)
        .send({ type: 'message', text: 'VPNにつながりません' });
      assert.equal(posted.status, 503, posted.text);
      assert.equal(posted.body.code, 'HD_ERR_STORAGE_UNAVAILABLE');
      assert.equal(posted.body.error, 'Service Unavailable');
      await stream.waitFor((c) => c.botTexts().some((text) => text.includes('データベースに接続できません')));
    } finally {
      proxy.restore();
      stream.close();
    }

    assert.equal((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    assert.match(allText(await say(t.app, 'cut-2', 'ERROR_IPSEC_IKE_SA_REAPED')), /13808/);
    const resent = await request(base)
      .post(`/v3/directline/conversations/${started.body.conversationId}/activities`)
      .set('authorization', `Bearer ${started.body.token}`)
      .send({ type: 'message', text: 'ERROR_IPSEC_IKE_SA_REAPED' });
    assert.equal(resent.status, 200, resent.text);
  });

  it('takes NUL bytes anywhere (user name, message text, query string) without an error on PostgreSQL', async () => {
    const generated = await request(base)
      .post('/v3/directline/tokens/generate')
      .set('authorization', `Bearer ${SECRET}`)
      .send({ user: { id: 'nul-user', name: 'Taro\u0000 Yamada' } });
    assert.equal(generated.status, 200, generated.text);
    const started = await request(base).post('/v3/directline/conversations').set('authorization', `Bearer ${generated.body.token}`).send({});
    assert.equal(started.status, 201, started.text);
    const stream = await StreamClient.open(started.body.streamUrl);
    try {
      const posted = await request(base)
        .post(`/v3/directline/conversations/${started.body.conversationId}/activities`)
        .set('authorization', `Bearer ${generated.body.token}`)
        .send({ type: 'message', text: 'ERROR_IPSEC_IKE\u0000_SA_REAPED\u0007 が出ます' });
      assert.equal(posted.status, 200, posted.text);
      await stream.waitFor((c) => c.botTexts().some((text) => text.includes('13808')));
      const history = await request(base)
        .get(`/v3/directline/conversations/${started.body.conversationId}/activities?watermark=%00`)
        .set('authorization', `Bearer ${generated.body.token}`);
      assert.equal(history.status, 200, history.text);
    } finally {
      stream.close();
    }
    const { rows } = await admin.query(`select user_name from ${schema}.directline_conversations where user_id = 'nul-user'`);
    assert.equal(rows[0]?.user_name, 'Taro Yamada');
    const transcript = await admin.query(`select text from ${schema}.transcript where conversation_id = $1 and role = 'user'`, [
      `webchat:${started.body.conversationId}`,
    ]);
    assert.deepEqual(
      transcript.rows.map((r: { text: string }) => r.text),
      ['ERROR_IPSEC_IKE_SA_REAPED が出ます'],
    );
  });
});
