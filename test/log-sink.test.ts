import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import helpdeskApp, { serverOptions } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { loggerOptions } from '../src/logger.js';
import { StreamClient } from './channels/directline-client.js';
import { AGENT_ENV, ALICE } from './handoff/handoff-helpers.js';
import { messageActivity, tempDataDir } from './helper.js';

/**
 * The log sink at its most talkative (trace): real Web Chat and Bot Framework conversations, secrets typed by the
 * employee, a handoff, an agent who claims, writes and resolves, a webhook, refused credentials. Not one token,
 * secret, password or Authorization header may reach a log line, and what the employee typed as a secret is masked in
 * everything stored and shown to IT.
 */
const DIRECTLINE_SECRET = 'log-sink-directline-secret-0123456789abcdef';
const ASSERTION_SECRET = 'log-sink-assertion-secret-0123456789abcd';
const WEBHOOK_SECRET = 'log-sink-webhook-secret-0123';
const APP_PASSWORD = 'log-sink-app-password-Zq9!';
/** What the employee types: a password, a pre-shared key, a pasted token. */
const TYPED = { password: 'Hunter2LogSink', psk: 'vpn-psk-7731-sink', apiKey: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' };

describe('logs at trace level carry no token, secret or password', () => {
  const data = tempDataDir();
  const lines: string[] = [];
  let app: FastifyInstance;
  let receiver: Server;
  let origin = '';

  before(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const config = loadConfig({
      ...AGENT_ENV,
      DATA_DIR: data.dir,
      LOG_LEVEL: 'trace',
      DIRECTLINE_SECRET,
      WEBCHAT_USER_ASSERTION_SECRET: ASSERTION_SECRET,
      WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/itsm`,
      WEBHOOK_SECRET,
      MicrosoftAppPassword: APP_PASSWORD,
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const options = loggerOptions('trace');
    app = Fastify(serverOptions(config, { ...(typeof options === 'object' ? options : {}), level: 'trace', stream: sink }));
    await app.register(helpdeskApp, { config });
    origin = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  after(async () => {
    await app?.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    data.cleanup();
  });

  it('a Web Chat conversation with typed secrets, a handoff and an agent, and a Bot Framework one', async () => {
    const dl = (path: string, token: string, body?: unknown) =>
      fetch(`${origin}/v3/directline${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
    const generated = await dl('/tokens/generate', DIRECTLINE_SECRET, { user: { id: 'dl_sink_user', name: 'Sink' } });
    const { token } = (await generated.json()) as { token: string };
    const started = await dl('/conversations', token);
    const { conversationId, streamUrl } = (await started.json()) as { conversationId: string; streamUrl: string };
    const stream = await StreamClient.open(streamUrl);
    const streamToken = new URL(streamUrl).searchParams.get('t') ?? '';
    await stream.waitFor((c) => c.botTexts().length >= 1);

    let sent = 0;
    const say = async (text: string) => {
      const before = stream.botTexts().length;
      const res = await dl(`/conversations/${conversationId}/activities`, token, { type: 'message', text, from: { id: 'dl_sink_user' }, channelData: { clientActivityID: `c-${++sent}` } });
      assert.equal(res.status, 200);
      await stream.waitFor((c) => c.botTexts().length > before);
    };
    await say('ERROR_IPSEC_IKE_SA_REAPED');
    await say(`パスワードは${TYPED.password}です。PSK: ${TYPED.psk}`);
    await say('担当者と話したい');
    await say(`password: ${TYPED.password} と token ${TYPED.apiKey} も試しました`);

    // A refused token and a refused agent token: their Authorization headers are logged with the refusal.
    assert.equal((await dl('/tokens/refresh', `${token}x`)).status, 403);
    const agentCall = (path: string, secret: string, body?: unknown) =>
      fetch(`${origin}/api/agent${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    assert.equal((await agentCall('/tickets', `${ALICE}-wrong`)).status, 401);
    const list = (await (await agentCall('/tickets', ALICE)).json()) as { tickets: Array<{ id: number }> };
    const ticketId = list.tickets[0]?.id ?? 0;
    assert.equal((await agentCall(`/tickets/${ticketId}/claim`, ALICE, {})).status, 200);
    assert.equal((await agentCall(`/tickets/${ticketId}/messages`, ALICE, { text: 'VPN の設定を確認しました。' })).status, 202);
    await stream.waitFor((c) => c.activities.some((a) => (a.text ?? '').includes('VPN の設定を確認しました。')));
    const view = await (await agentCall(`/tickets/${ticketId}`, ALICE)).text();
    assert.equal((await agentCall(`/tickets/${ticketId}/resolve`, ALICE, { note: 'done' })).status, 200);

    // A Bot Framework conversation (Emulator-shaped, local mode) with a secret too.
    const activity = messageActivity({ serviceUrl: 'http://127.0.0.1:9', conversationId: 'sink-bf', text: `my password is ${TYPED.password}`, extra: { deliveryMode: 'expectReplies' } });
    assert.equal((await fetch(`${origin}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) })).status, 200);
    stream.close();

    // What IT sees and what is stored: the secrets are masked.
    for (const secret of Object.values(TYPED)) assert.ok(!view.includes(secret), `the agent view shows ${secret}`);
    assert.match(view, /\*{8}/);
    const { db } = app.storage.database;
    const stored = [
      ...(await db.selectFrom('transcript').select('text').execute()).map((r) => r.text),
      ...(await db.selectFrom('tickets').select('transcript').execute()).map((r) => r.transcript),
      ...(await db.selectFrom('directline_activities').select('body').execute()).map((r) => r.body),
      ...(await db.selectFrom('ticket_events').select('text').execute()).map((r) => r.text ?? ''),
    ].join('\n');
    for (const secret of Object.values(TYPED)) assert.ok(!stored.includes(secret), `${secret} is stored`);

    // The logs: plenty of them, none with a credential.
    const all = lines.join('');
    assert.ok(lines.length > 50, `only ${lines.length} log lines`);
    assert.equal(app.log.level, 'trace');
    assert.match(all, /incoming request/);
    assert.match(all, /ticket created/);
    const credentials = {
      DIRECTLINE_SECRET,
      ASSERTION_SECRET,
      WEBHOOK_SECRET,
      APP_PASSWORD,
      'Direct Line token': token,
      'stream token': streamToken,
      'agent token': ALICE,
      ...TYPED,
    };
    for (const [name, secret] of Object.entries(credentials)) {
      const at = all.indexOf(secret);
      assert.equal(at, -1, `${name} reached the logs: …${all.slice(Math.max(0, at - 200), at + 50)}…`);
    }
    assert.doesNotMatch(all, /"authorization":"(?!\[REDACTED\])/i, 'an Authorization header reached the logs');
    assert.doesNotMatch(all, /Bearer [A-Za-z0-9._~+/-]{8,}/, 'a bearer credential reached the logs');
  });
});
