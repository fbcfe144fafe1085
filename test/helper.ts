import { mkdtempSync, rmSync } from 'node:fs';
import { after, before } from 'node:test';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import request, { type Response } from 'supertest';
import helpdeskApp, { serverOptions } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import pg from 'pg';
import { postgresSchema } from './scale/instances.js';

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  dataDir: string;
  close(): Promise<void>;
}

/** A fresh data folder per test file; removed by cleanup(). */
export function tempDataDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'helpdesk-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Builds the whole app on a fresh Fastify instance (never listening unless the test asks). */
export async function buildApp(env: Record<string, string | undefined> = {}, dataDir?: string): Promise<TestApp> {
  const own = dataDir ? undefined : tempDataDir();
  const dir = dataDir ?? own?.dir ?? '';
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', ...env });
  const app = Fastify(serverOptions(config, env.LOG_LEVEL ? undefined : false));
  await app.register(helpdeskApp, { config });
  await app.ready();
  return {
    app,
    config,
    dataDir: dir,
    async close() {
      await app.close();
      own?.cleanup();
    },
  };
}

export interface ReceivedActivity {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/**
 * A local stand-in for Microsoft's Bot Connector: records every activity the bot POSTs to
 * {serviceUrl}/v3/conversations/{id}/activities[/{replyToId}] (and PUT for updates).
 */
export class ConnectorReceiver {
  readonly received: ReceivedActivity[] = [];
  /** While set, requests whose "METHOD path" (decoded) matches are answered with `status` and not recorded. */
  outage: { status: number; matches: (path: string) => boolean } | undefined;
  /** How many requests the outage refused. */
  refused = 0;
  private server: Server;
  private waiters: Array<() => void> = [];
  private counter = 0;

  constructor() {
    this.server = createServer((req, res) => {
      let data = '';
      req.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
      req.on('end', () => {
        if (this.outage?.matches(decodeURIComponent(`${req.method} ${req.url}`))) {
          this.refused++;
          res.writeHead(this.outage.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'the stand-in is down' } }));
          for (const wake of this.waiters.splice(0)) wake();
          return;
        }
        let body: Record<string, unknown> = {};
        try {
          const parsed: unknown = JSON.parse(data || '{}');
          if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
        } catch {
          body = { raw: data };
        }
        this.received.push({ path: `${req.method} ${req.url}`, headers: req.headers, body });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: `sent-${++this.counter}` }));
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Message texts received so far (typing indicators left out). */
  texts(): string[] {
    return this.received.flatMap((r) => (r.body.type === 'message' && typeof r.body.text === 'string' ? [r.body.text] : []));
  }

  clear(): void {
    this.received.length = 0;
  }

  /** Waits until the predicate holds, or fails after `ms`. */
  async waitFor(predicate: () => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received: ${JSON.stringify(this.texts())}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let activityCounter = 0;

/** A Bot Framework message activity as the Emulator or a channel would POST it. */
export function messageActivity(opts: {
  serviceUrl: string;
  conversationId: string;
  text?: string;
  value?: unknown;
  channelId?: string;
  userId?: string;
  userName?: string;
  locale?: string;
  extra?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    type: 'message',
    id: `act-${++activityCounter}`,
    timestamp: new Date().toISOString(),
    channelId: opts.channelId ?? 'emulator',
    serviceUrl: opts.serviceUrl,
    conversation: { id: opts.conversationId },
    from: { id: opts.userId ?? 'user-1', name: opts.userName ?? 'Taro Yamada' },
    recipient: { id: 'helpdesk-bot', name: 'Helpdesk' },
    text: opts.text ?? '',
    ...(opts.value !== undefined ? { value: opts.value } : {}),
    ...(opts.locale ? { locale: opts.locale } : {}),
    ...opts.extra,
  };
}

export type MessageOptions = Parameters<typeof messageActivity>[0];

/**
 * The one "employee says" step: a message (or, with `value`, a button click) POSTed to /api/messages, answered 200.
 * Returns the activity as sent and the HTTP response (which carries the replies under deliveryMode expectReplies).
 */
export async function employeeSays(app: FastifyInstance, message: MessageOptions): Promise<{ sent: Record<string, unknown>; response: Response }> {
  const sent = messageActivity(message);
  const response = await request(app.server).post('/api/messages').send(sent).expect(200);
  return { sent, response };
}

export interface ConnectedApp extends TestApp {
  /** The local stand-in for Bot Connector the bot replies to. */
  receiver: ConnectorReceiver;
  /** Its URL, to put in the activities as serviceUrl. */
  serviceUrl: string;
}

/** The app plus a local Bot Connector receiver; close() stops both. */
export async function buildAppWithConnector(env: Record<string, string | undefined> = {}, dataDir?: string): Promise<ConnectedApp> {
  const receiver = new ConnectorReceiver();
  const serviceUrl = await receiver.start();
  const t = await buildApp(env, dataDir);
  return {
    ...t,
    receiver,
    serviceUrl,
    async close() {
      await t.close();
      await receiver.stop();
    },
  };
}

/** Builds the app with its connector before the suite's tests and closes both after them; `ready` receives it. */
export function withConnectedApp(env: Record<string, string | undefined>, ready: (app: ConnectedApp) => void): void {
  let built: ConnectedApp | undefined;
  before(async () => {
    built = await buildAppWithConnector(env);
    ready(built);
  });
  after(async () => built?.close());
}

/** Two instances of the app on one fresh PostgreSQL schema, as two servers behind a load balancer. */
export interface TwoInstances {
  one: TestApp;
  two: TestApp;
  /** A separate session on the same database (to hold locks, read rows). */
  admin: pg.Client;
  /** The schema both instances use (the admin session does not have it on its search_path). */
  schema: string;
  /** Closes both instances and drops the schema. */
  close(): Promise<void>;
}

export async function twoInstancesOnPostgres(env: Record<string, string | undefined>): Promise<TwoInstances> {
  const schema = await postgresSchema();
  const withDatabase = { ...env, DATABASE_URL: schema.url };
  const one = await buildApp(withDatabase);
  const two = await buildApp(withDatabase);
  return {
    one,
    two,
    admin: schema.admin,
    schema: schema.name,
    async close() {
      await one.close();
      await two.close();
      await schema.drop();
    },
  };
}
