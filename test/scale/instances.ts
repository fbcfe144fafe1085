import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../bench/lib/target.js';
import { StreamClient } from '../channels/directline-client.js';

/** A free port (the server cannot be told PORT=0): the bench's helper, shared with the tests. */
export { freePort };

const root = join(import.meta.dirname, '..', '..');
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const SECRET = 'scale-test-directline-secret-0123456789';

/** A schema of its own on the local PostgreSQL, and the DATABASE_URL that uses it. */
export async function postgresSchema(): Promise<{ url: string; admin: pg.Client; name: string; drop(): Promise<void> }> {
  const name = `hd_scale_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${name}`);
  return {
    url: `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${name}`)}`,
    admin,
    name,
    async drop() {
      await admin.query(`drop schema if exists ${name} cascade`);
      await admin.end();
    },
  };
}

/** One instance of the service as a real child process (`node --import tsx src/server.ts`, as npm start runs it). */
export class Instance {
  readonly base: string;
  private exited: Promise<number | null>;
  output = '';

  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    this.base = `http://127.0.0.1:${port}`;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    if (process.env.SCALE_TEST_LOGS) {
      child.stdout?.on('data', (chunk: Buffer) => process.stderr.write(`[${port}] ${chunk.toString()}`));
      child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${port}] ${chunk.toString()}`));
    }
  }

  static async start(env: Record<string, string>): Promise<Instance> {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', DIRECTLINE_SECRET: SECRET, BUSINESS_HOURS: 'always', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const instance = new Instance(port, child);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the instance exited with ${child.exitCode}: ${instance.output}`);
      try {
        const res = await fetch(`${instance.base}/readyz`);
        if (res.status === 200) return instance;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the instance did not become ready: ${instance.output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** The exit code once the process has exited (null while it runs, or when a signal ended it). */
  get exitCode(): number | null {
    return this.child.exitCode;
  }

  /** False once the process has exited, whatever the reason (a code, or a signal it did not handle). */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** kill -9: no shutdown hook runs. */
  async crash(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM: the graceful shutdown; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    return this.exited;
  }

  /** The stream URL of a conversation, pointed at this instance. */
  streamUrl(streamUrl: string, watermark?: string): string {
    const url = new URL(streamUrl);
    url.host = `127.0.0.1:${this.port}`;
    if (watermark !== undefined) url.searchParams.set('watermark', watermark);
    return url.toString();
  }
}

export interface DlConversation {
  conversationId: string;
  token: string;
  streamUrl: string;
}

async function json(res: Response): Promise<Record<string, unknown>> {
  const body: unknown = await res.json();
  if (typeof body !== 'object' || body === null) throw new Error('not a JSON object');
  return Object.fromEntries(Object.entries(body));
}

/** POST /v3/directline/conversations with the secret, as a Web Chat host page's token server would. */
export async function startConversation(instance: Instance, userId: string): Promise<DlConversation> {
  const res = await fetch(`${instance.base}/v3/directline/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user: { id: userId, name: userId } }),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`conversation refused: ${res.status} ${await res.text()}`);
  const body = await json(res);
  return { conversationId: String(body.conversationId), token: String(body.token), streamUrl: String(body.streamUrl) };
}

/**
 * Posts a user message once and reports the status, without judging it (a client deciding whether to resend needs
 * it). With a client activity id the server treats a resend as the same message. Rejects only when no answer came
 * (connection refused or reset, or nothing within `timeoutMs`).
 */
export async function tryPost(
  instance: Instance,
  conversation: DlConversation,
  text: string,
  userId: string,
  clientActivityID?: string,
  timeoutMs = 20_000,
): Promise<{ status: number; id?: string; body: string }> {
  const res = await fetch(`${instance.base}/v3/directline/conversations/${conversation.conversationId}/activities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${conversation.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'message', text, from: { id: userId }, locale: 'ja-JP', ...(clientActivityID ? { channelData: { clientActivityID } } : {}) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await res.text();
  if (res.status !== 200) return { status: res.status, body };
  const id: unknown = Reflect.get(JSON.parse(body) as object, 'id');
  return { status: res.status, id: String(id), body };
}

/** Posts a user message; resolves with the activity id the server acknowledged. */
export async function post(instance: Instance, conversation: DlConversation, text: string, userId: string): Promise<string> {
  const answer = await tryPost(instance, conversation, text, userId);
  if (answer.status !== 200 || answer.id === undefined) throw new Error(`post refused: ${answer.status} ${answer.body}`);
  return answer.id;
}

export interface HistoryActivity {
  id: string;
  type: string;
  text?: string;
  replyToId?: string;
  from?: { role?: string; name?: string };
}

/** The whole stored history of a conversation (GET activities, paged by watermark). */
export async function history(instance: Instance, conversation: DlConversation): Promise<HistoryActivity[]> {
  const all: HistoryActivity[] = [];
  let watermark = '';
  for (;;) {
    const res = await fetch(`${instance.base}/v3/directline/conversations/${conversation.conversationId}/activities?watermark=${watermark}`, {
      headers: { authorization: `Bearer ${conversation.token}` },
    });
    const body = await json(res);
    const activities = Array.isArray(body.activities) ? (body.activities as HistoryActivity[]) : [];
    all.push(...activities);
    if (activities.length === 0 || typeof body.watermark !== 'string' || body.watermark === watermark) return all;
    watermark = body.watermark;
  }
}

export async function openSocket(instance: Instance, conversation: DlConversation, watermark?: string): Promise<StreamClient> {
  return StreamClient.open(instance.streamUrl(conversation.streamUrl, watermark));
}

/**
 * Reconnects as Web Chat does after its stream dropped: GET the conversation with the last watermark for a fresh
 * streamUrl (the old one's credential may have expired), then open it on this instance.
 */
export async function resumeSocket(instance: Instance, conversation: DlConversation, watermark: string): Promise<StreamClient> {
  const res = await fetch(`${instance.base}/v3/directline/conversations/${conversation.conversationId}?watermark=${watermark}`, {
    headers: { authorization: `Bearer ${conversation.token}` },
    signal: AbortSignal.timeout(15_000),
  });
  if (res.status !== 200) throw new Error(`reconnect refused: ${res.status} ${await res.text()}`);
  const body = await json(res);
  return StreamClient.open(instance.streamUrl(String(body.streamUrl)));
}

/** Waits for a condition, polling; throws with `what` once `ms` has passed. */
export async function until(condition: () => boolean | Promise<boolean>, what: () => string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
