import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { bubble, launchBrowser, type Browser } from '../browser.js';
import { buildApp, type TestApp } from '../helper.js';

const SEED = 'ERROR_IPSEC_IKE_SA_REAPEDエラーが発生したとき、どのように対処すればいいですか?';


describe('Web Chat in Chromium', () => {
  let t: TestApp;
  let base: string;
  let host: Server;
  let hostOrigin: string;
  let context: BrowserContext;
  let browser: Browser;

  before(async () => {
    // The intranet page on another origin, embedding the widget with one script tag.
    host = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html lang="ja"><head><title>Intranet</title></head><body><h1>社内ポータル</h1><script src="${base}/embed.js" async></script></body></html>`);
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    hostOrigin = `http://localhost:${(host.address() as AddressInfo).port}`;
    t = await buildApp({ DIRECTLINE_SECRET: 'browser-test-directline-secret-0123456789', WEBCHAT_ALLOWED_ORIGINS: hostOrigin });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser('ja-JP');
    context = browser.context;
  });

  after(async () => {
    await browser?.close();
    await t?.close();
    await new Promise<void>((resolve) => host.close(() => resolve()));
  });

  it('runs the seed dialogue with buttons, and a reload keeps the conversation', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/webchat`);
    await bubble(page, 'IT ヘルプデスクのボットです').waitFor({ timeout: 30_000 });

    const input = page.locator('[data-id="webchat-sendbox-input"]');
    await input.fill(SEED);
    await input.press('Enter');
    await bubble(page, 'VPN クライアントとネットワークの設定').waitFor({ timeout: 15_000 });
    await bubble(page, 'ERROR_IPSEC_IKE_SA_REAPED（13808').waitFor();

    await page.locator('button.webchat__suggested-action', { hasText: 'まだ解決しない' }).first().click();
    await bubble(page, '確認 2/').waitFor({ timeout: 15_000 });
    // The user's own messages were echoed with server ids: none is left pending or failed.
    assert.equal(await page.locator('.webchat__bubble', { hasText: SEED }).count(), 1);
    assert.equal(await page.getByText(/送信できませんでした|Send failed/).count(), 0);

    await page.reload();
    await bubble(page, '確認 2/').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.webchat__bubble', { hasText: SEED }).count(), 1, 'the history comes back once');
    assert.equal(await page.locator('.webchat__bubble', { hasText: 'IT ヘルプデスクのボットです' }).count(), 1, 'no second welcome');
    await page.close();
  });

  it('ignores a token in the address of a top-level page (a link cannot hand someone a conversation)', async () => {
    const minted = await fetch(`${base}/api/webchat/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const { token, conversationId } = (await minted.json()) as { token: string; conversationId: string };
    assert.ok(typeof conversationId === 'string' && conversationId.length > 8);
    const page = await context.newPage();
    await page.goto(`${base}/webchat#token=${encodeURIComponent(token)}`);
    await bubble(page, 'IT ヘルプデスクのボットです').waitFor({ timeout: 30_000 });
    const stored = await page.evaluate(() => Object.values({ ...sessionStorage }).join(' '));
    assert.ok(stored.length > 0, 'the page keeps its own session');
    assert.ok(!stored.includes(conversationId), 'the page did not join the conversation of the token in its address');
    await page.close();
  });

  it('opens from one script tag on a page of another origin', async () => {
    const page = await context.newPage();
    await page.goto(`${hostOrigin}/`);
    const open = page.locator('button[data-helpdesk="open"]');
    await open.click();
    const chat = page.frameLocator('iframe[data-helpdesk="chat"]');
    await chat.locator('.webchat__bubble', { hasText: 'IT ヘルプデスクのボットです' }).first().waitFor({ timeout: 30_000 });
    await chat.locator('[data-id="webchat-sendbox-input"]').fill(SEED);
    await chat.locator('[data-id="webchat-sendbox-input"]').press('Enter');
    await chat.locator('.webchat__bubble', { hasText: 'VPN クライアントとネットワークの設定' }).first().waitFor({ timeout: 15_000 });
    assert.equal(await open.getAttribute('aria-expanded'), 'true');
    await page.close();
  });
});
