import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp, type TestApp } from '../helper.js';
import { allText, click, say } from './turn.js';

describe('escalation to IT', () => {
  let t: TestApp;
  before(async () => {
    t = await buildApp();
  });
  after(async () => t.close());

  it('answering "not fixed" to every check opens a ticket that lists every outcome', async () => {
    let replies = await say(t.app, 'esc-all', 'ERROR_IPSEC_IKE_SA_REAPEDエラーが発生したとき、どのように対処すればいいですか?');
    for (let n = 1; n <= 4; n++) {
      const question = replies.at(-1);
      assert.match(question?.text ?? '', new RegExp(`^確認 ${n}/4`));
      replies = await click(t.app, 'esc-all', question, n === 3 ? '具体的には？' : 'まだ解決しない');
      if (n === 3) {
        assert.match(allText(replies), /設定」→「ネットワークとインターネット」→「VPN」→ 対象の接続/);
        // The expert's overview of where the cause can lie, and who checks what.
        assert.match(allText(replies), /「IPsec のルール」、「証明書の設定」、「ファイアウォールのセキュリティ ポリシー」、「ログの確認」は管理者の権限が必要なため、IT 担当者が確認します/);
        replies = await click(t.app, 'esc-all', replies.at(-1), 'まだ解決しない');
      }
    }
    const text = allText(replies);
    assert.match(text, /ここまでの確認では解決しなかったため、IT 担当者に引き継ぎます/);
    assert.match(text, /エラーコードと確認していただいた結果は担当者に共有済み/);
    const number = /チケット (HD-\d{6}) を作成しました/.exec(text)?.[1];
    assert.ok(number, `no ticket number in:\n${text}`);

    const row = await t.app.storage.database.db
      .selectFrom('tickets')
      .selectAll()
      .where('id', '=', Number(number.slice(3)))
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'queued');
    assert.equal(row.reason, 'checks_failed');
    assert.equal(row.user_id, 'user-1');
    assert.equal(row.user_name, 'Taro Yamada');
    assert.equal(row.channel_id, 'emulator');
    assert.equal(row.error_name, 'ERROR_IPSEC_IKE_SA_REAPED');
    assert.equal(Number(row.error_code), 13808);
    assert.equal(row.error_hex, '0x000035F0');
    assert.equal(row.runbook_id, 'ipsec-ike-sa-reaped');
    const checks: unknown = JSON.parse(row.checks);
    assert.deepEqual(
      (checks as Array<{ checkId: string; outcome: string }>).map((c) => [c.checkId, c.outcome]),
      [
        ['client-and-network', 'not_fixed'],
        ['restart', 'not_fixed'],
        ['vpn-settings', 'not_fixed'],
        ['updates', 'not_fixed'],
      ],
    );
    // What only IT can do goes on the ticket as next steps for IT.
    assert.deepEqual(
      (JSON.parse(row.it_steps ?? '[]') as Array<{ checkId: string }>).map((s) => s.checkId),
      ['ipsec-rules', 'certificates', 'firewall-policy', 'logs'],
    );
    const transcript = JSON.parse(row.transcript) as Array<{ role: string; text: string }>;
    assert.equal(transcript[0]?.role, 'user');
    assert.match(transcript[0]?.text ?? '', /ERROR_IPSEC_IKE_SA_REAPED/);
    assert.ok(transcript.some((e) => e.role === 'bot' && e.text.startsWith('確認 4/4')));
    assert.ok(transcript.some((e) => e.role === 'user' && e.text === 'まだ解決しない'));
    assert.ok(row.created_at <= row.updated_at);
  });

  it('records unsure and skipped checks as such, and unreached checks as not run, when the user asks for a person', async () => {
    await say(t.app, 'esc-ask', 'ERROR_IPSEC_IKE_SA_REAPED');
    await say(t.app, 'esc-ask', 'わかりません');
    await say(t.app, 'esc-ask', 'スキップ');
    const replies = await say(t.app, 'esc-ask', '人と話したい');
    const text = allText(replies);
    assert.match(text, /承知しました。IT 担当者に引き継ぎます/);
    const number = /(HD-\d{6})/.exec(text)?.[1] ?? '';
    const row = await t.app.storage.database.db
      .selectFrom('tickets')
      .selectAll()
      .where('id', '=', Number(number.slice(3)))
      .executeTakeFirstOrThrow();
    assert.equal(row.reason, 'user_request');
    const outcomes = (JSON.parse(row.checks) as Array<{ outcome: string }>).map((c) => c.outcome);
    assert.deepEqual(outcomes, ['unsure', 'skipped', 'not_run', 'not_run']);
    assert.match(text, /エラーコードと確認していただいた結果は担当者に共有済み/);
  });

  it('a click on an earlier question\'s button does not answer the current one', async () => {
    const first = (await say(t.app, 'esc-stale', 'ERROR_IPSEC_IKE_SA_REAPED')).at(-1);
    assert.match(first?.text ?? '', /^確認 1\/4/);
    const second = allText(await click(t.app, 'esc-stale', first, 'まだ解決しない'));
    assert.match(second, /確認 2\/4/);
    const again = allText(await click(t.app, 'esc-stale', first, '解決した'));
    assert.match(again, /そのボタンは前の質問のものです/);
    assert.match(again, /確認 2\/4/);
    assert.doesNotMatch(again, /解決してよかったです/);
  });

  it('English users get the ticket in English', async () => {
    await say(t.app, 'esc-en', 'ERROR_IPSEC_IKE_SA_REAPED happened again');
    const text = allText(await say(t.app, 'esc-en', 'I want to talk to a person'));
    assert.match(text, /I've created ticket HD-\d{6}/);
  });
});
