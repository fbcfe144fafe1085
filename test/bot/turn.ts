import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { messageActivity } from '../helper.js';

export interface Reply {
  text: string;
  buttons: string[];
}

function readReplies(body: unknown): Reply[] {
  const activities: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, 'activities') : undefined;
  if (!Array.isArray(activities)) throw new Error(`expected {activities: [...]}, got ${JSON.stringify(body)}`);
  return activities.flatMap((a: Record<string, unknown>) => {
    if (a.type !== 'message') return [];
    const actions: unknown = (a.suggestedActions as { actions?: unknown } | undefined)?.actions;
    const buttons = Array.isArray(actions) ? actions.map((x: { title?: unknown }) => String(x.title)) : [];
    return [{ text: typeof a.text === 'string' ? a.text : '', buttons }];
  });
}

/**
 * Sends one user message with deliveryMode expectReplies, so the bot's replies come back in the HTTP response
 * (a Bot Framework feature): no connector needed for plain conversation tables.
 */
export async function say(
  app: FastifyInstance,
  conversationId: string,
  text: string,
  opts: { value?: unknown; locale?: string; channelId?: string } = {},
): Promise<Reply[]> {
  const activity = messageActivity({
    serviceUrl: 'http://127.0.0.1:9',
    conversationId,
    text,
    value: opts.value,
    locale: opts.locale,
    channelId: opts.channelId,
    extra: { deliveryMode: 'expectReplies' },
  });
  const res = await request(app.server).post('/api/messages').send(activity).expect(200);
  return readReplies(res.body);
}

/** Clicks a suggested-action button the way Web Chat does (messageBack: the value plus the label as text). */
export async function click(app: FastifyInstance, conversationId: string, reply: Reply | undefined, label: string): Promise<Reply[]> {
  if (!reply || !reply.buttons.includes(label)) throw new Error(`no button "${label}" in ${JSON.stringify(reply)}`);
  const action = BUTTON_ACTIONS[label];
  if (!action) throw new Error(`unknown button ${label}`);
  return say(app, conversationId, label, { value: { kind: 'hd.choice', action } });
}

const BUTTON_ACTIONS: Record<string, string> = {
  解決した: 'FIXED',
  まだ解決しない: 'NOT_FIXED',
  '具体的には?': 'SHOW_HOW',
  担当者と話したい: 'TALK_TO_IT',
  Fixed: 'FIXED',
  'Not fixed': 'NOT_FIXED',
  'Show me how': 'SHOW_HOW',
  'Talk to IT': 'TALK_TO_IT',
  はい: 'HELPFUL_YES',
  いいえ: 'HELPFUL_NO',
  Yes: 'HELPFUL_YES',
  No: 'HELPFUL_NO',
};

export function allText(replies: Reply[]): string {
  return replies.map((r) => r.text).join('\n---\n');
}
