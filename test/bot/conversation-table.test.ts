import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp, type TestApp } from '../helper.js';
import { allText, say } from './turn.js';

/**
 * Conversation tables: each row is [user says, the bot must say (all of these fragments)], one conversation per
 * table, in Japanese and in English. Typed answers only: buttons are covered by the seed and escalation tests.
 */
type Row = readonly [string, readonly string[]];

const japanese: Row[] = [
  ['ERROR_IPSEC_IKE_SA_REAPED が出ます', ['ERROR_IPSEC_IKE_SA_REAPED（13808 / 0x000035F0）', 'このエラーの意味', '確認 1/8: VPN クライアントとネットワークの設定']],
  ['どこを見ればいいの?', ['IPsec のルール', '証明書', 'ファイアウォール', 'ログ', 'VPN を切った状態で']],
  ['いいえ、だめでした', ['次の確認に進みます', '確認 2/8: VPN クライアントと PC の再起動']],
  ['よくわからないです', ['確認 3/8: VPN の設定の見直し']],
  ['まだ解決しないです', ['確認 4/8: IPsec のルール']],
  ['えーと', ['うまく読み取れませんでした', '確認 4/8: IPsec のルール']],
  ['直りました!', ['解決してよかったです', '再発を防ぐために', 'この案内は役に立ちましたか']],
  ['はい', ['ご回答ありがとうございます']],
  ['ありがとう', ['どういたしまして']],
];

const english: Row[] = [
  ['I get ERROR_IPSEC_IKE_SA_REAPED when I connect to the VPN', ['ERROR_IPSEC_IKE_SA_REAPED (13808 / 0x000035F0)', 'What it means', 'Check 1 of 8: VPN client and network settings']],
  ['where exactly should I look?', ['IPsec rules', 'certificate', 'firewall', 'With the VPN off']],
  ["no, it still doesn't work", ['next check', 'Check 2 of 8: Restart the VPN client, then the PC']],
  ["I'm not sure", ['Check 3 of 8: Review the VPN settings']],
  ['it works now, thanks!', ["glad it's working again", 'To keep it from happening again', 'Was this helpful?']],
  ['yes', ['Thanks for letting me know']],
];

describe('conversation tables', () => {
  let t: TestApp;
  before(async () => {
    t = await buildApp();
  });
  after(async () => t.close());

  for (const [name, table] of [
    ['Japanese', japanese],
    ['English', english],
  ] as const) {
    it(`${name}: every reply carries what the user must read`, async () => {
      const conversation = `table-${name}`;
      for (const [userSays, mustSay] of table) {
        const text = allText(await say(t.app, conversation, userSays));
        for (const fragment of mustSay) {
          assert.ok(text.includes(fragment), `after "${userSays}" the bot must say "${fragment}", it said:\n${text}`);
        }
      }
    });
  }

  it('asks for the exact code when it cannot tell which error it is', async () => {
    const text = allText(await say(t.app, 'table-unknown', 'パソコンの調子が悪いです'));
    assert.match(text, /エラーコード/);
    assert.match(text, /担当者と話したい/);
  });

  it('answers in the language of the message, not of the previous one', async () => {
    await say(t.app, 'table-switch', 'ERROR_IPSEC_IKE_SA_REAPED が出ます');
    const text = allText(await say(t.app, 'table-switch', 'show me how'));
    assert.match(text, /Here is exactly what to look at/);
  });

  it('keeps the language the user asked for, even when they go on typing in the other one', async () => {
    await say(t.app, 'table-pinned', 'ERROR_IPSEC_IKE_SA_REAPED が出ます');
    const switched = allText(await say(t.app, 'table-pinned', '英語でお願いします'));
    assert.match(switched, /Check 1 of 8/);
    const next = allText(await say(t.app, 'table-pinned', 'まだ解決しない'));
    assert.match(next, /Check 2 of 8: Restart the VPN client, then the PC/);
    const back = allText(await say(t.app, 'table-pinned', 'in Japanese please'));
    assert.match(back, /確認 2\/8/);
  });
});
