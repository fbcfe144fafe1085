import { Pool } from 'undici';
import type { ConnectorStandIn, ReceivedReply } from './connector-stand-in.js';
import { answerIsRight, findButton, type Step } from './employee.js';

export interface TurnLoadOptions {
  kind: 'ours' | 'peer';
  baseUrl: string;
  standIn: ConnectorStandIn;
  /** Virtual employees talking at the same time (closed loop: each sends its next message once answered). */
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  script: readonly Step[];
  /** Distinguishes conversation ids between runs (each server starts empty, but ids stay unique anyway). */
  runLabel: string;
  /** Stop after this many whole conversations (the memory phase); otherwise run for the duration. */
  conversations?: number;
  /** Only the script's first steps (the memory phase starts conversations and leaves them open). */
  stepsPerConversation?: number;
}

export interface TurnLoadResult {
  /** Turns answered inside the measured window. */
  turns: number;
  /** Every turn sent, warm-up included (to relate totals such as Bot Connector calls to turns). */
  allTurns: number;
  conversations: number;
  seconds: number;
  /** Per turn: from sending the message to the last reply of its answer reaching the Bot Connector stand-in. */
  latenciesMs: number[];
  errors: number;
  errorSamples: string[];
}

interface Turn {
  ok: boolean;
  latencyMs: number;
  replies: ReceivedReply[];
  problem?: string;
}

let messageCounter = 0;

/** A Teams personal-chat message as the Bot Connector delivers it. */
export function teamsMessage(
  serviceUrl: string,
  conversationId: string,
  employee: number,
  text: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'message',
    id: `m${++messageCounter}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: { id: `29:bench-employee-${employee}`, name: `Employee ${employee}`, aadObjectId: `00000000-0000-4000-8000-${String(employee).padStart(12, '0')}` },
    recipient: { id: '28:helpdesk-bot', name: 'IT Helpdesk' },
    conversation: { id: conversationId, conversationType: 'personal', tenantId: 'bench-tenant' },
    channelData: { tenant: { id: 'bench-tenant' } },
    locale: 'ja-JP',
    textFormat: 'plain',
    text,
    ...extra,
  };
}

/**
 * Closed-loop load over /api/messages: `concurrency` virtual employees each play the script as one conversation,
 * then start a new conversation. Replies come back the real way, POSTed by the bot to the Bot Connector stand-in,
 * and each is matched to its message by replyToId. Only turns that start after the warm-up and finish inside the
 * window are counted.
 */
export async function runTurnLoad(options: TurnLoadOptions): Promise<TurnLoadResult> {
  const pool = new Pool(options.baseUrl, { connections: options.concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let turns = 0;
  let allTurns = 0;
  let conversations = 0;
  let conversationsStarted = 0;
  const start = performance.now();
  const windowStart = start + options.warmupMs;
  const windowEnd = options.conversations === undefined ? windowStart + options.durationMs : Number.POSITIVE_INFINITY;
  const steps = options.script.slice(0, options.stepsPerConversation ?? options.script.length);

  async function send(activity: Record<string, unknown>): Promise<Turn> {
    const id = String(activity.id);
    options.standIn.expect(id);
    const sent = performance.now();
    try {
      const res = await pool.request({
        method: 'POST',
        path: '/api/messages',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      const body = await res.body.text();
      const replies = options.standIn.take(id);
      const last = replies.at(-1)?.at ?? performance.now();
      if (res.statusCode !== 200) return { ok: false, latencyMs: last - sent, replies, problem: `HTTP ${res.statusCode} ${body.slice(0, 200)}` };
      return { ok: true, latencyMs: last - sent, replies };
    } catch (err) {
      options.standIn.take(id);
      return { ok: false, latencyMs: performance.now() - sent, replies: [], problem: err instanceof Error ? err.message : String(err) };
    }
  }

  const moreConversations = () => (options.conversations === undefined ? performance.now() < windowEnd : conversationsStarted < options.conversations);

  async function employee(index: number): Promise<void> {
    let serial = 0;
    while (moreConversations()) {
      conversationsStarted++;
      const conversationId = `a:bench-${options.runLabel}-${index}-${serial++}`;
      let previous: ReceivedReply[] = [];
      let finished = true;
      for (const step of steps) {
        if (performance.now() >= windowEnd) return;
        const button = step.click ? findButton(previous, step.click) : undefined;
        const activity = button
          ? teamsMessage('', conversationId, index, button.label, { value: button.value, replyToId: button.activityId })
          : teamsMessage('', conversationId, index, step.text);
        activity.serviceUrl = options.standIn.url;
        const began = performance.now();
        const turn = await send(activity);
        allTurns++;
        const ended = performance.now();
        const counted = began >= windowStart && ended <= windowEnd;
        const right = turn.ok && answerIsRight(options.kind, step, String(activity.text), turn.replies);
        if (counted) {
          if (right) {
            turns++;
            latencies.push(turn.latencyMs);
          } else {
            errors++;
            if (errorSamples.length < 5) {
              errorSamples.push(turn.problem ?? `unexpected answer to "${String(activity.text)}": ${JSON.stringify(turn.replies.map((r) => r.activity.text ?? r.activity.attachments)).slice(0, 300)}`);
            }
          }
        }
        if (!right) {
          finished = false;
          break; // a new conversation, as a confused employee would start over
        }
        previous = turn.replies;
      }
      if (finished && performance.now() <= windowEnd) conversations++;
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => employee(i)));
  const end = Math.min(performance.now(), windowEnd);
  await pool.close();
  return { turns, allTurns, conversations, seconds: (end - windowStart) / 1000, latenciesMs: latencies, errors, errorSamples };
}
