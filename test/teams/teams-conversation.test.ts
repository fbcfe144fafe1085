import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildApp, ConnectorReceiver, withConnectedApp, type ConnectedApp, type ReceivedActivity } from '../helper.js';
import { assertValidAdaptiveCard } from './adaptive-card-validation.js';
import { APP_ID, TENANT_ID, teamsMessage } from './bot-framework-stand-ins.js';

const BOT = { id: `28:${APP_ID}`, name: 'IT Helpdesk' };
const USER = { id: '29:1a2b3c-user', name: '山田 太郎', aadObjectId: '0f3e2d1c-aaaa-bbbb-cccc-111122223333' };

interface CardAction {
  type: string;
  title: string;
  data: { kind: string; action: string; step: string; msteams: { type: string; displayText: string; text: string } };
}
interface Card {
  body: Array<{ type: string; text?: string }>;
  actions?: CardAction[];
}

/** The Adaptive Cards in one received activity (validated on the way: every card the bot sends must pass). */
function cardsOf(received: ReceivedActivity): Card[] {
  const attachments = Array.isArray(received.body.attachments) ? received.body.attachments : [];
  return attachments.flatMap((a: { contentType?: string; content?: unknown }) => {
    if (a.contentType !== 'application/vnd.microsoft.card.adaptive') return [];
    assertValidAdaptiveCard(a.content);
    return [a.content as Card];
  });
}

function cardText(card: Card): string {
  return card.body.map((b) => b.text ?? '').join('\n');
}

