import { Pool } from 'undici';
import WebSocket from 'ws';
import { answerIsRight, findButton, type Step } from './employee.js';

export interface WebChatLoadOptions {
  baseUrl: string;
  /** DIRECTLINE_SECRET the server was started with (tokens/generate needs it, as a host site's backend would). */
  secret: string;
  conversations: number;
  script: readonly Step[];
  /** Each employee reads the answer for about this long before clicking (uniformly ±50%). */
  thinkMs: number;
}

export interface WebChatLoadResult {
  turns: number;
  /** From POST …/activities to the first bot reply to that message arriving on the WebSocket. */
  firstReplyMs: number[];
  /** From the POST to the reply that completes the answer (the next question, or the ticket). */
  wholeAnswerMs: number[];
  errors: number;
  errorSamples: string[];
  seconds: number;
}

interface Arrived {
  at: number;
  id: string;
  activity: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One browser tab: a Direct Line conversation with its WebSocket stream, recording bot messages as they arrive. */
class Tab {
  readonly arrived: Arrived[] = [];
  private wake: (() => void) | undefined;

  constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const at = performance.now();
      if (data.length === 0) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString('utf8'));
      } catch {
        return;
      }
      const activities: unknown = isRecord(parsed) ? parsed.activities : undefined;
      if (!Array.isArray(activities)) return;
      for (const activity of activities) {
        if (!isRecord(activity) || activity.type !== 'message') continue;
        const from = activity.from;
        if (!isRecord(from) || from.role !== 'bot') continue;
        this.arrived.push({ at, id: typeof activity.id === 'string' ? activity.id : '', activity });
      }
      this.wake?.();
    });
  }

  static open(url: string): Promise<Tab> {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const tab = new Tab(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(tab));
      socket.once('error', reject);
    });
  }

  /** Waits until `done` holds over what has arrived, or the deadline passes. */
  async until(done: () => boolean, ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    while (!done()) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return true;
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * The Web Chat measurement: `conversations` employees at once, each in their own Direct Line conversation with a
 * WebSocket stream (as the official Web Chat runs it), playing the whole script with a human pause between answers.
 */
export async function runWebChatLoad(options: WebChatLoadOptions): Promise<WebChatLoadResult> {
  const pool = new Pool(options.baseUrl, { connections: 64, keepAliveTimeout: 30_000 });
  const firstReplyMs: number[] = [];
  const wholeAnswerMs: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let turns = 0;
  const fail = (problem: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(problem);
  };

  async function post(path: string, credential: string, body: unknown): Promise<Record<string, unknown>> {
    const res = await pool.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
      body: JSON.stringify(body),
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
    const parsed: unknown = JSON.parse(text);
    if (!isRecord(parsed)) throw new Error(`${path}: not an object`);
    return parsed;
  }

  const pause = () => new Promise((resolve) => setTimeout(resolve, options.thinkMs * (0.5 + Math.random())));

  async function employee(index: number): Promise<void> {
    const userId = `dl-bench-${index}`;
    let tab: Tab | undefined;
    try {
      // Spread the page loads over the first pause, as people do not all open the chat in the same millisecond.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * options.thinkMs));
      const generated = await post('/v3/directline/tokens/generate', options.secret, { user: { id: userId, name: `Employee ${index}` } });
      const token = String(generated.token);
      const conversation = await post('/v3/directline/conversations', token, { locale: 'ja-JP' });
      const conversationId = String(conversation.conversationId);
      tab = await Tab.open(String(conversation.streamUrl));
      const opened = tab;
      // The welcome comes first; wait for it as a person would before typing.
      await opened.until(() => opened.arrived.length > 0, 30_000);
      let previous: Arrived[] = [];
      for (const step of options.script) {
        await pause();
        const button = step.click ? findButton(previous, step.click) : undefined;
        const activity = {
          type: 'message',
          from: { id: userId },
          locale: 'ja-JP',
          text: button ? button.label : step.text,
          ...(button ? { value: button.value } : {}),
        };
        const seen = opened.arrived.length;
        const sent = performance.now();
        const answer = await post(`/v3/directline/conversations/${conversationId}/activities`, token, activity);
        const id = String(answer.id);
        const replies = () => opened.arrived.slice(seen).filter((a) => a.activity.replyToId === id);
        const complete = () => answerIsRight('ours', step, activity.text, replies());
        const ok = await opened.until(complete, 60_000);
        const got = replies();
        const first = got[0];
        if (!ok || !first) {
          fail(`no complete answer to "${activity.text}" within 60 s (got ${got.length} replies)`);
          return;
        }
        turns++;
        firstReplyMs.push(first.at - sent);
        wholeAnswerMs.push((got.at(-1)?.at ?? first.at) - sent);
        previous = got;
      }
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
    } finally {
      tab?.close();
    }
  }

  const started = performance.now();
  await Promise.all(Array.from({ length: options.conversations }, (_, i) => employee(i)));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { turns, firstReplyMs, wholeAnswerMs, errors, errorSamples, seconds };
}
