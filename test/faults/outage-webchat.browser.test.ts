import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../../src/project-root.js';
import { bubble, launchBrowser, type Browser } from '../browser.js';
import { buildApp, type TestApp } from '../helper.js';
import { postgresSchema } from '../scale/instances.js';
import { TcpProxy } from './tcp-proxy.js';

const SHOTS = join(process.env.TEST_OUTPUT_DIR ?? join(projectRoot(), 'test-output'), 'faults');

/**
 * Web Chat while the service's database cannot be reached, as the employee sees it: the message they send is marked
 * as not sent and a notice in their language says to try again shortly (the page itself shows it, so it does not
 * depend on which instance holds the chat's socket); once the database is back, sending again works and the notice
 * goes away.
 */
for (const { locale, seed, notice, answer } of [
  { locale: 'ja-JP', seed: 'ERROR_IPSEC_IKE_SA_REAPED が出ます', notice: 'メッセージを送信できませんでした', answer: '13808' },
  { locale: 'en-US', seed: 'I get ERROR_IPSEC_IKE_SA_REAPED on the VPN', notice: 'Your message could not be sent', answer: '13808' },
]) {
  describe(`Web Chat during a database outage (${locale})`, () => {
    let schema: Awaited<ReturnType<typeof postgresSchema>>;
    const proxy = new TcpProxy('127.0.0.1', 5432);
    let t: TestApp;
    let browser: Browser;
    let base = '';

    before(async () => {
      schema = await postgresSchema();
      const url = new URL(schema.url);
      url.port = String(await proxy.start());
      t = await buildApp({ DATABASE_URL: url.toString(), DATABASE_STATEMENT_TIMEOUT_MS: '2000', DIRECTLINE_SECRET: 'outage-browser-directline-secret-0123456789' });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      browser = await launchBrowser(locale);
      mkdirSync(SHOTS, { recursive: true });
    });
    after(async () => {
      proxy.restore();
      await browser?.close();
      await t?.close();
      await proxy.stop();
      await schema?.drop();
    });

    it('marks the message as not sent, says so in the employee’s language, and works again afterwards', async () => {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1366, height: 768 });
      await page.goto(`${base}/webchat?locale=${locale}`);
      const input = page.locator('[data-id="webchat-sendbox-input"]');
      await input.waitFor({ timeout: 30_000 });
      await page.locator('.webchat__bubble').first().waitFor({ timeout: 30_000 });

      proxy.cut();
      await input.fill(seed);
      await input.press('Enter');
      // At once (the POST was refused), not after Web Chat's 20-second send timeout.
      await page.getByText(notice).first().waitFor({ timeout: 10_000 });
      await page.getByText(/送信に失敗しました|Send failed/).first().waitFor({ timeout: 5_000 });
      await page.screenshot({ path: join(SHOTS, `outage-webchat-${locale}.png`) });

      proxy.restore();
      await input.fill(seed);
      await input.press('Enter');
      await bubble(page, answer).waitFor({ timeout: 30_000 });
      await page.getByText(notice).first().waitFor({ state: 'hidden', timeout: 10_000 });
      assert.equal(await page.getByText(notice).count(), 0, 'the notice is gone once a message got through');
      await page.close();
    });
  });
}