describe('Teams: a personal chat runs the seed conversation with cards that lock after a click', () => {
  let receiver: ConnectorReceiver;
  let serviceUrl = '';
  let app: ConnectedApp;
  const post = (activity: Record<string, unknown>) => app.app.inject({ method: 'POST', url: '/api/messages', payload: activity });
  withConnectedApp({ TYPING_DELAY_MS: '0' }, (built) => ({ receiver, serviceUrl } = app = built));

  /** Where the current step's traffic starts in receiver.received (this suite never clears it: ids are positions). */
  let mark = 0;
  const since = () => receiver.received.slice(mark);
  const textsSince = () => since().flatMap((r) => (r.body.type === 'message' && typeof r.body.text === 'string' ? [r.body.text] : []));

  /** Cards POSTed since the mark (each validated), with the id the stand-in gave them: sent-N for its N-th request. */
  function sentCards(): Array<{ id: string; card: Card }> {
    const result: Array<{ id: string; card: Card }> = [];
    receiver.received.forEach((received, index) => {
      if (index < mark || !received.path.startsWith('POST')) return;
      for (const card of cardsOf(received)) result.push({ id: `sent-${index + 1}`, card });
    });
    return result;
  }

  it('welcomes the user in Japanese when the app is installed in personal scope (locale ja-JP)', async () => {
    const res = await post({
      type: 'installationUpdate',
      action: 'add',
      id: 'install-1',
      channelId: 'msteams',
      serviceUrl,
      locale: 'ja-JP',
      from: USER,
      recipient: BOT,
      conversation: { id: 'a:1welcome-ja', conversationType: 'personal', tenantId: TENANT_ID },
      channelData: { tenant: { id: TENANT_ID }, source: { name: 'message' } },
    });
    assert.equal(res.statusCode, 200, res.body);
    await receiver.waitFor(() => textsSince().length > 0);
    assert.match(textsSince()[0] ?? '', /IT ヘルプデスクのボットです/);
  });

  it('welcomes in English when the bot is added to an English user\'s personal chat (conversationUpdate)', async () => {
    mark = receiver.received.length;
    const res = await post({
      type: 'conversationUpdate',
      id: 'added-1',
      channelId: 'msteams',
      serviceUrl,
      locale: 'en-US',
      from: USER,
      recipient: BOT,
      membersAdded: [{ id: BOT.id }],
      conversation: { id: 'a:1welcome-en', conversationType: 'personal', tenantId: TENANT_ID },
      channelData: { tenant: { id: TENANT_ID }, eventType: 'teamMemberAdded' },
    });
    assert.equal(res.statusCode, 200, res.body);
    await receiver.waitFor(() => textsSince().length > 0);
    assert.match(textsSince()[0] ?? '', /I'm the IT helpdesk bot/);
  });

  it('runs the seed flow: the error, a click, then "where exactly do I check?"', async () => {
    mark = receiver.received.length;
    const first = await post(teamsMessage(serviceUrl, 'ERROR_IPSEC_IKE_SA_REAPEDエラーが発生したとき、どのように対処すればいいですか?'));
    assert.equal(first.statusCode, 200, first.body);
    await receiver.waitFor(() => sentCards().length > 0);
    assert.ok(since().some((r) => r.body.type === 'typing'), 'a typing indicator reached Teams first');
    assert.match(textsSince().join('\n'), /ERROR_IPSEC_IKE_SA_REAPED（13808 \/ 0x000035F0）/);
    const question = sentCards()[0];
    assert.ok(question);
    assert.match(cardText(question.card), /確認 1\/4/);
    const buttons = question.card.actions ?? [];
    assert.ok(buttons.length >= 2, 'the check offers answers as buttons');
    assert.ok(buttons.every((b) => b.type === 'Action.Submit' && b.data.msteams.type === 'messageBack'));
    const notFixed = buttons.find((b) => b.data.action === 'NOT_FIXED');
    assert.ok(notFixed, 'a "not solved" button');

    // The click, as Teams sends it: the label as the user's message, the data as value, the card's id as replyToId.
    mark = receiver.received.length;
    const click = await post(
      teamsMessage(serviceUrl, notFixed.data.msteams.text, {
        replyToId: question.id,
        value: { kind: notFixed.data.kind, action: notFixed.data.action, step: notFixed.data.step },
      }),
    );
    assert.equal(click.statusCode, 200, click.body);
    await receiver.waitFor(() => since().some((r) => r.path.startsWith('PUT')) && sentCards().length > 0);
    const update = since().find((r) => r.path.startsWith('PUT'));
    assert.ok(update);
    assert.equal(update.path, `PUT /v3/conversations/a%3A1personal-chat-id/activities/${question.id}`);
    const [locked] = cardsOf(update);
    assert.ok(locked, 'the update carries the card');
    assert.equal(locked.actions, undefined, 'the answered card has no buttons left');
    assert.match(cardText(locked), /確認 1\/4/);
    assert.match(cardText(locked), new RegExp(`✔ ${notFixed.title}`));
    const next = sentCards().find((c) => c.id !== question.id);
    assert.ok(next, 'the next check arrives as a new card');
    assert.match(cardText(next.card), /確認 2\/4/);

    // A second click on the locked card (an old client, a double tap) does not rewrite it again.
    mark = receiver.received.length;
    await post(
      teamsMessage(serviceUrl, notFixed.data.msteams.text, {
        replyToId: question.id,
        value: { kind: notFixed.data.kind, action: notFixed.data.action, step: notFixed.data.step },
      }),
    );
    assert.equal(since().filter((r) => r.path.startsWith('PUT')).length, 0);

    mark = receiver.received.length;
    const third = await post(teamsMessage(serviceUrl, '具体的にはどこを確認すれば良いのでしょうか?'));
    assert.equal(third.statusCode, 200, third.body);
    await receiver.waitFor(() => textsSince().length > 0 || sentCards().length > 0);
    const said = [...textsSince(), ...sentCards().map((c) => cardText(c.card))].join('\n');
    // The expert's answer from the seed: IPsec rules, certificates, the firewall policy, and the logs.
    assert.match(said, /IPsec のルール、証明書の設定、ファイアウォールのセキュリティ ポリシー/);
    assert.ok(sentCards().every((c) => (c.card.actions ?? []).length > 0), 'the walk-through goes on with a card to answer');
  });
});

describe('Teams: group chats and channels', () => {
  let receiver: ConnectorReceiver;
  let serviceUrl = '';
  let app: ConnectedApp;
  const post = (activity: Record<string, unknown>) => app.app.inject({ method: 'POST', url: '/api/messages', payload: activity });
  withConnectedApp({}, (built) => ({ receiver, serviceUrl } = app = built));

  const channelConversation = {
    id: '19:abcdef0123456789@thread.tacv2;messageid=1700000000001',
    conversationType: 'channel',
    tenantId: TENANT_ID,
    isGroup: true,
  };
  const channelData = {
    tenant: { id: TENANT_ID },
    team: { id: '19:team-general@thread.tacv2', name: '営業部' },
    channel: { id: '19:abcdef0123456789@thread.tacv2', name: '一般' },
  };

  it('stays silent in a channel when it is not @mentioned', async () => {
    const res = await post(teamsMessage(serviceUrl, 'ERROR_IPSEC_IKE_SA_REAPED が出ました', { conversation: channelConversation, channelData }));
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(receiver.received, []);
  });

  it('answers an @mention in a channel, reading the text without the mention', async () => {
    receiver.clear();
    const res = await post(
      teamsMessage(serviceUrl, '<at>IT Helpdesk</at> ERROR_IPSEC_IKE_SA_REAPED が出ました', {
        conversation: channelConversation,
        channelData,
        entities: [
          { type: 'mention', text: '<at>IT Helpdesk</at>', mentioned: { id: BOT.id, name: BOT.name } },
          { type: 'clientInfo', locale: 'ja-JP', country: 'JP', platform: 'Windows', timezone: 'Asia/Tokyo' },
        ],
      }),
    );
    assert.equal(res.statusCode, 200, res.body);
    await receiver.waitFor(() => receiver.texts().length > 0);
    assert.match(receiver.texts().join('\n'), /ERROR_IPSEC_IKE_SA_REAPED（13808 \/ 0x000035F0）/);
    const cards = receiver.received.flatMap(cardsOf);
    assert.ok(cards.length > 0, 'the check is a card in the channel too');
    const transcript = await app.app.storage.conversations.transcript(`msteams:${channelConversation.id}`);
    assert.equal(transcript.find((e) => e.role === 'user')?.text, 'ERROR_IPSEC_IKE_SA_REAPED が出ました', 'the mention was stripped');
  });

  it('does not welcome every member added to a team', async () => {
    receiver.clear();
    const res = await post({
      type: 'conversationUpdate',
      id: 'member-added',
      channelId: 'msteams',
      serviceUrl,
      from: USER,
      recipient: BOT,
      membersAdded: [{ id: '29:new-colleague' }],
      conversation: channelConversation,
      channelData: { ...channelData, eventType: 'teamMemberAdded' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(receiver.received, []);
  });

  it('answers in a group chat only when @mentioned', async () => {
    receiver.clear();
    const group = { id: '19:groupchat-1@thread.v2', conversationType: 'groupChat', tenantId: TENANT_ID, isGroup: true };
    await post(teamsMessage(serviceUrl, 'help', { conversation: group, locale: 'en-US' }));
    assert.deepEqual(receiver.received, []);
    await post(
      teamsMessage(serviceUrl, 'help <at>IT Helpdesk</at>', {
        conversation: group,
        locale: 'en-US',
        entities: [{ type: 'mention', text: '<at>IT Helpdesk</at>', mentioned: { id: BOT.id, name: BOT.name } }],
      }),
    );
    await receiver.waitFor(() => receiver.texts().length > 0 || receiver.received.some((r) => cardsOf(r).length > 0));
  });
});

describe('other channels keep suggested actions', () => {
  it('sends a check as text with messageBack suggested actions in the Emulator', async () => {
    const receiver = new ConnectorReceiver();
    const serviceUrl = await receiver.start();
    const app = await buildApp({});
    try {
      const res = await app.app.inject({
        method: 'POST',
        url: '/api/messages',
        payload: teamsMessage(serviceUrl, 'ERROR_IPSEC_IKE_SA_REAPED', { channelId: 'emulator', channelData: {} }),
      });
      assert.equal(res.statusCode, 200, res.body);
      await receiver.waitFor(() => receiver.received.some((r) => r.body.suggestedActions !== undefined));
      assert.equal(receiver.received.flatMap(cardsOf).length, 0, 'no Adaptive Card outside Teams');
    } finally {
      await app.close();
      await receiver.stop();
    }
  });
});
