import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import request from 'supertest';
import { buildApp, type TestApp } from '../helper.js';
import { redactUrl } from '../../src/logger.js';

const ASSERTION_KEY = 'host-site-shared-assertion-key-0123456789';

function assertion(claims: Record<string, string>, key = ASSERTION_KEY, expires = '5m'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(expires).sign(new TextEncoder().encode(key));
}

describe('Web Chat page, bundle, embed script and token endpoint', () => {
  let t: TestApp;

  before(async () => {
    t = await buildApp({
      DIRECTLINE_SECRET: 'webchat-test-directline-secret-0123456789',
      WEBCHAT_USER_ASSERTION_SECRET: ASSERTION_KEY,
      WEBCHAT_TITLE: '情報システム部 ヘルプデスク',
      WEBCHAT_ACCENT: '#8A1538',
      WEBCHAT_ALLOWED_ORIGINS: 'https://intranet.example.co.jp',
      WEBCHAT_TOKENS_PER_MINUTE: '30',
    });
  });
  after(async () => {
    await t.close();
  });

  it('serves the page in Japanese by default and in English when the browser prefers it, with the branding', async () => {
    const ja = await request(t.app.server).get('/webchat').expect(200);
    assert.match(ja.text, /"locale":"ja-JP"/);
    assert.match(ja.text, /<title>情報システム部 ヘルプデスク<\/title>/);
    assert.match(ja.text, /#8A1538/);
    const csp = String(ja.headers['content-security-policy']).split(';');
    assert.ok(csp.includes("frame-ancestors 'self' https://intranet.example.co.jp"), csp.join(';'));
    assert.ok(csp.includes("script-src 'self'"), 'scripts only from this server');
    assert.ok(csp.includes("object-src 'none'") && csp.includes("base-uri 'none'"), csp.join(';'));
    assert.equal(ja.headers['x-content-type-options'], 'nosniff');
    assert.equal(ja.headers['x-frame-options'], undefined, 'framing is governed by frame-ancestors, which can list the intranet');
    const en = await request(t.app.server).get('/webchat').set('accept-language', 'en-GB,en;q=0.9,ja;q=0.5').expect(200);
    assert.match(en.text, /"locale":"en-US"/);
    const jaFirst = await request(t.app.server).get('/webchat').set('accept-language', 'ja,en-US;q=0.8').expect(200);
    assert.match(jaFirst.text, /"locale":"ja-JP"/);
  });

  it('serves the Web Chat bundle itself, compressed and cacheable', async () => {
    const page = await request(t.app.server).get('/webchat').expect(200);
    const path = /<script src="(\/webchat\/assets\/webchat-[^"]+\.js)"/.exec(page.text)?.[1];
    assert.ok(path, 'the page loads the bundle from this server');
    assert.doesNotMatch(page.text, /cdn\.botframework\.com|unpkg|jsdelivr/);
    const gz = await t.app.inject({ method: 'GET', url: path, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    assert.equal(gz.statusCode, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.match(String(gz.headers['cache-control']), /immutable/);
    assert.ok(gz.rawPayload.length < 1_500_000, `compressed well under the 3.9 MB original (${gz.rawPayload.length} bytes)`);
    assert.match(gunzipSync(gz.rawPayload).subarray(0, 200_000).toString(), /WebChat|webchat/i);
    await request(t.app.server).get(path).set('if-none-match', String(gz.headers.etag)).expect(304);
  });

  it('serves an embed script carrying the accent colour and both languages', async () => {
    const embed = await request(t.app.server).get('/embed.js').expect(200);
    assert.match(embed.headers['content-type'] ?? '', /javascript/);
    assert.match(embed.text, /#8A1538/);
    assert.match(embed.text, /ITヘルプデスクにチャットで相談する/);
    assert.match(embed.text, /Chat with the IT helpdesk/);
    assert.doesNotMatch(embed.text, /__HELPDESK_SETTINGS__/);
  });

  it('gives anonymous tokens, and puts the asserted user on the activities and the ticket', async () => {
    const anonymous = await request(t.app.server).post('/api/webchat/token').send({}).expect(200);
    assert.match(anonymous.body.userId, /^dl_/);

    const signed = await assertion({ sub: 'E12345', name: '山田 太郎', email: 'taro.yamada@example.co.jp' });
    const token = await request(t.app.server).post('/api/webchat/token').send({ userAssertion: signed }).expect(200);
    assert.equal(token.body.userId, 'E12345');
    const started = await request(t.app.server).post('/v3/directline/conversations').set('authorization', `Bearer ${token.body.token}`).send({}).expect(201);
    const id: string = started.body.conversationId;
    const send = (text: string) =>
      request(t.app.server).post(`/v3/directline/conversations/${id}/activities`).set('authorization', `Bearer ${token.body.token}`).send({ type: 'message', text }).expect(200);
    await send('担当者と話したい。VPN が朝からつながりません');
    const deadline = Date.now() + 8000;
    let ticket: { user_id: string; user_name: string; user_email: string | null } | undefined;
    while (!ticket && Date.now() < deadline) {
      ticket = await t.app.storage.database.db.selectFrom('tickets').select(['user_id', 'user_name', 'user_email']).where('conversation_id', '=', `webchat:${id}`).executeTakeFirst();
      if (!ticket) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(ticket, { user_id: 'E12345', user_name: '山田 太郎', user_email: 'taro.yamada@example.co.jp' });
    const history = await request(t.app.server).get(`/v3/directline/conversations/${id}/activities`).set('authorization', `Bearer ${token.body.token}`).expect(200);
    const mine = history.body.activities.find((a: { from: { role: string } }) => a.from.role === 'user');
    assert.deepEqual(mine.from, { id: 'E12345', name: '山田 太郎', role: 'user' });

    // Later, in another tab (no session kept): the same employee comes back to the conversation of the open ticket.
    const again = await request(t.app.server).post('/api/webchat/token').send({ userAssertion: await assertion({ sub: 'E12345', name: '山田 太郎' }) }).expect(200);
    assert.equal(again.body.conversationId, id);
    assert.equal(again.body.resumed, true);
    await request(t.app.server).post('/v3/directline/conversations').set('authorization', `Bearer ${again.body.token}`).send({}).expect(200);
    const resumed = await request(t.app.server).get(`/v3/directline/conversations/${id}/activities`).set('authorization', `Bearer ${again.body.token}`).expect(200);
    assert.ok(
      resumed.body.activities.some((a: { text?: string }) => /HD-\d{6}/.test(a.text ?? '')),
      'the ticket message is in the history the new tab shows',
    );
    // Someone else never gets that conversation.
    const other = await request(t.app.server).post('/api/webchat/token').send({ userAssertion: await assertion({ sub: 'E99999', name: '佐藤' }) }).expect(200);
    assert.notEqual(other.body.conversationId, id);
  });

  it('rejects a forged or expired user assertion', async () => {
    const forged = await assertion({ sub: 'E1' }, 'not-the-shared-key-but-long-enough-000');
    assert.equal((await request(t.app.server).post('/api/webchat/token').send({ userAssertion: forged }).expect(403)).body.code, 'HD_ERR_FORBIDDEN');
    const expired = await new SignJWT({ sub: 'E1' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) - 600).sign(new TextEncoder().encode(ASSERTION_KEY));
    await request(t.app.server).post('/api/webchat/token').send({ userAssertion: expired }).expect(403);
  });

  it('masks the stream credential in logged URLs', () => {
    assert.equal(redactUrl('/v3/directline/conversations/abc/stream?t=eyJ.secret.sig&watermark=3'), '/v3/directline/conversations/abc/stream?t=[REDACTED]&watermark=3');
  });
});

describe('Web Chat token endpoint when anonymous chat is off', () => {
  it('refuses anonymous tokens and rate-limits requests', async () => {
    const t = await buildApp({ DIRECTLINE_SECRET: 'webchat-test-directline-secret-0123456789', WEBCHAT_ANONYMOUS: 'false', WEBCHAT_TOKENS_PER_MINUTE: '2' });
    try {
      const refused = await request(t.app.server).post('/api/webchat/token').send({}).expect(403);
      assert.equal(refused.body.code, 'HD_ERR_FORBIDDEN');
      await request(t.app.server).post('/api/webchat/token').send({}).expect(403);
      const limited = await request(t.app.server).post('/api/webchat/token').send({}).expect(429);
      assert.equal(limited.body.code, 'HD_ERR_RATE_LIMITED');
    } finally {
      await t.close();
    }
  });
});
