import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { bubble, launchBrowser, type Browser } from '../browser.js';
import { agent, AGENT_ENV, ALICE } from '../handoff/handoff-helpers.js';
import { buildApp, type TestApp } from '../helper.js';

/**
 * An anonymous employee asks for IT out of hours, closes the tab, and opens the page again later in the same
 * browser: the conversation is still there, and IT's answer reaches them. Real Chromium, real Direct Line.
 */
describe('Web Chat: nobody is left waiting in a closed tab', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;

  before(async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date());
    t = await buildApp({
      ...AGENT_ENV,
      BUSINESS_HOURS: 'mon-sun 09:00-18:00',
      BUSINESS_HOLIDAYS: today,
      DIRECTLINE_SECRET: 'resume-test-directline-secret-0123456789',
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser('ja-JP');
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('comes back to the open ticket after the tab is closed, and shows IT\'s answer there', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${base}/webchat`);
    await bubble(page, 'IT ヘルプデスクのボットです').waitFor({ timeout: 30_000 });
    const input = page.locator('[data-id="webchat-sendbox-input"]');
    await input.fill('人と話したいです');
    await input.press('Enter');
    await bubble(page, 'お困りのことを一文で').waitFor({ timeout: 15_000 });
    await input.fill('在宅で VPN が朝からつながりません');
    await input.press('Enter');
    const created = bubble(page, 'を作成しました');
    await created.waitFor({ timeout: 15_000 });
    const number = /HD-\d{6}/.exec((await created.textContent()) ?? '')?.[0] ?? '';
    assert.ok(number);
    // Out of hours: when IT will answer, and where the answer will arrive.
    await bubble(page, '受付時間外です').waitFor();
    await bubble(page, '返信はこのページ（閉じても、同じブラウザーで開き直せば続きが表示されます）に届きます').waitFor();
    await page.close();

    // Later, a new tab in the same browser (sessionStorage is gone, the kept key is not).
    const again = await browser.context.newPage();
    await again.goto(`${base}/webchat`);
    await bubble(again, number).waitFor({ timeout: 30_000 });
    assert.equal(await again.locator('.webchat__bubble', { hasText: '在宅で VPN が朝からつながりません' }).count(), 1, 'the history is back');

    const id = Number(number.slice(3));
    await agent(t.app, ALICE).post(`/api/agent/tickets/${id}/claim`).expect(200);
    await agent(t.app, ALICE).post(`/api/agent/tickets/${id}/messages`, { text: '証明書を再発行しました。接続し直してください。' }).expect(202);
    await bubble(again, '証明書を再発行しました').waitFor({ timeout: 15_000 });
    await again.close();
  });

  it('refuses a forged key, and a key whose ticket is closed starts afresh', async () => {
    const forged = await request(t.app.server).post('/api/webchat/resume').send({ resumeKey: 'not-a-key' });
    assert.equal(forged.status, 403);
    assert.equal(forged.body.code, 'HD_ERR_FORBIDDEN');
    const missing = await request(t.app.server).post('/api/webchat/resume').send({});
    assert.equal(missing.status, 400);
    // A fresh anonymous conversation with no ticket: nothing to come back to.
    const minted = await request(t.app.server).post('/api/webchat/token').send({}).expect(200);
    assert.equal(typeof minted.body.resumeKey, 'string');
    const none = await request(t.app.server).post('/api/webchat/resume').send({ resumeKey: minted.body.resumeKey });
    assert.equal(none.status, 404);
    assert.equal(none.body.code, 'HD_ERR_NOT_FOUND');
  });
});
