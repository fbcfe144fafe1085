import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { hashToken } from '../../src/handoff/agent-tokens.js';
import { after, before } from 'node:test';
import { ConnectorReceiver, buildApp, employeeSays, type TestApp } from '../helper.js';

/** Two agents with known tokens, as AGENT_TOKENS holds them (hashes only). */
export const ALICE = 'alice-token-0123456789abcdef';
export const BOB = 'bob-token-0123456789abcdef';
export const AGENT_ENV = {
  AGENT_TOKENS: `alice:${hashToken(ALICE).toString('hex')},bob:${hashToken(BOB).toString('hex')}`,
  BUSINESS_HOURS: 'always',
};

/** The words of a bot message: its text, or the text blocks of its Adaptive Card (Teams shows questions as cards). */
export function messageText(body: Record<string, unknown>): string {
  if (typeof body.text === 'string' && body.text !== '') return body.text;
  const attachments = Array.isArray(body.attachments) ? (body.attachments as unknown[]) : [];
  const blocks: string[] = [];
  for (const attachment of attachments) {
    const content: unknown = typeof attachment === 'object' && attachment !== null ? Reflect.get(attachment, 'content') : undefined;
    const items: unknown = typeof content === 'object' && content !== null ? Reflect.get(content, 'body') : undefined;
    if (!Array.isArray(items)) continue;
    for (const item of items) {
      const text: unknown = typeof item === 'object' && item !== null ? Reflect.get(item, 'text') : undefined;
      if (typeof text === 'string') blocks.push(text);
    }
  }
  return blocks.join('\n');
}

/** One employee on a Bot Framework channel (Teams-shaped by default), replies collected by the local connector. */
export class Employee {
  constructor(
    private app: FastifyInstance,
    private receiver: ConnectorReceiver,
    private serviceUrl: string,
    readonly conversationId: string,
    private opts: { channelId?: string; userId?: string; userName?: string; locale?: string } = {},
  ) {}

  /** Sends a message (or a button click when `value` is given) and returns what the bot said in reply to it. */
  async say(text: string, value?: unknown): Promise<string[]> {
    const before = this.receiver.received.length;
    await employeeSays(this.app, {
      serviceUrl: this.serviceUrl,
      conversationId: this.conversationId,
      text,
      value,
      channelId: this.opts.channelId ?? 'msteams',
      userId: this.opts.userId ?? 'aad-user-1',
      userName: this.opts.userName ?? '山田 太郎',
      locale: this.opts.locale,
      extra: this.opts.channelId === 'msteams' || this.opts.channelId === undefined ? { channelData: { tenant: { id: 'tenant-1' } } } : {},
    });
    return this.textsSince(before);
  }

  /** Message texts the bot posted to this conversation from index `from` on. */
  textsSince(from: number): string[] {
    return this.receiver.received.slice(from).flatMap((r) => {
      const inConversation = r.path.includes(`/v3/conversations/${encodeURIComponent(this.conversationId)}/activities`);
      if (!inConversation || r.body.type !== 'message') return [];
      const text = messageText(r.body);
      return text ? [text] : [];
    });
  }

  /** Waits for a bot message in this conversation matching `pattern`, posted at or after index `from`. */
  async waitForText(pattern: RegExp, from = 0): Promise<string> {
    await this.receiver.waitFor(() => this.textsSince(from).some((t) => pattern.test(t)));
    return this.textsSince(from).find((t) => pattern.test(t)) ?? '';
  }

  /** After a restart: the same employee talks to the new app instance. */
  rebind(app: FastifyInstance): void {
    this.app = app;
  }

  mark(): number {
    return this.receiver.received.length;
  }
}

/** Asks for a person straight away and returns the ticket id from the bot's answer. */
export async function escalate(employee: Employee): Promise<{ id: number; number: string; texts: string[] }> {
  const texts = await employee.say('担当者と話したい。VPN が朝からつながりません');
  const number = /(HD-\d{6})/.exec(texts.join('\n'))?.[1];
  assert.ok(number, `no ticket number in ${JSON.stringify(texts)}`);
  return { id: Number(number.slice(3)), number, texts };
}

export function agent(app: FastifyInstance, token: string) {
  const auth = { authorization: `Bearer ${token}` };
  return {
    get: (path: string) => request(app.server).get(path).set(auth),
    post: (path: string, body?: object) => request(app.server).post(path).set(auth).send(body ?? {}),
  };
}

type EmployeeOptions = ConstructorParameters<typeof Employee>[4];

/**
 * The app with the two agents of AGENT_ENV and a local Bot Connector, built before the suite's tests and closed after
 * them; `employee()` is a new Teams-shaped employee in a conversation of their own.
 */
export function withHelpdesk(conversationPrefix: string) {
  const receiver = new ConnectorReceiver();
  let built: TestApp | undefined;
  let serviceUrl = '';
  let counter = 0;
  before(async () => {
    serviceUrl = await receiver.start();
    built = await buildApp(AGENT_ENV);
  });
  after(async () => {
    await built?.close();
    await receiver.stop();
  });
  return {
    receiver,
    get app(): FastifyInstance {
      assert.ok(built, 'the app is built before the tests run');
      return built.app;
    },
    employee(opts: EmployeeOptions = {}): Employee {
      return new Employee(this.app, receiver, serviceUrl, `${conversationPrefix}-${++counter}`, opts);
    },
  };
}
