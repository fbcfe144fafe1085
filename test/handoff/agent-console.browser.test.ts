import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { projectRoot } from '../../src/project-root.js';
import { bubble, launchBrowser, type Browser } from '../browser.js';
import { buildApp, type TestApp } from '../helper.js';
import { AGENT_ENV, ALICE, BOB } from './handoff-helpers.js';

/** Screenshots for a person to look at: test-output/agent-console/*.png (not committed). */
const OUTPUT = join(projectRoot(), 'test-output', 'agent-console');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const USER_XSS = '<img src=x onerror="window.__xssUser=1">';
const AGENT_XSS = '<script>window.__xssAgent=1</script>ルーターを再起動してください';

/** Words of both languages, as the employee and the console show them. */
const WORDS = {
  ja: {
    locale: 'ja-JP',
    seed: 'ERROR_IPSEC_IKE_SA_REAPEDエラーが発生したとき、どのように対処すればいいですか?',
    welcome: 'IT ヘルプデスクのボットです',
    check: (n: number) => `確認 ${n}/4`,
    notFixed: 'まだ解決しない',
    created: 'を作成しました',
    tickets: 'チケット',
    newTicket: '新しいチケット',
    joined: (name: string) => `担当者の ${name} さんが参加しました`,
    greeting: '最初のごあいさつ',
    greetingText: 'ご利用者さま、IT 担当の alice です。',
    agentName: 'alice（IT 担当）',
    note: '証明書の期限切れを疑っています。前回も同じ利用者。',
    addNote: 'メモを追加',
    take: '担当する',
    transfer: '引き継ぐ',
    resolve: '解決済みにする',
    resolved: '解決済みにしました',
    notFixedOutcome: '解決せず',
    stillBroken: 'まだつながりません',
    guest: /^HD-\d{6} · ゲスト（Web）#\d{4}$/,
    docTitle: 'IT 担当コンソール｜ヘルプデスク',
  },
  en: {
    locale: 'en-US',
    seed: 'I get ERROR_IPSEC_IKE_SA_REAPED when I connect to the VPN. What should I do?',
    welcome: 'IT helpdesk bot',
    check: (n: number) => `Check ${n} of 4`,
    notFixed: 'Not fixed',
    created: 'HD-',
    tickets: 'Tickets',
    newTicket: 'New ticket',
    joined: (name: string) => `${name} from IT has joined`,
    greeting: 'First greeting',
    greetingText: 'Hello there, this is alice from IT.',
    agentName: 'alice (IT)',
    note: 'Probably an expired certificate; same user as last time.',
    addNote: 'Add note',
    take: 'Take it',
    transfer: 'Transfer',
    resolve: 'Resolve',
    resolved: 'has marked ticket',
    notFixedOutcome: 'Did not fix it',
    stillBroken: 'It still does not connect',
    guest: /^HD-\d{6} · Guest \(Web\) #\d{4}$/,
    docTitle: 'IT staff console · Helpdesk',
  },
} as const;

/** Records every desktop notification the page shows (the real one is still shown). */
const RECORD_NOTIFICATIONS = `(() => {
  const Real = window.Notification;
  if (!Real) return;
  const shown = [];
  Object.defineProperty(window, '__notifications', { value: shown });
  class Recorded extends Real {
    constructor(title, options) { super(title, options); shown.push({ title, body: options && options.body }); }
  }
  Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
  Recorded.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Recorded;
})();`;

async function signIn(context: BrowserContext, base: string, token: string, width: number): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize({ width, height: 800 });
  await page.goto(`${base}/agent`);
  // Real focus, not Playwright's "every page has focus": a console behind another tab is in the background.
  await (await context.newCDPSession(page)).send('Emulation.setFocusEmulationEnabled', { enabled: false });
  await page.locator('#token').fill(token);
  await page.locator('#sign-in-form button[type=submit]').click();
  await page.locator('#live.on').waitFor({ timeout: 15_000 });
  return page;
}

