import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp, type TestApp } from '../helper.js';
import { allText, say } from './turn.js';

/**
 * Conversation tables: each row is [user says, the bot must say (all of these fragments)], one conversation per
 * table, in Japanese and in English. Typed answers only: buttons are covered by the seed and escalation tests.
 * A third element lists fragments the bot must NOT say at that row (an untrue claim, a runbook started on a guess).
 */
type Row = readonly [string, readonly string[], (readonly string[])?];

const japanese: Row[] = [
  ['ERROR_IPSEC_IKE_SA_REAPED が出ます', ['ERROR_IPSEC_IKE_SA_REAPED（13808 / 0x000035F0）', 'このエラーの意味', '確認 1/4：VPN クライアントとネットワークの設定'], ['具体的には?']],
  ['どこを見ればいいの?', ['IPsec のルール', '証明書', 'ファイアウォール', 'ログ', 'VPN を切った状態で']],
  ['いいえ、だめでした', ['確認 2/4：VPN クライアントと PC の再起動'], ['次の確認に進みます']],
  ['よくわからないです', ['確認 3/4：VPN の設定の見直し']],
  ['まだ解決しないです', ['確認 4/4：更新プログラムとソフトのバージョン']],
  ['えーと', ['うまく読み取れませんでした', '確認 4/4：更新プログラムとソフトのバージョン']],
  ['直りました!', ['解決してよかったです', '再発を防ぐために', 'この案内は役に立ちましたか']],
  ['はい', ['ご回答ありがとうございます']],
  ['ありがとう', ['どういたしまして']],
];

const english: Row[] = [
  ['I get ERROR_IPSEC_IKE_SA_REAPED when I connect to the VPN', ['ERROR_IPSEC_IKE_SA_REAPED (13808 / 0x000035F0)', 'What it means', 'Check 1 of 4: VPN client and network settings']],
  ['where exactly should I look?', ['IPsec rules', 'certificate', 'firewall', 'With the VPN off']],
  ["no, it still doesn't work", ['Check 2 of 4: Restart the VPN client, then the PC']],
  ["I'm not sure", ['Check 3 of 4: Review the VPN settings']],
  ['it works now, thanks!', ["glad it's working again", 'To keep it from happening again', 'Was this helpful?']],
  ['yes', ['Thanks for letting me know']],
];

