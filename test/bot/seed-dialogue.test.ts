import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildAppWithConnector, employeeSays, type ConnectedApp, type ConnectorReceiver } from '../helper.js';

/**
 * The seed article's beginner/expert dialogue, typed verbatim, through /api/messages. Replies travel the real way:
 * botbuilder POSTs them to the activity's serviceUrl, here a local stand-in for the Bot Connector.
 */
const BEGINNER_1 = 'ERROR_IPSEC_IKE_SA_REAPEDエラーが発生したとき、どのように対処すればいいですか?';
const BEGINNER_2 = '具体的にはどこを確認すれば良いのでしょうか?';

describe('the seed dialogue', () => {
  let t: ConnectedApp;
  let connector: ConnectorReceiver;
  let serviceUrl = '';
  before(async () => {
    // Typing before every answer (the default sends it only for answers slower than 400 ms: typing-indicator.test.ts).
    t = await buildAppWithConnector({ TYPING_DELAY_MS: '0' });
    ({ receiver: connector, serviceUrl } = t);
  });
  after(async () => t.close());

  it("answers the beginner's first line with the expert's first answer and the first check with buttons", async () => {
    const { sent: activity } = await employeeSays(t.app, { serviceUrl, conversationId: 'seed-1', text: BEGINNER_1 });
    await connector.waitFor(() => connector.texts().some((x) => x.startsWith('確認 1/4')));

    const replies = connector.received.filter((r) => r.body.type === 'message');
    for (const reply of replies) {
      assert.equal(reply.path, `POST /v3/conversations/seed-1/activities/${String(activity.id)}`);
    }
    const text = connector.texts().join('\n');
    // The error is named with the catalog's numbers: 13808 = 0x000035F0 (not the seed title's 0x3612).
    assert.match(text, /ERROR_IPSEC_IKE_SA_REAPED（13808 \/ 0x000035F0）/);
    // The expert: check the VPN client and network settings, restart if needed, review the VPN settings.
    assert.match(text, /VPN クライアントとネットワークの設定を確認/);
    assert.match(text, /再起動/);
    assert.match(text, /VPN の設定そのものを見直します/);

    const question = replies.at(-1)?.body;
    const actions = (question?.suggestedActions as { actions: Array<{ title: string; value: unknown }> }).actions;
    assert.deepEqual(
      actions.map((a) => a.title),
      ['解決した', 'まだ解決しない', '具体的には？', '担当者と話したい'],
    );
    assert.deepEqual(actions[1]?.value, { kind: 'hd.choice', action: 'NOT_FIXED', step: 'client-and-network' });
  });

  it("answers the beginner's second line with the IPsec / certificate / firewall / logs specifics", async () => {
    connector.clear();
    await employeeSays(t.app, { serviceUrl, conversationId: 'seed-1', text: BEGINNER_2 });
    await connector.waitFor(() => connector.texts().some((x) => x.includes('IPsec のルール')));
    const text = connector.texts().join('\n');
    assert.match(text, /IPsec のルール/);
    assert.match(text, /証明書の設定/);
    assert.match(text, /ファイアウォールのセキュリティ ポリシー/);
    assert.match(text, /ログ/);
    // The expert's answer word for word, then who checks which part: the employee theirs, IT the rest.
    assert.match(text, /具体的には、IPsec のルール、証明書の設定、ファイアウォールのセキュリティ ポリシーを確認します。あわせて、Windows のログを調べると原因のヒントが見つかることがあります。/);
    assert.match(text, /このうち、「VPN クライアントとネットワークの設定」、「VPN クライアントと PC の再起動」、「VPN の設定の見直し」、「更新プログラムとソフトのバージョン」はこのあと一緒に確認します/);
    assert.match(text, /は管理者の権限が必要なため、IT 担当者が確認します/);
    // …and the bot is still at the first check, asking it again with its buttons.
    assert.match(connector.texts().at(-1) ?? '', /^確認 1\/4/);
  });

  it('sends a typing indicator before it answers', async () => {
    connector.clear();
    await employeeSays(t.app, { serviceUrl, conversationId: 'seed-1', text: 'まだ解決しない' });
    await connector.waitFor(() => connector.texts().some((x) => x.startsWith('確認 2/4')));
    assert.equal(connector.received[0]?.body.type, 'typing');
  });
});
