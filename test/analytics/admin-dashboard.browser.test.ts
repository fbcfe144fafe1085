import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { projectRoot } from '../../src/project-root.js';
import { bubble, launchBrowser, type Browser } from '../browser.js';
import { buildApp, ConnectorReceiver, type TestApp } from '../helper.js';
import { ADMIN, AGENT, ANALYTICS_ENV, ApiEmployee, SEED, texts } from './analytics-helpers.js';

/** Screenshots for a person to look at: test-output/analytics/ (or TEST_OUTPUT_DIR). */
const OUTPUT = join(process.env.TEST_OUTPUT_DIR ?? join(projectRoot(), 'test-output'), 'analytics');
const RUNBOOK = 'ipsec-ike-sa-reaped';

interface ChartData {
  labels: string[];
  datasets: Array<{ label: string; data: Array<number | null> }>;
}

/** What Chart.js drew on a canvas: its labels and datasets, read from the chart itself. */
async function chartData(page: Page, canvasId: string): Promise<ChartData> {
  return page.evaluate((id) => {
    const chart = Reflect.get(window, 'Chart') as { getChart(node: Element | null): { data: ChartData } | undefined };
    const found = chart.getChart(document.getElementById(id));
    if (!found) throw new Error(`no chart on #${id}`);
    return JSON.parse(JSON.stringify(found.data)) as ChartData;
  }, canvasId);
}

