import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { TestApp } from '../helper.js';
import type { StreamActivity } from './directline-client.js';

/** Listens on a free port of 127.0.0.1 (the Direct Line stream needs a real socket); returns the base URL. */
export async function listen(t: TestApp): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
}

export interface Started {
  conversationId: string;
  token: string;
  streamUrl: string;
}

/** tokens/generate with the secret, then POST /conversations with the token, as Web Chat's host page does. */
export async function startConversation(base: string, secret: string, body: object = {}): Promise<Started> {
  const generated = await request(base).post('/v3/directline/tokens/generate').set('authorization', `Bearer ${secret}`).send(body).expect(200);
  const started = await request(base)
    .post('/v3/directline/conversations')
    .set('authorization', `Bearer ${generated.body.token}`)
    .send({ locale: 'ja-JP' })
    .expect(201);
  return started.body;
}

/** Posts a user activity with the conversation's token. */
export function postActivity(base: string, s: Started, activity: object) {
  return request(base).post(`/v3/directline/conversations/${s.conversationId}/activities`).set('authorization', `Bearer ${s.token}`).send(activity);
}

/** The stored history, as polling clients read it. */
export async function history(base: string, s: Started): Promise<StreamActivity[]> {
  const polled = await request(base).get(`/v3/directline/conversations/${s.conversationId}/activities`).set('authorization', `Bearer ${s.token}`).expect(200);
  return polled.body.activities;
}