/** axe-core in the page: the serious and critical violations, as "rule: target" lines. */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the console's CSP (rightly) refuses inline scripts.
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    const axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }> }> } =
      Reflect.get(window, 'axe');
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.targets.join(' ')}`);
}

/** Nothing in the header is cut off: every element fits in its box (no clipped "Waitin"). */
async function clippedInHeader(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('header.top *'))
      .filter((node): node is HTMLElement => node instanceof HTMLElement && node.offsetParent !== null)
      .filter((node) => node.scrollWidth > node.clientWidth + 1 && getComputedStyle(node).overflow !== 'visible')
      .map((node) => node.id || node.className || node.tagName),
  );
}

/** The queue rows are one compact card each: no row taller than a few lines (word-by-word wrapping makes them tall). */
async function tallestQueueRow(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(0, ...Array.from(document.querySelectorAll('#queue .ticket')).map((row) => row.getBoundingClientRect().height)));
}

for (const language of ['ja', 'en'] as const) {
  const w = WORDS[language];

  describe(`the IT staff workspace in Chromium (${language}), with an employee in Web Chat`, () => {
    let t: TestApp;
    let base: string;
    let context: BrowserContext;
    let browser: Browser;

    before(async () => {
      mkdirSync(OUTPUT, { recursive: true });
      t = await buildApp({ ...AGENT_ENV, DIRECTLINE_SECRET: 'handoff-browser-test-directline-secret-0123' });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      browser = await launchBrowser(w.locale);
      context = browser.context;
      await context.grantPermissions(['notifications'], { origin: base });
      await context.addInitScript(RECORD_NOTIFICATIONS);
    });

    after(async () => {
      await browser?.close();
      await t?.close();
    });

    it('rejects a wrong token at sign-in, in the browser language', async () => {
      const page = await context.newPage();
      await page.setViewportSize({ width: 1024, height: 700 });
      await page.goto(`${base}/agent`);
      assert.equal(await page.evaluate(() => document.documentElement.lang), language);
      await page.locator('#token').fill('not-a-token');
      await page.locator('#sign-in-form button[type=submit]').click();
      await page.locator('#sign-in-error:not(:empty)').waitFor();
      assert.match((await page.locator('#sign-in-error').textContent()) ?? '', language === 'ja' ? /トークンが受け付けられませんでした/ : /Your token was not accepted/);
      assert.equal(await page.locator('#console').isVisible(), false);
      await page.screenshot({ path: join(OUTPUT, `${language}-sign-in-1024.png`) });
      assert.deepEqual(await axeViolations(page), []);
      await page.close();
    });

    it('notifies, takes, replies with a canned reply, notes, transfers and resolves; the employee sees the agent by name, never the note', async () => {
      // Alice works on a laptop (1024 px), Bob on a wide screen (1400 px).
      const alice = await signIn(context, base, ALICE, 1024);
      const bob = await signIn(context, base, BOB, 1400);
      const employee = await context.newPage();
      try {
        await handleTicket(alice, bob, employee);
      } catch (err) {
        // What each person saw when it went wrong, for whoever reads the failure.
        for (const [who, page] of Object.entries({ alice, bob, employee })) await page.screenshot({ path: join(OUTPUT, `${language}-failed-${who}.png`) });
        throw err;
      }
    });

    async function handleTicket(alice: Page, bob: Page, employee: Page): Promise<void> {
      assert.equal(await alice.locator('#queue-title').textContent(), w.tickets);
      assert.equal(await alice.title(), w.docTitle);

      // The employee fails every check in Web Chat; the consoles are in the background meanwhile.
      await employee.setViewportSize({ width: 480, height: 800 });
      await employee.goto(`${base}/webchat`);
      await employee.bringToFront();
      await bubble(employee, w.welcome).waitFor({ timeout: 30_000 });
      const input = employee.locator('[data-id="webchat-sendbox-input"]');
      await input.fill(w.seed);
      await input.press('Enter');
      for (let n = 1; n <= 4; n++) {
        await bubble(employee, w.check(n)).waitFor({ timeout: 15_000 });
        await employee.locator('button.webchat__suggested-action', { hasText: w.notFixed }).last().click();
      }
      const created = employee.locator('.webchat__bubble', { hasText: /HD-\d{6}/ }).first();
      await created.waitFor({ timeout: 15_000 });
      const number = /HD-\d{6}/.exec((await created.textContent()) ?? '')?.[0] ?? '';
      assert.ok(number, 'the employee is told the ticket number');

      // Both consoles: the ticket arrives live, with a desktop notification and an unread count in the tab title.
      for (const page of [alice, bob]) {
        await page.locator('#queue .ticket', { hasText: number }).waitFor({ timeout: 10_000 });
        await page.waitForFunction(() => (Reflect.get(window, '__notifications') as unknown[]).length > 0, null, { timeout: 10_000 });
        const shown = await page.evaluate(() => Reflect.get(window, '__notifications') as Array<{ title: string; body: string }>);
        assert.equal(shown[0]?.title, `${w.newTicket} ${number}`);
        assert.match(shown[0]?.body ?? '', /ERROR_IPSEC_IKE_SA_REAPED/);
        assert.match(await page.title(), /^\(1\) /);
      }
      const row = alice.locator('#queue .ticket', { hasText: number });
      assert.match((await row.textContent()) ?? '', /ERROR_IPSEC_IKE_SA_REAPED/);
      assert.ok((await tallestQueueRow(alice)) < 100, 'a queue row stays compact at 1024 px');
      assert.deepEqual(await clippedInHeader(alice), []);

      // Alice opens it with the keyboard (J: next ticket): facts, checks in the ticket's language, the transcript.
      await alice.bringToFront();
      await alice.locator('body').click({ position: { x: 5, y: 400 } });
      await alice.keyboard.press('j');
      await alice.locator('#conversation-title', { hasText: number }).waitFor();
      assert.match((await alice.locator('#conversation-title').textContent()) ?? '', w.guest);
      assert.equal(await alice.title(), w.docTitle, 'opening the ticket clears the unread count');
      const facts = (await alice.locator('#ticket-facts').textContent()) ?? '';
      assert.match(facts, /ERROR_IPSEC_IKE_SA_REAPED/);
      assert.match(facts, /13808/);
      assert.match(facts, /0x000035F0/);
      assert.equal(await alice.locator('#checks li.outcome-not_fixed').count(), 4);
      assert.equal(await alice.locator('#checks li.outcome-not_fixed .outcome').first().textContent(), w.notFixedOutcome);
      const ticket = await t.app.storage.tickets.get(Number(number.slice(3)));
      const runbook = t.app.conversation.content.runbooks.get(ticket?.runbookId ?? '');
      assert.equal(await alice.locator('#checks li span:not(.outcome)').first().textContent(), runbook?.checks[0]?.title[language]);
      await alice.locator('#transcript li.role-user', { hasText: 'ERROR_IPSEC_IKE_SA_REAPED' }).first().waitFor();

      // She takes it; Bob sees it taken, live.
      await alice.getByRole('button', { name: w.take, exact: true }).click();
      await bubble(employee, w.joined('alice')).waitFor({ timeout: 15_000 });
      await bob.locator('#queue .ticket', { hasText: number }).locator('.who', { hasText: 'alice' }).waitFor({ timeout: 10_000 });

      // A canned reply in the ticket's language, sent with Ctrl+Enter: the employee sees it under Alice's name.
      await alice.locator('#canned').selectOption({ label: w.greeting });
      assert.match(await alice.locator('#reply').inputValue(), new RegExp(`${w.greetingText}.*${number}`, 's'));
      await alice.locator('#reply').press('Control+Enter');
      const reply = bubble(employee, w.greetingText);
      await reply.waitFor({ timeout: 10_000 });
      assert.ok(!((await reply.textContent()) ?? '').includes(`${w.agentName}:`), 'no typed prefix in Web Chat');
      await employee.locator('.hd-agent-name', { hasText: w.agentName }).first().waitFor({ timeout: 10_000 });
      await employee.locator('.hd-agent-avatar', { hasText: 'AL' }).first().waitFor();

      // An internal note: shown to IT staff as a note, never to the employee.
      await alice.locator('input[name="mode"][value="note"]').check();
      await alice.locator('#reply').fill(w.note);
      await alice.getByRole('button', { name: w.addNote, exact: true }).click();
      await alice.locator('#transcript li.note', { hasText: w.note }).waitFor({ timeout: 10_000 });
      await alice.locator('input[name="mode"][value="reply"]').check();

      // Messages both ways; markup arrives as text and never runs.
      await input.fill(`${USER_XSS}${w.stillBroken}`);
      await input.press('Enter');
      const fromUser = alice.locator('#transcript li.role-user', { hasText: w.stillBroken });
      await fromUser.waitFor({ timeout: 10_000 });
      assert.equal(await fromUser.locator('.text').textContent(), `${USER_XSS}${w.stillBroken}`);
      assert.equal(await alice.locator('#transcript img').count(), 0);
      await alice.locator('#reply').fill(AGENT_XSS);
      await alice.locator('#send').click();
      await bubble(employee, 'ルーターを再起動してください').waitFor({ timeout: 10_000 });
      await alice.screenshot({ path: join(OUTPUT, `${language}-alice-ticket-1024.png`) });
      assert.deepEqual(await axeViolations(alice), []);

      // Alice hands the ticket to Bob: the employee hears who joined; the note never reached them.
      await alice.getByRole('button', { name: w.transfer, exact: true }).click();
      await alice.locator('#transfer-to').selectOption('bob');
      await alice.locator('#transfer-form button[type=submit]').click();
      await bubble(employee, w.joined('bob')).waitFor({ timeout: 15_000 });
      assert.equal(await employee.getByText(w.note).count(), 0, 'the employee never sees an internal note');
      for (const page of [alice, bob, employee]) {
        assert.equal(await page.evaluate(() => Reflect.get(window, '__xssUser') ?? Reflect.get(window, '__xssAgent') ?? null), null);
      }

      // Bob finds it under "Mine", sees Alice's note, and resolves it.
      await bob.bringToFront();
      await bob.locator('.filter[data-filter="mine"]').click();
      await bob.locator('#queue .ticket', { hasText: number }).click();
      await bob.locator('#transcript li.note', { hasText: w.note }).waitFor();
      await bob.getByRole('button', { name: w.resolve, exact: true }).click();
      await bob.locator('#resolve-note').fill('VPN の証明書を更新しました');
      await bob.locator('#resolve-form button[type=submit]').click();
      await bubble(employee, w.resolved).waitFor({ timeout: 15_000 });
      await bob.locator('#events li', { hasText: 'bob' }).last().waitFor();
      await bob.locator('.filter[data-filter="closed"]').click();
      await bob.locator('#queue .ticket', { hasText: number }).waitFor();
      await bob.screenshot({ path: join(OUTPUT, `${language}-bob-resolved-1400.png`) });
      await employee.screenshot({ path: join(OUTPUT, `${language}-employee-webchat.png`) });
      assert.deepEqual(await axeViolations(bob), []);
      assert.deepEqual(await axeViolations(employee), []);

      const row2 = await t.app.storage.tickets.get(Number(number.slice(3)));
      assert.equal(row2?.status, 'resolved');
      assert.deepEqual(row2?.assignee, { id: 'bob', name: 'bob' });

      // The same workspace at 1400 px for Alice, and the language switch is remembered across a reload.
      await alice.setViewportSize({ width: 1400, height: 900 });
      const other = language === 'ja' ? 'en' : 'ja';
      await alice.locator('#language').selectOption(other);
      assert.equal(await alice.locator('#queue-title').textContent(), WORDS[other].tickets);
      await alice.reload();
      await alice.locator('#live.on').waitFor({ timeout: 15_000 });
      assert.equal(await alice.evaluate(() => document.documentElement.lang), other);
      assert.equal(await alice.locator('#queue-title').textContent(), WORDS[other].tickets);
      await alice.locator('#language').selectOption(language);
      await alice.locator('.filter[data-filter="closed"]').click();
      await alice.locator('#queue .ticket', { hasText: number }).click();
      await alice.locator('#conversation-title', { hasText: number }).waitFor();
      assert.deepEqual(await clippedInHeader(alice), []);
      await alice.screenshot({ path: join(OUTPUT, `${language}-alice-closed-1400.png`) });
      await alice.setViewportSize({ width: 1920, height: 1080 });
      assert.deepEqual(await clippedInHeader(alice), []);
      await alice.screenshot({ path: join(OUTPUT, `${language}-alice-closed-1920.png`) });
    }
  });
}