describe('admin dashboard in Chromium, after conversations in Web Chat and through /api/messages', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  const receiver = new ConnectorReceiver();
  let serviceUrl: string;

  before(async () => {
    serviceUrl = await receiver.start();
    t = await buildApp({ ...ANALYTICS_ENV, DIRECTLINE_SECRET: 'analytics-browser-test-directline-secret-01' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser('ja-JP');
    mkdirSync(OUTPUT, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await t?.close();
    await receiver.stop();
  });

  it('shows the deflection and the per-check funnel that the database holds, in Japanese and English', async () => {
    const { context } = browser;

    // 1. Web Chat: fixed at check 2, and the employee says it helped.
    const webchat = await context.newPage();
    await webchat.goto(`${base}/webchat`);
    await bubble(webchat, 'IT ヘルプデスクのボットです').waitFor({ timeout: 30_000 });
    const input = webchat.locator('[data-id="webchat-sendbox-input"]');
    await input.fill(SEED);
    await input.press('Enter');
    await bubble(webchat, '確認 1/4').waitFor({ timeout: 15_000 });
    await webchat.locator('button.webchat__suggested-action', { hasText: 'まだ解決しない' }).last().click();
    await bubble(webchat, '確認 2/4').waitFor({ timeout: 15_000 });
    await webchat.locator('button.webchat__suggested-action', { hasText: '解決した' }).last().click();
    await bubble(webchat, 'この案内は役に立ちましたか').waitFor({ timeout: 15_000 });
    await webchat.locator('button.webchat__suggested-action', { hasText: 'はい' }).last().click();
    await bubble(webchat, 'ご回答ありがとうございます').waitFor({ timeout: 15_000 });

    // 2. /api/messages: fixed at check 2 as well.
    const second = new ApiEmployee(t.app, serviceUrl, 'fixed-at-2');
    await second.say(SEED);
    await second.click('まだ解決しない');
    assert.match(texts(await second.click('解決した')), /解決してよかったです/);

    // 3. /api/messages: every check fails, IT resolves it, the employee rates it 5.
    const third = new ApiEmployee(t.app, serviceUrl, 'escalated');
    await third.say(SEED);
    let replies = await third.click('まだ解決しない');
    for (let n = 2; n <= 4; n++) replies = await third.click('まだ解決しない');
    const number = /HD-\d{6}/.exec(texts(replies))?.[0] ?? '';
    assert.ok(number);
    const agent = { authorization: `Bearer ${AGENT}` };
    await request(t.app.server).post(`/api/agent/tickets/${Number(number.slice(3))}/claim`).set(agent).expect(200);
    await request(t.app.server).post(`/api/agent/tickets/${Number(number.slice(3))}/resolve`).set(agent).send({}).expect(200);
    await receiver.waitFor(() => receiver.texts().some((text) => text.includes('問題は解決しましたか？')));
    await third.say('はい');
    assert.match(texts(await third.say('5')), /ご評価ありがとうございました/);

    // 4. /api/messages: stops answering at check 3, and time passes.
    const fourth = new ApiEmployee(t.app, serviceUrl, 'abandoned');
    await fourth.say(SEED);
    await fourth.click('まだ解決しない');
    await fourth.click('まだ解決しない');
    const old = new Date(Date.now() - 3 * 3600_000).toISOString();
    await t.app.storage.database.db.updateTable('outcomes').set({ last_activity_at: old }).where('conversation_id', '=', 'emulator:abandoned').execute();
    await t.app.analytics.recorder.sweepAbandoned(t.config.analytics.abandonedAfterMinutes * 60);

    // What the database holds.
    const rows = await t.app.storage.database.db.selectFrom('outcomes').selectAll().execute();
    assert.equal(rows.length, 4);
    const resolvedByBot = rows.filter((r) => r.outcome === 'resolved_by_bot').length;
    assert.equal(resolvedByBot, 2);
    assert.deepEqual(rows.map((r) => r.outcome).sort(), ['abandoned', 'resolved_by_bot', 'resolved_by_bot', 'resolved_by_it']);
    assert.deepEqual(rows.map((r) => r.channel_id).sort(), ['emulator', 'emulator', 'emulator', 'webchat']);
    const funnelRows = rows.filter((r) => r.runbook_id === RUNBOOK);
    const expectedFunnel = [0, 1, 2, 3].map((i) => ({
      reached: funnelRows.filter((r) => Number(r.checks_reached) > i).length,
      fixed: funnelRows.filter((r) => r.outcome === 'resolved_by_bot' && Number(r.fixed_at_check) === i).length,
      wentOn: funnelRows.filter((r) => Number(r.checks_reached) > i + 1).length,
    }));
    assert.deepEqual(expectedFunnel, [
      { reached: 4, fixed: 0, wentOn: 4 },
      { reached: 4, fixed: 2, wentOn: 2 },
      { reached: 2, fixed: 0, wentOn: 1 },
      // The seed runbook has four employee checks: after the last one there is no check to go on to.
      { reached: 1, fixed: 0, wentOn: 0 },
    ]);

    // The admin signs in at laptop width; the browser speaks Japanese.
    const page = await context.newPage();
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.goto(`${base}/admin`);
    await page.locator('#sign-in-form button[type=submit]', { hasText: 'サインイン' }).waitFor();
    await page.locator('#token').fill('wrong-token-0123456789');
    await page.locator('#sign-in-form button[type=submit]').click();
    await page.getByText('トークンが受け付けられませんでした').waitFor();
    await page.locator('#token').fill(ADMIN);
    await page.locator('#sign-in-form button[type=submit]').click();
    await page.locator('#sum-problems', { hasText: '4' }).waitFor({ timeout: 15_000 });

    assert.equal(await page.locator('#sum-rate').textContent(), '50.0%');
    assert.equal(await page.locator('#sum-bot').textContent(), String(resolvedByBot));
    assert.equal(await page.locator('#sum-abandoned').textContent(), '1');
    assert.equal(await page.locator('#sum-it').textContent(), '1');

    // The deflection chart: today's bars and rate are the database's.
    const deflection = await chartData(page, 'chart-deflection');
    const today = deflection.datasets[1]?.data.findIndex((n) => n !== null && n > 0) ?? -1;
    assert.ok(today >= 0, JSON.stringify(deflection));
    assert.equal(deflection.datasets[0]?.label, 'ボットによる解決率');
    assert.equal(deflection.datasets[0]?.data[today], 50);
    assert.equal(deflection.datasets[1]?.data[today], rows.length);
    assert.equal(deflection.datasets[2]?.data[today], resolvedByBot);

    // The funnel of the seed runbook: reached / fixed / went on per check, chart and table alike.
    assert.equal(await page.locator('#funnel-runbook').inputValue(), RUNBOOK);
    const funnel = await chartData(page, 'chart-funnel');
    // The employee's four checks; IT's four go on the ticket and are never asked, so they are not in the funnel.
    assert.equal(funnel.labels.length, 4);
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => ({ reached: funnel.datasets[0]?.data[i], fixed: funnel.datasets[1]?.data[i], wentOn: funnel.datasets[2]?.data[i] })),
      expectedFunnel,
    );
    const secondRow = await page.locator('#table-funnel tbody tr').nth(1).locator('td').allTextContents();
    assert.deepEqual(secondRow.slice(1, 4), ['4', '2', '2']);
    assert.match(secondRow[0] ?? '', /^2\. /);
    // Satisfaction per agent, and the channel filter.
    await page.locator('#table-agents td[data-col="agent"]', { hasText: 'alice' }).waitFor();
    assert.equal(await page.locator('#table-agents td[data-col="averageRating"]').first().textContent(), '5.00');
    await page.screenshot({ path: join(OUTPUT, 'admin-dashboard-ja.png'), fullPage: true });

    await page.locator('#channel').selectOption('webchat');
    await page.locator('#filters button[type=submit]').click();
    await page.locator('#sum-problems', { hasText: /^1$/ }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#sum-rate').textContent(), '100.0%');

    // English at the switch, remembered on the next visit.
    await page.locator('#lang-switch').click();
    await page.locator('h2', { hasText: 'Per-check funnel' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.reload();
    await page.locator('h2', { hasText: 'Deflection rate over time' }).waitFor({ timeout: 15_000 });
    await page.locator('#sum-problems', { hasText: '4' }).waitFor({ timeout: 15_000 });
    assert.equal((await chartData(page, 'chart-deflection')).datasets[0]?.label, 'Deflection rate');
    await page.screenshot({ path: join(OUTPUT, 'admin-dashboard-en.png'), fullPage: true });

    // CSV of the funnel, downloaded through the page.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-table="funnel"] button.csv').click()]);
    assert.match(download.suggestedFilename(), /^helpdesk-funnel-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  });
});
