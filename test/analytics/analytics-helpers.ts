import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { hashToken } from '../../src/handoff/agent-tokens.js';
import { messageActivity } from '../helper.js';

export const SEED = 'ERROR_IPSEC_IKE_SA_REAPEDエラーが発生したとき、どのように対処すればいいですか?';
export const ADMIN = 'admin-token-0123456789abcdef';
export const AGENT = 'alice-token-0123456789abcdef';
export const ANALYTICS_ENV = {
  ADMIN_TOKENS: `carol:${hashToken(ADMIN).toString('hex')}`,
  AGENT_TOKENS: `alice:${hashToken(AGENT).toString('hex')}`,
  BUSINESS_HOURS: 'always',
};

export interface Reply {
  text: string;
  buttons: string[];
  values: unknown[];
}

/**
 * An employee on a Bot Framework channel: each message goes with deliveryMode expectReplies (the replies come back
 * in the response); proactive messages (from IT staff) go to `serviceUrl`, a local ConnectorReceiver.
 */
export class ApiEmployee {
  last: Reply | undefined;
  constructor(
    private app: FastifyInstance,
    private serviceUrl: string,
    readonly conversationId: string,
  ) {}

  async say(text: string, value?: unknown): Promise<Reply[]> {
    const activity = messageActivity({ serviceUrl: this.serviceUrl, conversationId: this.conversationId, text, value, extra: { deliveryMode: 'expectReplies' } });
    const res = await request(this.app.server).post('/api/messages').send(activity).expect(200);
    const activities: unknown = Reflect.get(res.body as object, 'activities');
    const replies = (Array.isArray(activities) ? activities : []).flatMap((a: Record<string, unknown>) => {
      if (a.type !== 'message') return [];
      const actions: unknown = (a.suggestedActions as { actions?: unknown } | undefined)?.actions;
      const list: Array<{ title?: unknown; value?: unknown }> = Array.isArray(actions) ? actions : [];
      return [{ text: typeof a.text === 'string' ? a.text : '', buttons: list.map((x) => String(x.title)), values: list.map((x) => x.value) }];
    });
    this.last = replies.at(-1) ?? this.last;
    return replies;
  }

  /** Clicks a button of the last question, as Web Chat does (the value plus the label as text). */
  async click(label: string): Promise<Reply[]> {
    const index = this.last ? this.last.buttons.indexOf(label) : -1;
    if (!this.last || index < 0) throw new Error(`no button "${label}" in ${JSON.stringify(this.last)}`);
    return this.say(label, this.last.values[index]);
  }
}

export function texts(replies: Reply[]): string {
  return replies.map((r) => r.text).join('\n---\n');
}
