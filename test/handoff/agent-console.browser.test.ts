import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { bubble, launchBrowser, type Browser } from '../browser.js';
import { buildApp, type TestApp } from '../helper.js';
import { AGENT_ENV, ALICE, BOB } from './handoff-helpers.js';

const SEED = 'ERROR_IPSEC_IKE_SA_REAPEDエラーが発生したとき、どのように対処すればいいですか?';
const USER_XSS = '<img src=x onerror="window.__xssUser=1">まだつながりません';
const AGENT_XSS = '<script>window.__xssAgent=1</script>ルーターを再起動してください';


async function signIn(context: BrowserContext, base: string, token: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base}/agent`);
  await page.locator('#token').fill(token);
  await page.locator('#sign-in-form button[type=submit]').click();
  await page.locator('#live.on').waitFor({ timeout: 15_000 });
  return page;
}

describe('agent console in Chromium, with an employee in Web Chat', () => {
  let t: TestApp;
  let base: string;
  let context: BrowserContext;
  let browser: Browser;

  before(async () => {
    t = await buildApp({ ...AGENT_ENV, DIRECTLINE_SECRET: 'handoff-browser-test-directline-secret-0123' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser('ja-JP');
    context = browser.context;
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('rejects a wrong token at sign-in', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/agent`);
    await page.locator('#token').fill('not-a-token');
    await page.locator('#sign-in-form button[type=submit]').click();
    await page.getByText('Your token was not accepted').waitFor();
    assert.equal(await page.locator('#console').isVisible(), false);
    await page.close();
  });

  it('takes an employee who failed every check from the queue to a live chat, a resolution and the satisfaction question', async () => {
    // Two agents are watching the queue before anything happens.
    const alice = await signIn(context, base, ALICE);
    const bob = await signIn(context, base, BOB);

    // The employee fails every check in Web Chat.
    const employee = await context.newPage();
    await employee.goto(`${base}/webchat`);
    await bubble(employee, 'IT ヘルプデスクのボットです').waitFor({ timeout: 30_000 });
    const input = employee.locator('[data-id="webchat-sendbox-input"]');
    await input.fill(SEED);
    await input.press('Enter');
    for (let n = 1; n <= 4; n++) {
      await bubble(employee, `確認 ${n}/4`).waitFor({ timeout: 15_000 });
      await employee.locator('button.webchat__suggested-action', { hasText: 'まだ解決しない' }).last().click();
    }
    const created = bubble(employee, 'を作成しました');
    await created.waitFor({ timeout: 15_000 });
    const number = /HD-\d{6}/.exec((await created.textContent()) ?? '')?.[0] ?? '';
    assert.ok(number, 'the employee is told the ticket number');
    await bubble(employee, '現在の順番は 1 番目です').waitFor();

    // It appears in both consoles, live, with the error and the failed checks.
    for (const page of [alice, bob]) {
      const row = page.locator('#queue tbody tr', { hasText: number });
      await row.waitFor({ timeout: 10_000 });
      const cells = await row.locator('td').allTextContents();
      assert.equal(cells[1], 'queued');
      assert.equal(cells[2], 'ERROR_IPSEC_IKE_SA_REAPED (13808 / 0x000035F0)');
      assert.match(cells[3] ?? '', /,/);
      assert.equal(cells[5], 'webchat');
    }

    // Alice opens it: the check outcomes and the transcript; she takes it.
    await alice.locator('#queue tbody tr', { hasText: number }).click();
    await alice.locator('#ticket-title', { hasText: number }).waitFor();
    assert.equal(await alice.locator('#checks li.outcome-not_fixed').count(), 4);
    await alice.locator('#transcript li.role-user', { hasText: 'ERROR_IPSEC_IKE_SA_REAPED' }).first().waitFor();
    await alice.locator('#claim').click();
    await bubble(employee, '担当者の alice さんが参加しました').waitFor({ timeout: 15_000 });
    // Bob sees it taken, live.
    await bob.locator('#queue tbody tr', { hasText: number }).locator('td', { hasText: 'assigned (alice)' }).waitFor({ timeout: 10_000 });

    // Messages flow both ways, live; markup arrives as text on both sides and never runs.
    await input.fill(USER_XSS);
    await input.press('Enter');
    const fromUser = alice.locator('#transcript li.role-user', { hasText: 'まだつながりません' });
    await fromUser.waitFor({ timeout: 10_000 });
    assert.equal(await fromUser.locator('.text').textContent(), USER_XSS);
    assert.equal(await alice.locator('#transcript img').count(), 0);

    await alice.locator('#reply').fill(AGENT_XSS);
    await alice.locator('#send').click();
    await bubble(employee, 'ルーターを再起動してください').waitFor({ timeout: 10_000 });
    const fromAgent = alice.locator('#transcript li.role-agent', { hasText: 'ルーターを再起動してください' });
    await fromAgent.waitFor();
    assert.equal(await fromAgent.locator('.text').textContent(), AGENT_XSS);
    for (const page of [alice, bob, employee]) {
      assert.equal(await page.evaluate(() => Reflect.get(window, '__xssUser') ?? Reflect.get(window, '__xssAgent') ?? null), null);
    }

    // Alice resolves it; the bot comes back and asks whether it is solved, then for a rating.
    await alice.locator('#resolve').click();
    await alice.locator('#resolve-note').fill('VPN の証明書を更新しました');
    await alice.locator('#resolve-form button[type=submit]').click();
    await bubble(employee, '解決済みにしました').waitFor({ timeout: 15_000 });
    await bubble(employee, '問題は解決しましたか？').waitFor();
    await employee.locator('button.webchat__suggested-action', { hasText: 'はい' }).last().click();
    await bubble(employee, '満足度を 1〜5 で教えてください').waitFor({ timeout: 15_000 });
    await employee.locator('button.webchat__suggested-action', { hasText: '5' }).last().click();
    await bubble(employee, 'ご評価ありがとうございました').waitFor({ timeout: 15_000 });

    await alice.locator('#ticket-facts dd', { hasText: '5 / 5' }).waitFor({ timeout: 10_000 });
    const ticket = await t.app.storage.tickets.get(Number(number.slice(3)));
    assert.equal(ticket?.status, 'resolved');
    assert.equal(ticket?.solved, true);
    assert.equal(ticket?.rating, 5);
  });
});
