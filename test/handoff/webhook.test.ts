import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import helpdeskApp, { serverOptions } from '../../src/app.js';
import { loadConfig, type WebhookConfig } from '../../src/config.js';
import { REDACT_PATHS } from '../../src/logger.js';
import { openDatabase } from '../../src/storage/database.js';
import { createOutboxStore } from '../../src/outbox/outbox-store.js';
import { WEBHOOK_TOPIC, backoffMs, createWebhookDispatcher } from '../../src/handoff/webhook/webhook-dispatcher.js';
import { verifySignature } from '../../src/handoff/webhook/sign-webhook.js';
import { ConnectorReceiver, employeeSays, tempDataDir } from '../helper.js';

const SECRET = 'webhook-secret-for-tests-0123456789';

interface Delivery {
  eventId: string;
  type: string;
  ticketId: number;
  signatureOk: boolean;
  body: Record<string, unknown>;
}

/** A stand-in ITSM: verifies the signature of every POST, can answer 500 for a while, or be switched off entirely. */
class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  failWith: number | undefined;
  refused = 0;
  private server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.failWith) {
          this.refused++;
          res.statusCode = this.failWith;
          res.end('nope');
          return;
        }
        const raw = Buffer.concat(chunks);
        const parsed: unknown = JSON.parse(raw.toString('utf8'));
        const body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
        const ticket = body.ticket as { id?: unknown } | undefined;
        this.deliveries.push({
          eventId: String(req.headers['x-helpdesk-event-id']),
          type: String(req.headers['x-helpdesk-event']),
          ticketId: Number(ticket?.id),
          signatureOk: verifySignature(SECRET, raw, req.headers['x-helpdesk-signature']?.toString()) && body.id === req.headers['x-helpdesk-event-id'],
          body,
        });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}/hooks/helpdesk?token=abc`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const silent = pino({ level: 'silent' });
const fastRetry = (url: string): WebhookConfig => ({ url, secret: SECRET, retryBaseMs: 20, retryMaxMs: 200, timeoutMs: 2000 });

function event(store: ReturnType<typeof createOutboxStore>, ticketId: number, type: string, n: number) {
  const eventId = `evt-${ticketId}-${n}`;
  return store.enqueue({ eventId, topic: WEBHOOK_TOPIC, ticketId, eventType: type, payload: JSON.stringify({ id: eventId, type, n, ticket: { id: ticketId } }) });
}

test('backoff grows exponentially with jitter and stays under the cap', () => {
  assert.equal(backoffMs(1, 1000, 60_000, () => 1), 1000);
  assert.equal(backoffMs(4, 1000, 60_000, () => 1), 8000);
  assert.equal(backoffMs(4, 1000, 60_000, () => 0), 4000);
  assert.equal(backoffMs(30, 1000, 60_000, () => 1), 60_000);
});

/** A SQLite outbox in `dir` and a dispatcher posting it to `url`. */
async function openOutbox(dir: string, url: string) {
  const database = await openDatabase({ dataDir: dir });
  const store = createOutboxStore(database);
  const dispatcher = createWebhookDispatcher({ store, config: fastRetry(url), logger: silent });
  return {
    store,
    dispatcher,
    async close() {
      await dispatcher.stop();
      await database.close();
    },
  };
}

/** An ITSM receiver (closed at first with `down`) and a dispatcher over a fresh outbox; all stopped after the test. */
async function dispatcherFixture(t: TestContext, opts: { down?: boolean } = {}) {
  const data = tempDataDir();
  const receiver = new WebhookReceiver();
  const url = await receiver.start();
  if (opts.down) await receiver.stop(); // the port is closed: connection refused
  const outbox = await openOutbox(data.dir, url);
  t.after(async () => {
    await outbox.close();
    await receiver.stop();
    data.cleanup();
  });
  return { receiver, store: outbox.store, dispatcher: outbox.dispatcher };
}

test('every event arrives signed, and each ticket keeps its order', async (t) => {
  const { receiver, store, dispatcher } = await dispatcherFixture(t);
  await event(store, 1, 'ticket.created', 1);
  await event(store, 2, 'ticket.created', 1);
  await event(store, 1, 'ticket.assigned', 2);
  await event(store, 1, 'ticket.message', 3);
  await event(store, 2, 'ticket.cancelled', 2);
  dispatcher.start();
  await until(() => receiver.deliveries.length === 5, 'five deliveries');
  const seen = JSON.stringify(receiver.deliveries.map((d) => [d.ticketId, d.type, d.signatureOk]));
  assert.ok(receiver.deliveries.every((d) => d.signatureOk), `every signature verifies: ${seen}`);
  assert.deepEqual(receiver.deliveries.filter((d) => d.ticketId === 1).map((d) => d.type), ['ticket.created', 'ticket.assigned', 'ticket.message'], seen);
  assert.deepEqual(receiver.deliveries.filter((d) => d.ticketId === 2).map((d) => d.type), ['ticket.created', 'ticket.cancelled'], seen);
  await until(async () => (await store.list(WEBHOOK_TOPIC)).every((row) => row.status === 'sent'), 'every row marked sent');
});

test('a receiver that is down (closed port, then 500s) loses nothing and gets events in order once back', async (t) => {
  const { receiver, store, dispatcher } = await dispatcherFixture(t, { down: true });
  dispatcher.start();
  for (let n = 1; n <= 4; n++) {
    await event(store, 7, n === 1 ? 'ticket.created' : 'ticket.message', n);
    dispatcher.wake();
  }
  await until(async () => (await store.list(WEBHOOK_TOPIC))[0]!.attempts >= 2, 'retries against the closed port');
  // Back, but failing with 500 for a while.
  receiver.failWith = 500;
  await receiver.start(receiver.port);
  await until(() => receiver.refused >= 2, 'retries against the 500s');
  assert.equal(receiver.deliveries.length, 0);
  receiver.failWith = undefined;
  await until(() => receiver.deliveries.length === 4, 'all four events');
  assert.deepEqual(receiver.deliveries.map((d) => d.body.n), [1, 2, 3, 4]);
  assert.ok(receiver.deliveries.every((d) => d.signatureOk));
  await until(async () => (await store.list(WEBHOOK_TOPIC)).every((row) => row.status === 'sent'), 'every row marked sent');
  const rows = await store.list(WEBHOOK_TOPIC);
  assert.ok(rows[0]!.attempts >= 3, 'the first event needed several attempts');
});

test('events still pending when the app stops are delivered after a restart', async (t) => {
  const data = tempDataDir();
  const receiver = new WebhookReceiver();
  const url = await receiver.start();
  receiver.failWith = 503;
  t.after(async () => {
    await receiver.stop();
    data.cleanup();
  });
  {
    const { store, dispatcher, close } = await openOutbox(data.dir, url);
    dispatcher.start();
    await event(store, 3, 'ticket.created', 1);
    await event(store, 3, 'ticket.resolved', 2);
    dispatcher.wake();
    await until(() => receiver.refused >= 1, 'a refused attempt');
    await close();
  }
  receiver.failWith = undefined;
  assert.equal(receiver.deliveries.length, 0);
  const restarted = await openOutbox(data.dir, url);
  t.after(() => restarted.close());
  restarted.dispatcher.start();
  await until(() => receiver.deliveries.length === 2, 'both events after the restart');
  assert.deepEqual(receiver.deliveries.map((d) => d.type), ['ticket.created', 'ticket.resolved']);
});

test('an event the receiver rejects for good (400) is kept as rejected and does not block the next one', async (t) => {
  const { receiver, store, dispatcher } = await dispatcherFixture(t);
  receiver.failWith = 400;
  await event(store, 9, 'ticket.created', 1);
  dispatcher.start();
  await until(async () => (await store.list(WEBHOOK_TOPIC))[0]?.status === 'rejected', 'the rejection');
  receiver.failWith = undefined;
  await event(store, 9, 'ticket.message', 2);
  dispatcher.wake();
  await until(() => receiver.deliveries.length === 1, 'the next event');
  assert.equal(receiver.deliveries[0]?.type, 'ticket.message');
  const [first] = await store.list(WEBHOOK_TOPIC);
  assert.equal(first?.attempts, 1);
  assert.equal(first?.lastError, 'HTTP 400');
});

/** The whole app, logging at debug level into memory so the test can read every line. */
async function appWithLogs(env: Record<string, string>, dataDir: string) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = loadConfig({ DATA_DIR: dataDir, ...env });
  const app = Fastify(serverOptions(config, { level: 'debug', redact: { paths: REDACT_PATHS, censor: '[REDACTED]' }, stream }));
  await app.register(helpdeskApp, { config });
  await app.ready();
  return { app, logs: () => lines.join('') };
}

test('ticket events from the running app reach the ITSM signed and in order, also across a restart, and the secret stays out of the logs', async (t) => {
  const data = tempDataDir();
  const itsm = new WebhookReceiver();
  const webhookUrl = await itsm.start();
  const connector = new ConnectorReceiver();
  const serviceUrl = await connector.start();
  const env = { WEBHOOK_URL: webhookUrl, WEBHOOK_SECRET: SECRET, WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_RETRY_MAX_MS: '200', LOG_LEVEL: 'debug' };
  let running = await appWithLogs(env, data.dir);
  t.after(async () => {
    await running.app.close();
    await itsm.stop();
    await connector.stop();
    data.cleanup();
  });

  await employeeSays(running.app, { serviceUrl, conversationId: 'itsm-conv-1', channelId: 'emulator', text: '担当者と話したいです。VPN が朝からつながりません' });
  await until(() => itsm.deliveries.some((d) => d.type === 'ticket.created'), 'ticket.created');
  const created = itsm.deliveries[0]!;
  const ticket = created.body.ticket as { id: number; number: string; status: string; transcript?: unknown[] };
  assert.equal(created.type, 'ticket.created');
  assert.ok(created.signatureOk);
  assert.equal(ticket.status, 'queued');
  assert.ok(connector.texts().some((text) => text.includes(ticket.number)), 'the employee was told the same ticket number');
  assert.ok(Array.isArray(ticket.transcript) && ticket.transcript.length > 0, 'ticket.created carries the transcript');

  const alice = { id: 'alice', name: 'Alice', via: 'console' as const };
  await running.app.handoff.claim(ticket.id, alice);
  await running.app.handoff.postAgentMessage(ticket.id, alice, 'VPN クライアントを再起動してください。');
  await until(() => itsm.deliveries.length >= 3, 'assigned and message');

  // The receiver goes away; the resolution happens meanwhile; the app restarts before the receiver is back.
  await itsm.stop();
  await running.app.handoff.resolve(ticket.id, alice, '証明書を更新しました');
  await until(async () => (await running.app.webhook!.outbox.list(WEBHOOK_TOPIC)).some((row) => row.eventType === 'ticket.resolved' && row.attempts >= 1), 'a failed attempt');
  const firstLogs = running.logs();
  await running.app.close();
  await itsm.start(itsm.port);
  running = await appWithLogs(env, data.dir);
  await until(() => itsm.deliveries.some((d) => d.type === 'ticket.resolved'), 'ticket.resolved after the restart');

  const mine = itsm.deliveries.filter((d) => d.ticketId === ticket.id);
  assert.deepEqual(mine.map((d) => d.type), ['ticket.created', 'ticket.assigned', 'ticket.message', 'ticket.resolved']);
  assert.ok(mine.every((d) => d.signatureOk), 'every event is signed with WEBHOOK_SECRET');
  assert.equal(new Set(mine.map((d) => d.eventId)).size, 4, 'one id per event');
  assert.equal(mine[2]?.body.text, 'VPN クライアントを再起動してください。');
  const logs = firstLogs + running.logs();
  assert.match(logs, /webhook delivery failed; will retry/);
  assert.ok(!logs.includes(SECRET), 'WEBHOOK_SECRET never appears in the logs');
  assert.ok(!logs.includes('token=abc'), 'the webhook URL is logged without its query string');
});

test('WEBHOOK_URL without a usable WEBHOOK_SECRET is refused at start-up', () => {
  assert.throws(() => loadConfig({ WEBHOOK_URL: 'https://itsm.example.com/hook' }), /WEBHOOK_SECRET/);
  assert.throws(() => loadConfig({ WEBHOOK_URL: 'https://itsm.example.com/hook', WEBHOOK_SECRET: 'short' }), /WEBHOOK_SECRET/);
  assert.throws(() => loadConfig({ WEBHOOK_URL: 'ftp://itsm.example.com/hook', WEBHOOK_SECRET: SECRET }), /WEBHOOK_URL/);
});