/** Issue 11: what an employee who never read this repository runs into, each as its own conversation. */
const journeys: Record<string, Row[]> = {
  'out of scope (ja)': [
    ['Outlookがパスワードを何度も聞いてきます', ['メール・Outlookのご相談にはこのボットではお答えできません', 'VPN と Windows の接続エラーを担当しています', 'IT 担当者におつなぎできます'], ['VPN のユーザー名', '確認 1/']],
    ['担当者と話したい', ['IT 担当者に引き継ぎます', 'お伺いした内容は担当者に共有済み'], ['エラーコード', '確認していただいた結果', 'お困りのことを一文で']],
  ],
  'out of scope (en)': [
    ['I need to reset my mail password', ["I can't help with email or Outlook here", 'I handle VPN and Windows connection errors'], ["Let's start over", 'Check 1 of']],
    ['talk to IT', ["I'm handing this over to IT", 'IT can see what you told me'], ['the error code', 'results of your checks']],
  ],
  'symptom confirmed (ja)': [
    ['VPNが1時間ごとに切断されます', ['お伺いした内容に近いものを選んでください'], ['確認 1/', '打ち切られた']],
    ['VPN がつながらない・不安定', ['このエラーの意味', '確認 1/4：今いるネットワーク']],
  ],
  'symptom confirmed (en)': [
    ['VPN keeps disconnecting every hour', ['Which of these is closest to what you see?'], ['Check 1 of', 'did not connect']],
    ["The VPN won't connect or is unstable", ['Check 1 of 4:']],
  ],
  'symptom rejected (ja)': [
    ['VPNに接続できません', ['お伺いした内容に近いものを選んでください']],
    ['どれも違います', ['エラーコードやメッセージが出ていれば、そのまま貼り付けてください'], ['確認 1/']],
  ],
  'symptom rejected (en)': [
    ["I can't connect to the VPN", ['Which of these is closest']],
    ['none of these', ['If there is an error code or message on screen, paste it here'], ['Check 1 of']],
  ],
  'intake handoff (ja)': [
    ['こんにちは', ['こんにちは。', 'VPN と Windows の接続エラー'], ['特定できませんでした']],
    ['人と話したい', ['お困りのことを一文で教えていただけますか'], ['チケット']],
    ['プリンターから印刷できません', ['IT 担当者に引き継ぎます', 'チケット', 'お伺いした内容は担当者に共有済み'], ['エラーコード', '確認していただいた結果']],
  ],
  'intake handoff (en)': [
    ['good morning', ['Good morning!', 'VPN and Windows connection errors'], ["couldn't tell"]],
    ['can someone call me?', ['could you describe the problem in one sentence?'], ['ticket']],
    ['skip', ["I've created ticket"], ['IT can see']],
  ],
  'cancel confirmed (ja)': [
    ['電話で相談したいです', ['お困りのことを一文で']],
    ['VPN が朝からつながりません', ['チケット', 'を作成しました']],
    ['キャンセル', ['を取り消して、ボットとの会話に戻りますか？', 'チケットはこのまま残り'], ['取り消しました']],
    ['はい', ['を取り消しました']],
  ],
  'cancel not confirmed (en)': [
    ['talk to a person please', ['describe the problem in one sentence']],
    ['my laptop screen is cracked', ["I've created ticket"]],
    ['cancel my request', ['and go back to the bot?', 'the ticket stays open'], ["I've cancelled"]],
    ['no', ['stays open'], ["I've cancelled"]],
    ['one more thing: it fell off the desk', ["I've added that to ticket"]],
  ],
  'cancel not confirmed (ja)': [
    ['人と話したい', ['一文で']],
    ['説明を省略します', ['を作成しました']],
    ['ボットに戻る', ['を取り消して、ボットとの会話に戻りますか？']],
    ['いいえ', ['そのまま残しています'], ['取り消しました']],
  ],
  'cancel confirmed (en)': [
    ['agent', ['one sentence']],
    ['Outlook crashes on start', ["I've created ticket"]],
    ['cancel', ['and go back to the bot?']],
    ['yes', ["I've cancelled ticket"]],
  ],
};

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
      await walk(conversation, table);
    });
  }

  for (const [name, table] of Object.entries(journeys)) {
    it(`${name}: says what is true and nothing else`, async () => walk(`journey-${name}`, table));
  }

  async function walk(conversation: string, table: Row[]): Promise<void> {
    for (const [userSays, mustSay, mustNotSay = []] of table) {
      const text = allText(await say(t.app, conversation, userSays));
      for (const fragment of mustSay) {
        assert.ok(text.includes(fragment), `after "${userSays}" the bot must say "${fragment}", it said:\n${text}`);
      }
      for (const fragment of mustNotSay) {
        assert.ok(!text.includes(fragment), `after "${userSays}" the bot must not say "${fragment}", it said:\n${text}`);
      }
    }
  }

  it('the intake sentence is the ticket description the staff will read', async () => {
    await say(t.app, 'intake-row', '人と話したい');
    const text = allText(await say(t.app, 'intake-row', 'プリンターから印刷できません'));
    const number = /(HD-\d{6})/.exec(text)?.[1] ?? '';
    const row = await t.app.storage.database.db.selectFrom('tickets').selectAll().where('id', '=', Number(number.slice(3))).executeTakeFirstOrThrow();
    assert.equal(row.description, 'プリンターから印刷できません');
    assert.equal(row.error_name, null);
  });

  it('asks for the exact code when it cannot tell which error it is, and offers a person', async () => {
    const replies = await say(t.app, 'table-unknown', 'パソコンの調子が悪いです');
    assert.match(allText(replies), /エラーコード/);
    assert.match(allText(replies), /VPN と Windows の接続エラーを担当しています/);
    assert.deepEqual(replies.at(-1)?.buttons, ['担当者と話したい']);
  });

  it('answers in the language of the message, not of the previous one', async () => {
    await say(t.app, 'table-switch', 'ERROR_IPSEC_IKE_SA_REAPED が出ます');
    const text = allText(await say(t.app, 'table-switch', 'show me how'));
    assert.match(text, /Here is exactly what to look at/);
  });

  it('keeps the language the user asked for, even when they go on typing in the other one', async () => {
    await say(t.app, 'table-pinned', 'ERROR_IPSEC_IKE_SA_REAPED が出ます');
    const switched = allText(await say(t.app, 'table-pinned', '英語でお願いします'));
    assert.match(switched, /Check 1 of 4/);
    const next = allText(await say(t.app, 'table-pinned', 'まだ解決しない'));
    assert.match(next, /Check 2 of 4: Restart the VPN client, then the PC/);
    const back = allText(await say(t.app, 'table-pinned', 'in Japanese please'));
    assert.match(back, /確認 2\/4/);
  });
});
