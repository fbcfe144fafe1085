import type { FastifyInstance } from 'fastify';
import { employeeSays } from '../helper.js';

export interface Reply {
  text: string;
  buttons: string[];
  /** Each button's value, as the channel would send it back on a click. */
  values: unknown[];
}

function readReplies(body: unknown): Reply[] {
  const activities: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, 'activities') : undefined;
  if (!Array.isArray(activities)) throw new Error(`expected {activities: [...]}, got ${JSON.stringify(body)}`);
  return activities.flatMap((a: Record<string, unknown>) => {
    if (a.type !== 'message') return [];
    const actions: unknown = (a.suggestedActions as { actions?: unknown } | undefined)?.actions;
    const list: Array<{ title?: unknown; value?: unknown }> = Array.isArray(actions) ? actions : [];
    return [{ text: typeof a.text === 'string' ? a.text : '', buttons: list.map((x) => String(x.title)), values: list.map((x) => x.value) }];
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
  const { response } = await employeeSays(app, {
    serviceUrl: 'http://127.0.0.1:9',
    conversationId,
    text,
    value: opts.value,
    locale: opts.locale,
    channelId: opts.channelId,
    extra: { deliveryMode: 'expectReplies' },
  });
  return readReplies(response.body);
}

/** Clicks a suggested-action button the way Web Chat does (messageBack: the value plus the label as text). */
export async function click(app: FastifyInstance, conversationId: string, reply: Reply | undefined, label: string): Promise<Reply[]> {
  const index = reply ? reply.buttons.indexOf(label) : -1;
  if (!reply || index < 0) throw new Error(`no button "${label}" in ${JSON.stringify(reply)}`);
  return say(app, conversationId, label, { value: reply.values[index] });
}

export function allText(replies: Reply[]): string {
  return replies.map((r) => r.text).join('\n---\n');
}
