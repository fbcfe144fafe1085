import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { buildApp, ConnectorReceiver, messageActivity, type TestApp } from '../helper.js';

interface Reply {
  text: string;
  buttons: string[];
  values: unknown[];
}

/**
 * Error recognition and understanding as an employee meets them: messages POSTed to /api/messages, replies read
 * from a local stand-in for the Bot Connector.
 */
describe('understanding in conversation', () => {
  let t: TestApp;
  const connector = new ConnectorReceiver();
  let serviceUrl = '';
  before(async () => {
    t = await buildApp();
    serviceUrl = await connector.start();
  });
  after(async () => {
    await t.close();
    await connector.stop();
  });

  async function send(conversationId: string, text: string, value?: unknown): Promise<Reply[]> {
    connector.clear();
    const activity = messageActivity({ serviceUrl, conversationId, text, value });
    await request(t.app.server).post('/api/messages').send(activity).expect(200);
    await connector.waitFor(() => connector.texts().length > 0);
    return connector.received.flatMap((r) => {
      if (r.body.type !== 'message' || typeof r.body.text !== 'string') return [];
      const actions: unknown = Reflect.get(Object(r.body.suggestedActions), 'actions');
      const list: Array<{ title?: unknown; value?: unknown }> = Array.isArray(actions) ? actions : [];
      return [{ text: r.body.text, buttons: list.map((a) => String(a.title)), values: list.map((a) => a.value) }];
    });
  }
  /** Clicks a button the way Teams and Web Chat send it: messageBack with the label as text and the payload as value. */
  async function click(conversationId: string, reply: Reply | undefined, label: string): Promise<Reply[]> {
    const index = reply?.buttons.indexOf(label) ?? -1;
    assert.ok(reply && index >= 0, `no button "${label}" in ${JSON.stringify(reply)}`);
    return send(conversationId, label, reply.values[index]);
  }
  const all = (replies: Reply[]) => replies.map((r) => r.text).join('\n---\n');

  it('flags the seed title: the name is 0x000035F0/13808, the code 0x3612 is ERROR_IPSEC_IKE_PROCESS_ERR_VENDOR', async () => {
    const replies = await send('mismatch', '0x00003612 – ERROR_IPSEC_IKE_SA_REAPEDが出ます');
    const ask = replies.at(-1);
    assert.match(all(replies), /別々のエラー|別のエラー/);
    assert.match(all(replies), /ERROR_IPSEC_IKE_SA_REAPED は、コード 0x000035F0（10 進数で 13808）/);
    assert.match(all(replies), /0x00003612 は、ERROR_IPSEC_IKE_PROCESS_ERR_VENDOR（0x00003612、10 進数で 13842）/);
    assert.deepEqual(ask?.buttons, ['ERROR_IPSEC_IKE_SA_REAPED (0x000035F0 / 13808)', 'ERROR_IPSEC_IKE_PROCESS_ERR_VENDOR (0x00003612 / 13842)']);
    // The buttons carry their choice; the label is never read back.
    assert.deepEqual(ask?.values.map((v) => Reflect.get(Object(v), 'action')), ['ERROR:ERROR_IPSEC_IKE_SA_REAPED', 'ERROR:ERROR_IPSEC_IKE_PROCESS_ERR_VENDOR']);

    // The user picks what is on screen; that error's runbook starts.
    const next = await click('mismatch', ask, 'ERROR_IPSEC_IKE_SA_REAPED (0x000035F0 / 13808)');
    assert.match(all(next), /ERROR_IPSEC_IKE_SA_REAPED（13808 \/ 0x000035F0）/);
    assert.match(all(next), /確認 1\/4：VPN クライアントとネットワークの設定/);
  });

  for (const [i, form] of ['13808', '0x35f0', '０ｘ３５Ｆ０', '0x800735F0'].entries()) {
    it(`names the error and starts the SA_REAPED runbook for ${form}`, async () => {
      const replies = await send(`sa-reaped-${i}`, form);
      assert.match(all(replies), /ERROR_IPSEC_IKE_SA_REAPED（13808 \/ 0x000035F0）/);
      assert.match(all(replies), /確認 1\/4：VPN クライアントとネットワークの設定/);
    });
  }

  it('"VPN エラー 809" leads to the 809 runbook', async () => {
    const replies = await send('ras-809', 'VPN エラー 809');
    assert.match(all(replies), /ERROR_VPN_TIMEOUT（809 \/ 0x00000329）/);
    assert.match(all(replies), /VPN サーバーから応答がない|応答がなく/);
    assert.match(all(replies), /確認 1\/3：接続先の名前/);
  });

  it('an unknown code gets an honest answer, a request for the exact message, and the offer of a person', async () => {
    const replies = await send('unknown', '0x0000ABCD というエラーが出ます');
    const ask = replies.at(-1);
    assert.match(all(replies), /「0x0000ABCD」というエラーは、手元のエラー一覧に見つかりませんでした/);
    assert.match(all(replies), /そのままコピーして貼り付けて/);
    assert.deepEqual(ask?.buttons, ['担当者と話したい', '最初から']);

    const handed = await click('unknown', ask, '担当者と話したい');
    assert.match(all(handed), /IT 担当者に引き継ぎます/);
    assert.match(all(handed), /チケット \S+ を作成しました/);
  });

  it('a known code with no runbook: what the catalog knows, then the family runbook', async () => {
    const replies = await send('uncovered', '0x00003612');
    const text = all(replies);
    assert.match(text, /ERROR_IPSEC_IKE_PROCESS_ERR_VENDOR（コード 0x00003612、10 進数で 13842）は、「IPsec の鍵交換（IKE）のエラー」/);
    assert.match(text, /このエラー専用の手順はまだありません/);
    assert.match(text, /確認 1\/4：今いるネットワーク/);
  });

  it('a description with no code is confirmed first: the candidates by their plain titles, and the choice starts one', async () => {
    const ja = await send('symptom-ja', 'VPNが1時間ごとに切断されます');
    const askJa = ja.at(-1);
    assert.match(all(ja), /お伺いした内容に近いものを選んでください/);
    assert.doesNotMatch(all(ja), /確認 1\//, 'no runbook starts on a guess');
    assert.deepEqual(askJa?.buttons, ['VPN がつながらない・不安定', 'どれも違う', '担当者と話したい']);
    assert.deepEqual(Reflect.get(Object(askJa?.values[0]), 'action'), 'RUNBOOK:vpn-general');
    const started = await click('symptom-ja', askJa, 'VPN がつながらない・不安定');
    assert.match(all(started), /確認 1\/4：今いるネットワーク/);

    const en = await send('symptom-en', 'VPN keeps disconnecting every hour');
    const askEn = en.at(-1);
    assert.match(all(en), /Which of these is closest to what you see\?/);
    assert.deepEqual(askEn?.buttons, ["The VPN won't connect or is unstable", 'None of these', 'Talk to IT']);
  });

  it('"none of these" gives the user a way on: paste the code, or a person', async () => {
    const replies = await send('symptom-none', 'VPNに接続できません');
    const ask = replies.at(-1);
    assert.ok(ask && ask.buttons.length >= 3, JSON.stringify(ask));
    const none = await click('symptom-none', ask, 'どれも違う');
    assert.match(all(none), /エラーコードやメッセージが出ていれば、そのまま貼り付けてください/);
    assert.deepEqual(none.at(-1)?.buttons, ['担当者と話したい']);
  });

  it('starts at once only when the description leaves no doubt', async () => {
    const replies = await send('symptom-sure', 'パスワード変更後にVPNに入れなくなった');
    assert.match(all(replies), /お伺いした内容から、「VPN でユーザー名やパスワードが通らない」の可能性があります/);
    assert.match(all(replies), /確認 1\/3：/);
  });

  it('switches language when asked, and keeps the check where it was', async () => {
    await send('switch', '13808');
    const replies = await send('switch', '英語でお願いします');
    assert.match(all(replies), /Sure, I'll continue in English\./);
    assert.match(all(replies), /Check 1 of 4: VPN client and network settings/);
  });
});
