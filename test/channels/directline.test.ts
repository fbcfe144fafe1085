import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import request from 'supertest';
import { SignJWT } from 'jose';
import { buildApp, type TestApp } from '../helper.js';
import { StreamClient } from './directline-client.js';
import { listen, postActivity, startConversation as startDirectLine, type Started } from './directline-fixture.js';

const SECRET = 'test-directline-secret-0123456789abcdef';
const SEED = 'ERROR_IPSEC_IKE_SA_REAPEDエラーが発生したとき、どのように対処すればいいですか?';

function startConversation(base: string, body: object = {}): Promise<Started> {
  return startDirectLine(base, SECRET, body);
}

const post = postActivity;

describe('Direct Line 3.0', () => {
  let t: TestApp;
  let base: string;

  before(async () => {
    t = await buildApp({ DIRECTLINE_SECRET: SECRET, DIRECTLINE_ACTIVITIES_PER_MINUTE: '8', WEBCHAT_ALLOWED_ORIGINS: 'http://intranet.example', TYPING_DELAY_MS: '0' });
    base = await listen(t);
  });
  after(async () => {
    await t.close();
  });

  it('greets, echoes the user with a server id, answers as the expert, and walks on when a button is clicked', async () => {
    const s = await startConversation(base, { user: { id: 'emp-1', name: 'Taro Yamada' } });
    assert.match(s.streamUrl, /^ws:\/\/127\.0\.0\.1:\d+\/v3\/directline\/conversations\/[\w-]+\/stream\?t=/);
    const stream = await StreamClient.open(s.streamUrl);
    await stream.waitFor((c) => c.botTexts().some((text) => text.includes('IT ヘルプデスク')));

    const sent = await post(base, s, { type: 'message', text: SEED, from: { id: 'someone-else' }, channelData: { clientActivityID: 'client-1' } }).expect(200);
    await stream.waitFor((c) => c.botTexts().some((text) => text.includes('VPN クライアントとネットワークの設定')));
    const echo = stream.activities.find((a) => a.channelData?.clientActivityID === 'client-1');
    assert.ok(echo, 'the user activity comes back on the stream');
    assert.equal(echo.id, sent.body.id);
    assert.equal(echo.from?.role, 'user');
    assert.equal(echo.from?.id, 'emp-1', 'from.id is the token user, whatever the client claims');
    assert.equal(echo.text, SEED);
    assert.ok(stream.activities.some((a) => a.type === 'typing' && a.from?.role === 'bot'), 'a typing indicator arrives');

    const question = stream.activities.findLast((a) => (a.suggestedActions?.actions?.length ?? 0) > 0);
    const notFixed = question?.suggestedActions?.actions?.find((a) => a.title === 'まだ解決しない');
    assert.ok(notFixed, `the check offers まだ解決しない: ${JSON.stringify(question)}`);
    await post(base, s, { type: 'message', text: 'まだ解決しない', value: notFixed.value, channelData: { clientActivityID: 'client-2', messageBack: { displayText: 'まだ解決しない' } } }).expect(200);
    await stream.waitFor((c) => c.botTexts().some((text) => text.includes('確認 2/')));
    stream.close();

    const polled = await request(base).get(`/v3/directline/conversations/${s.conversationId}/activities`).set('authorization', `Bearer ${s.token}`).expect(200);
    assert.ok(polled.body.activities.some((a: { text?: string }) => a.text?.includes('確認 2/')), 'polling returns the stored history');
    assert.ok(!polled.body.activities.some((a: { type: string }) => a.type === 'typing'), 'typing indicators are not history');
    const firstWatermark = '2';
    const tail = await request(base)
      .get(`/v3/directline/conversations/${s.conversationId}/activities?watermark=${polled.body.watermark}`)
      .set('authorization', `Bearer ${s.token}`)
      .expect(200);
    assert.deepEqual(tail.body.activities, []);

    const reconnect = await request(base).get(`/v3/directline/conversations/${s.conversationId}?watermark=${firstWatermark}`).set('authorization', `Bearer ${s.token}`).expect(200);
    assert.notEqual(reconnect.body.token, undefined);
    const resumed = await StreamClient.open(reconnect.body.streamUrl);
    await resumed.waitFor((c) => c.botTexts().some((text) => text.includes('確認 2/')));
    assert.ok(!resumed.activities.some((a) => a.text?.includes('IT ヘルプデスク')), 'a reconnect sends only what came after the watermark');
    resumed.close();
  });

  it('refreshes a token, and a token for one conversation gets 403 on another', async () => {
    const a = await startConversation(base);
    const b = await startConversation(base);
    const refreshed = await request(base).post('/v3/directline/tokens/refresh').set('authorization', `Bearer ${a.token}`).expect(200);
    assert.equal(refreshed.body.conversationId, a.conversationId);
    const forbidden = await request(base).get(`/v3/directline/conversations/${b.conversationId}/activities`).set('authorization', `Bearer ${refreshed.body.token}`).expect(403);
    assert.equal(forbidden.body.code, 'HD_ERR_FORBIDDEN');
    await post(base, { ...b, token: a.token }, { type: 'message', text: 'hi' }).expect(403);
  });

  it('answers bad input with coded 4xx and keeps serving', async () => {
    const s = await startConversation(base);
    assert.equal((await request(base).post(`/v3/directline/conversations/${s.conversationId}/activities`).send({ type: 'message', text: 'x' }).expect(403)).body.code, 'HD_ERR_FORBIDDEN');
    await request(base).post('/v3/directline/tokens/generate').set('authorization', 'Bearer not-the-secret').expect(403);
    assert.equal((await request(base).get('/v3/directline/conversations/unknownConversation1').set('authorization', `Bearer ${SECRET}`).expect(404)).body.code, 'HD_ERR_NOT_FOUND');
    const huge = await post(base, s, { type: 'message', text: 'x'.repeat(300 * 1024) }).expect(413);
    assert.equal(huge.body.code, 'HD_ERR_BODY_TOO_LARGE');
    assert.equal((await post(base, s, { type: 'message', text: 42 }).expect(400)).body.code, 'HD_ERR_BAD_ACTIVITY');
    // Written as text: a value this deep would overflow JSON.stringify on the client side first.
    const deep = `{"type":"message","text":"x","value":${'['.repeat(5000)}"bottom"${']'.repeat(5000)}}`;
    const deepAnswer = await request(base)
      .post(`/v3/directline/conversations/${s.conversationId}/activities`)
      .set('authorization', `Bearer ${s.token}`)
      .set('content-type', 'application/json')
      .send(deep)
      .expect(400);
    assert.equal(deepAnswer.body.code, 'HD_ERR_BAD_JSON_DEPTH');
    const upload = await request(base).post(`/v3/directline/conversations/${s.conversationId}/upload?userId=x`).set('authorization', `Bearer ${s.token}`).expect(415);
    assert.equal(upload.body.code, 'HD_ERR_UPLOAD_UNSUPPORTED');
    // A real file upload, as Web Chat sends it (multipart/form-data), gets the same clear answer (its own code and
    // message, after the caller is checked): a 4xx, since nothing is wrong with the server, it takes no files.
    const multipart = await request(base)
      .post(`/v3/directline/conversations/${s.conversationId}/upload?userId=x`)
      .set('authorization', `Bearer ${s.token}`)
      .attach('file', Buffer.from('vpn log line'), 'vpn.log')
      .field('activity', JSON.stringify({ type: 'message', from: { id: 'x' } }));
    assert.equal(multipart.status, 415, multipart.text);
    assert.equal(multipart.body.code, 'HD_ERR_UPLOAD_UNSUPPORTED');
    assert.equal(multipart.body.error, 'Unsupported Media Type');

    // An expired token (31 minutes later) is a 403, which Web Chat reads as "token expired".
    mock.timers.enable({ apis: ['Date'], now: Date.now() + 31 * 60 * 1000 });
    try {
      await request(base).get(`/v3/directline/conversations/${s.conversationId}/activities`).set('authorization', `Bearer ${s.token}`).expect(403);
    } finally {
      mock.timers.reset();
    }
    // A token signed with another key.
    const forged = await new SignJWT({ conv: s.conversationId, user: 'x' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode('another key entirely, 32+ chars long'));
    await request(base).get(`/v3/directline/conversations/${s.conversationId}/activities`).set('authorization', `Bearer ${forged}`).expect(403);
    await request(base).get('/healthz').expect(200);
  });

  it('limits a flood from one token with 429', async () => {
    const s = await startConversation(base);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) statuses.push((await post(base, s, { type: 'typing' })).status);
    assert.deepEqual(statuses.slice(0, 8), Array(8).fill(200));
    assert.equal(statuses[9], 429);
    const limited = await post(base, s, { type: 'typing' }).expect(429);
    assert.equal(limited.body.code, 'HD_ERR_RATE_LIMITED');
    assert.equal(limited.body.error, 'Too Many Requests');
    const other = await startConversation(base);
    await post(base, other, { type: 'typing' }).expect(200);
  });

  it('closes only the socket that sends a malformed frame, and refuses a stream without its credential', async () => {
    const s = await startConversation(base);
    const bad = await StreamClient.open(s.streamUrl);
    const good = await StreamClient.open(s.streamUrl);
    good.send('');
    bad.send('{"activities": [oops');
    await bad.waitFor((c) => c.closed !== undefined);
    assert.equal(bad.closed?.code, 1003);
    await post(base, s, { type: 'message', text: SEED, channelData: { clientActivityID: 'after-bad-frame' } }).expect(200);
    await good.waitFor((c) => c.activities.some((a) => a.channelData?.clientActivityID === 'after-bad-frame'));
    assert.equal(good.closed, undefined);
    good.close();
    await assert.rejects(StreamClient.open(s.streamUrl.replace(/t=[^&]+/, 't=garbage')), /403/);
    await request(base).get('/healthz').expect(200);
  });

  it('lets another plugin post a bot-side message that reaches open sockets and the history', async () => {
    const s = await startConversation(base);
    const stream = await StreamClient.open(s.streamUrl);
    const id = await t.app.directline.postBotActivity(s.conversationId, { type: 'message', text: 'IT の佐藤です。状況を確認します。', from: { id: 'agent-sato', name: '佐藤' } });
    await stream.waitFor((c) => c.activities.some((a) => a.id === id));
    const relayed = stream.activities.find((a) => a.id === id);
    assert.equal(relayed?.from?.role, 'bot');
    assert.equal(relayed?.from?.name, '佐藤');
    stream.close();
    await assert.rejects(t.app.directline.postBotActivity('noSuchConversation', { type: 'message', text: 'x' }), { code: 'HD_ERR_NOT_FOUND' });
  });

  it('answers a CORS preflight from an allowed origin, including x-requested-with', async () => {
    const ok = await request(base)
      .options('/v3/directline/conversations')
      .set('origin', 'http://intranet.example')
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'authorization,content-type,x-requested-with')
      .expect(204);
    assert.equal(ok.headers['access-control-allow-origin'], 'http://intranet.example');
    assert.match(ok.headers['access-control-allow-headers'] ?? '', /x-requested-with/);
    const other = await request(base).options('/v3/directline/conversations').set('origin', 'http://evil.example').expect(204);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });
});

describe('Direct Line with a MicrosoftAppId set', () => {
  it('still runs the bot in process (claims carry the app id)', async () => {
    const t = await buildApp({ DIRECTLINE_SECRET: SECRET, MicrosoftAppId: '11111111-2222-3333-4444-555555555555', MicrosoftAppPassword: 'not-used-in-process' });
    try {
      const base = await listen(t);
      const s = await startConversation(base);
      const stream = await StreamClient.open(s.streamUrl);
      await stream.waitFor((c) => c.botTexts().some((text) => text.includes('IT ヘルプデスク')));
      stream.close();
    } finally {
      await t.close();
    }
  });
});
