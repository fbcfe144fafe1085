import type { Activity, TurnContext } from 'botbuilder';
import type { HelpdeskAdapter } from './create-adapter.js';
import type { FastifyInstance } from 'fastify';
import { HdErrors } from '../errors.js';

/** Control characters (C0, DEL, C1), lone surrogates, line/paragraph separators and BOMs: never part of an id, a type or a URL. */
const CONTROL = /[\p{Cc}\p{Cs}\u2028\u2029\ufeff]/u;
/** Teams conversation ids with a thread and message id run to a few hundred characters; nothing real is near this. */
const MAX_ID = 1024;

/** An optional string field that must be a single-line token (an id, a locale), not free text. */
function checkToken(value: unknown, key: string, max: number): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string') throw new HdErrors.BAD_ACTIVITY(`"${key}" must be a string`);
  if (value.length > max) throw new HdErrors.BAD_ACTIVITY(`"${key}" is longer than ${max} characters`);
  if (CONTROL.test(value)) throw new HdErrors.BAD_ACTIVITY(`"${key}" must not contain control characters`);
}

/** Checks the few fields every activity must have before botbuilder sees it; its own checks throw untyped errors. */
function readActivityBody(body: unknown): Activity {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HdErrors.BAD_ACTIVITY('the body must be a JSON object');
  const type: unknown = Reflect.get(body, 'type');
  if (typeof type !== 'string' || type === '') throw new HdErrors.BAD_ACTIVITY('"type" is required');
  // Activity types are camelCase words (message, conversationUpdate, invoke, …).
  if (!/^[A-Za-z]{1,64}$/.test(type)) throw new HdErrors.BAD_ACTIVITY('"type" must be an activity type such as message');
  const conversation: unknown = Reflect.get(body, 'conversation');
  const conversationId = typeof conversation === 'object' && conversation !== null ? Reflect.get(conversation, 'id') : undefined;
  if (typeof conversationId !== 'string' || conversationId === '') throw new HdErrors.BAD_ACTIVITY('"conversation.id" is required');
  checkToken(conversationId, 'conversation.id', MAX_ID);
  const serviceUrl: unknown = Reflect.get(body, 'serviceUrl');
  if (typeof serviceUrl !== 'string' || serviceUrl.length > 2048 || CONTROL.test(serviceUrl) || !/^https?:\/\/[^\s/?#]+[^\s]*$/i.test(serviceUrl)) {
    throw new HdErrors.BAD_ACTIVITY('"serviceUrl" must be an http(s) URL');
  }
  // Every channel names itself, and conversations are keyed by it (and stored with it): required.
  const channelId: unknown = Reflect.get(body, 'channelId');
  if (typeof channelId !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(channelId)) {
    throw new HdErrors.BAD_ACTIVITY('"channelId" is required: 1–64 letters, digits, dots, dashes or underscores');
  }
  // Optional fields, when present, must have their protocol shape: botbuilder and our reader trust them.
  for (const key of ['id', 'replyToId'] as const) checkToken(Reflect.get(body, key), key, MAX_ID);
  checkToken(Reflect.get(body, 'locale'), 'locale', 64);
  const text: unknown = Reflect.get(body, 'text');
  if (text !== undefined && text !== null && typeof text !== 'string') throw new HdErrors.BAD_ACTIVITY('"text" must be a string');
  for (const key of ['membersAdded', 'membersRemoved', 'entities', 'attachments'] as const) {
    const value: unknown = Reflect.get(body, key);
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'object' && item !== null)) {
      throw new HdErrors.BAD_ACTIVITY(`"${key}" must be a list of objects`);
    }
  }
  for (const key of ['from', 'recipient'] as const) {
    const value: unknown = Reflect.get(body, key);
    if (value === undefined || value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new HdErrors.BAD_ACTIVITY(`"${key}" must be an object`);
    // Replies are addressed with these (from ↔ recipient): a channel account's id and name are strings.
    for (const field of ['id', 'name'] as const) {
      const inner: unknown = Reflect.get(value, field);
      if (inner !== undefined && inner !== null && typeof inner !== 'string') throw new HdErrors.BAD_ACTIVITY(`"${key}.${field}" must be a string`);
    }
    const id: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, 'id') : undefined;
    if (id === '') throw new HdErrors.BAD_ACTIVITY(`"${key}.id" must not be empty`);
    checkToken(id, `${key}.id`, MAX_ID);
  }
  // The fields botbuilder reads are now known to be present and well-typed; the rest is optional in the protocol.
  return body as Activity;
}

/**
 * POST /api/messages — the Bot Framework endpoint (Teams, Emulator, Azure Direct Line).
 * Served by CloudAdapter's processActivity (via HelpdeskAdapter) rather than process(): that keeps Fastify's reply untouched (process()
 * demands an Express-like response object) and lets us answer with our own coded errors.
 */
export async function messagesRoute(
  app: FastifyInstance,
  opts: { adapter: HelpdeskAdapter; logic: (context: TurnContext) => Promise<void> },
) {
  app.post('/api/messages', async (request, reply) => {
    const activity = readActivityBody(request.body);
    const header = request.headers.authorization ?? '';
    // Authentication failures arrive as coded errors (HD_ERR_UNAUTHORIZED 401, HD_ERR_AUTH_UNAVAILABLE 503).
    const invokeResponse = await opts.adapter.handleActivity(header, activity, opts.logic);
    if (invokeResponse?.body !== undefined) return reply.code(invokeResponse.status ?? 200).send(invokeResponse.body);
    return reply.code(invokeResponse?.status ?? 200).send();
  });
}
