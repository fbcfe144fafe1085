import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { createStaffChannelStore } from '../../src/handoff/notifiers/staff-channel-store.js';
import { ticketIdFromNumber } from '../../src/storage/ticket-store.js';
import { ConnectorReceiver, buildApp, messageActivity, type ReceivedActivity, type TestApp } from '../helper.js';

const TENANT = '72f988bf-0000-4000-8000-00000000abcd';
const STAFF_CHANNEL = '19:it-staff-channel@thread.tacv2';
const STAFF_TEAM = '19:it-staff-team@thread.tacv2';
const BOT = { id: 'helpdesk-bot', name: 'Helpdesk' };
const HANAKO = { id: '29:hanako', name: 'Hanako Sato', aadObjectId: '6a1b2c3d-0000-4000-8000-000000000001' };
const JIRO = { id: '29:jiro', name: 'Jiro Suzuki', aadObjectId: '6a1b2c3d-0000-4000-8000-000000000002' };
/** Alice in the console is Keiko in Teams (STAFF_TEAMS_AGENTS). */
const KEIKO = { id: '29:keiko', name: 'Keiko Alice Tanaka', aadObjectId: '6a1b2c3d-0000-4000-8000-000000000003' };
const ALICE_TOKEN = randomBytes(24).toString('base64url');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A Teams employee in a personal chat with the bot. */
function employeeSays(serviceUrl: string, conversationId: string, text: string) {
  return messageActivity({
    serviceUrl,
    conversationId,
    channelId: 'msteams',
    userId: `29:${conversationId}`,
    userName: 'Taro Yamada',
    text,
    extra: {
      from: { id: `29:${conversationId}`, name: 'Taro Yamada', aadObjectId: '6a1b2c3d-0000-4000-8000-0000000000aa' },
      conversation: { id: conversationId, conversationType: 'personal', tenantId: TENANT },
      channelData: { tenant: { id: TENANT } },
    },
  });
}

/** A staff member writing in (a thread of) the staff channel, as Teams delivers it. */
function staffActivity(serviceUrl: string, who: typeof HANAKO, conversationId: string, opts: { text?: string; value?: unknown; mention?: boolean }) {
  const mention = opts.mention ? `<at>${BOT.name}</at>` : '';
  return messageActivity({
    serviceUrl,
    conversationId,
    channelId: 'msteams',
    text: opts.text !== undefined ? `${mention} ${opts.text}`.trim() : '',
    value: opts.value,
    extra: {
      from: who,
      recipient: BOT,
      conversation: { id: conversationId, conversationType: 'channel', isGroup: true, tenantId: TENANT },
      channelData: { tenant: { id: TENANT }, team: { id: STAFF_TEAM, name: 'IT Helpdesk' }, channel: { id: STAFF_CHANNEL } },
      ...(opts.mention ? { entities: [{ type: 'mention', mentioned: BOT, text: mention }] } : {}),
    },
  });
}

const decoded = (r: ReceivedActivity) => decodeURIComponent(r.path);
const to = (conversationId: string) => (r: ReceivedActivity) => decoded(r).startsWith(`POST /v3/conversations/${conversationId}/activities`);
const textOf = (r: ReceivedActivity) => (typeof r.body.text === 'string' ? r.body.text : '');
function cardOf(r: ReceivedActivity): { body?: unknown[]; actions?: Array<{ title: string; data: unknown }> } | undefined {
  const attachments = r.body.attachments;
  if (!Array.isArray(attachments)) return undefined;
  const first: unknown = attachments[0];
  if (typeof first !== 'object' || first === null || Reflect.get(first, 'contentType') !== 'application/vnd.microsoft.card.adaptive') return undefined;
  return Reflect.get(first, 'content') as { body?: unknown[]; actions?: Array<{ title: string; data: unknown }> };
}

async function post(t: TestApp, activity: Record<string, unknown>): Promise<void> {
  await request(t.app.server).post('/api/messages').send(activity).expect(200);
}


/** A Teams employee reports the seed error, tries the first check without luck, then asks for IT: returns the ticket id. */
async function escalate(t: TestApp, receiver: ConnectorReceiver, serviceUrl: string, conversationId: string): Promise<number> {
  await post(t, employeeSays(serviceUrl, conversationId, 'VPN に ERROR_IPSEC_IKE_SA_REAPED が出て切れます'));
  await post(t, { ...employeeSays(serviceUrl, conversationId, ''), value: { kind: 'hd.choice', action: 'NOT_FIXED' } });
  await post(t, employeeSays(serviceUrl, conversationId, '担当者と話したいです'));
  const number = receiver.received.filter(to(conversationId)).map((r) => /HD-\d{6}/.exec(JSON.stringify(r.body))?.[0]).find(Boolean);
  assert.ok(number, 'the employee was told the ticket number');
  const id = ticketIdFromNumber(number);
  assert.ok(id);
  return id;
}

describe('the IT staff channel in Teams', () => {
  let t: TestApp;
  let receiver: ConnectorReceiver;
  let url: string;
  before(async () => {
    receiver = new ConnectorReceiver();
    url = await receiver.start();
    t = await buildApp({
      STAFF_TEAMS_CHANNEL_ID: STAFF_CHANNEL,
      STAFF_TEAMS_SERVICE_URL: url,
      STAFF_TEAMS_TENANT_ID: TENANT,
      AGENT_TOKENS: `alice:${sha256(ALICE_TOKEN)}`,
      STAFF_TEAMS_AGENTS: `alice=${KEIKO.aadObjectId}`,
    });
  });
  after(async () => {
    await t.close();
    await receiver.stop();
  });

  it('posts a card, relays both ways in its thread, and shares the ticket with the console', async () => {
    const employee = 'a:employee-taro';
    const ticketId = await escalate(t, receiver, url, employee);

    // 1. A new thread in the staff channel with the ticket card.
    await receiver.waitFor(() => receiver.received.some((r) => to(STAFF_CHANNEL)(r) && cardOf(r)));
    const posted = receiver.received.find((r) => to(STAFF_CHANNEL)(r) && cardOf(r));
    const card = posted ? cardOf(posted) : undefined;
    const cardText = JSON.stringify(card);
    assert.match(cardText, /"version":"1\.5"/);
    assert.match(cardText, /HD-\d{6}/);
    assert.match(cardText, /ERROR_IPSEC_IKE_SA_REAPED \(13808 \/ 0x000035F0\)/);
    assert.match(cardText, /Taro Yamada/);
    assert.match(cardText, /Microsoft Teams/);
    assert.match(cardText, /ERROR_IPSEC_IKE_SA_REAPED が出て切れます/, 'the first words of the employee');
    assert.match(cardText, /❌ [^"]+","value":"解決しなかった"/, 'the check already tried, with its outcome');
    assert.match(cardText, /IT の次の確認/, 'what only IT can check is listed as next steps for IT');
    assert.match(cardText, /- IPsec rules\\n- Certificate settings\\n- Firewall security policy\\n- Check the logs/);
    assert.deepEqual(card?.actions?.map((a) => a.title), ['担当する', '解決済みにする']);
    const ref = await createStaffChannelStore(t.app.storage.database).cardForTicket(ticketId);
    assert.ok(ref, 'the card is remembered');
    const thread = ref.threadId;
    assert.equal(thread, `${STAFF_CHANNEL};messageid=${ref.activityId}`);

    // 2. Hanako clicks Take on the card: the card is redrawn in place, the employee hears who joined.
    receiver.clear();
    await post(t, staffActivity(url, HANAKO, thread, { value: { kind: 'hd.staff', action: 'take', ticketId } }));
    await receiver.waitFor(() => receiver.received.some((r) => decoded(r) === `PUT /v3/conversations/${thread}/activities/${ref.activityId}`));
    const update = receiver.received.find((r) => r.path.startsWith('PUT '));
    const updated = update ? cardOf(update) : undefined;
    assert.match(JSON.stringify(updated), /Hanako Sato/);
    assert.match(JSON.stringify(updated), /対応中/);
    assert.deepEqual(updated?.actions?.map((a) => a.title), ['解決済みにする'], 'Take is gone once taken');
    await receiver.waitFor(() => receiver.received.some((r) => to(employee)(r) && textOf(r).includes('Hanako Sato')));

    // 3. One ticket, two views: the console shows it as Hanako's.
    const view = await request(t.app.server).get(`/api/agent/tickets/${ticketId}`).set('authorization', `Bearer ${ALICE_TOKEN}`).expect(200);
    assert.equal(view.body.ticket.status, 'assigned');
    assert.equal(view.body.assignee.name, 'Hanako Sato');
    assert.equal(view.body.assignee.id, `teams:${HANAKO.aadObjectId}`);

    // 4. Hanako @mentions the bot in the thread: the employee gets her words in their own chat.
    receiver.clear();
    await post(t, staffActivity(url, HANAKO, thread, { text: 'VPN クライアントを一度終了してから、もう一度接続してみてください。', mention: true }));
    await receiver.waitFor(() => receiver.received.some((r) => to(employee)(r) && textOf(r).includes('VPN クライアントを一度終了してから')));
    assert.ok(!receiver.received.some((r) => textOf(r).includes('<at>')), 'the mention is not relayed');

    // 5. The employee answers: it shows up in the card's thread.
    receiver.clear();
    await post(t, employeeSays(url, employee, 'まだつながりません。エラーは同じです。'));
    await receiver.waitFor(() => receiver.received.some((r) => to(thread)(r) && textOf(r).includes('まだつながりません。エラーは同じです。')));
    assert.match(textOf(receiver.received.find((r) => to(thread)(r)) ?? { path: '', headers: {}, body: {} }), /^Taro Yamada：/);

    // 6. Another staff member cannot talk over Hanako: told in the thread, nothing reaches the employee.
    receiver.clear();
    await post(t, staffActivity(url, JIRO, thread, { text: '再起動はしましたか?', mention: true }));
    assert.ok(receiver.received.some((r) => to(thread)(r) && textOf(r).includes('Hanako Sato さんが対応中')));
    assert.ok(!receiver.received.some((r) => to(employee)(r)), 'nothing from Jiro reached the employee');

    // 7. Hanako resolves from the card: redrawn as resolved, without buttons.
    receiver.clear();
    await post(t, staffActivity(url, HANAKO, thread, { value: { kind: 'hd.staff', action: 'resolve', ticketId } }));
    await receiver.waitFor(() => receiver.received.some((r) => r.path.startsWith('PUT ') && JSON.stringify(r.body).includes('解決済み')));
    const closed = cardOf(receiver.received.find((r) => r.path.startsWith('PUT ') && JSON.stringify(r.body).includes('解決済み'))!);
    assert.equal(closed?.actions, undefined);
    const after = await request(t.app.server).get(`/api/agent/tickets/${ticketId}`).set('authorization', `Bearer ${ALICE_TOKEN}`).expect(200);
    assert.equal(after.body.ticket.status, 'resolved');
  });

  it('a staff member mapped to a console agent takes the ticket in Teams and answers it from the console', async () => {
    const employee = 'a:employee-mika';
    const ticketId = await escalate(t, receiver, url, employee);
    await receiver.waitFor(() => receiver.received.some((r) => to(STAFF_CHANNEL)(r) && JSON.stringify(r.body).includes(`"ticketId":${ticketId}`)));
    const ref = await createStaffChannelStore(t.app.storage.database).cardForTicket(ticketId);
    assert.ok(ref);
    await post(t, staffActivity(url, KEIKO, ref.threadId, { value: { kind: 'hd.staff', action: 'take', ticketId } }));
    const view = await request(t.app.server).get(`/api/agent/tickets/${ticketId}`).set('authorization', `Bearer ${ALICE_TOKEN}`).expect(200);
    assert.equal(view.body.assignee.id, 'alice');
    receiver.clear();
    await request(t.app.server)
      .post(`/api/agent/tickets/${ticketId}/messages`)
      .set('authorization', `Bearer ${ALICE_TOKEN}`)
      .send({ text: 'コンソールから失礼します。ログを確認しました。' })
      .expect(202);
    await receiver.waitFor(() => receiver.received.some((r) => to(employee)(r) && textOf(r).includes('ログを確認しました')));
  });

  it('a reply outside any ticket thread gets a hint instead of being lost', async () => {
    receiver.clear();
    const topLevel = `${STAFF_CHANNEL};messageid=9999999`;
    await post(t, staffActivity(url, HANAKO, topLevel, { text: 'テストです', mention: true }));
    assert.ok(receiver.received.some((r) => to(topLevel)(r) && textOf(r).includes('カードのスレッド')));
  });
});

describe('the staff channel captured from the installation', () => {
  /** Teams telling the bot it was added to the staff team's channel by `from`. */
  const install = (t: Parameters<typeof post>[0], url: string, from: typeof HANAKO, teamName: string) =>
    post(t, {
      type: 'installationUpdate',
      action: 'add',
      id: `install-${from.id}`,
      channelId: 'msteams',
      serviceUrl: url,
      from,
      recipient: BOT,
      conversation: { id: STAFF_CHANNEL, conversationType: 'channel', isGroup: true, tenantId: TENANT },
      channelData: { team: { id: STAFF_TEAM, name: teamName }, tenant: { id: TENANT }, settings: { selectedChannel: { id: STAFF_CHANNEL } } },
    });

  it('remembers the team channel the bot was added to and posts the next ticket there', async () => {
    const receiver = new ConnectorReceiver();
    const url = await receiver.start();
    const t = await buildApp({ STAFF_TEAMS_LOCALE: 'en', STAFF_TEAMS_AGENTS: `hanako=${HANAKO.aadObjectId}` });
    try {
      await install(t, url, HANAKO, 'IT Helpdesk');
      assert.ok(receiver.received.some((r) => to(STAFF_CHANNEL)(r) && textOf(r).includes('IT staff channel')), 'the bot says it took the channel');
      await escalate(t, receiver, url, 'a:employee-ken');
      await receiver.waitFor(() => receiver.received.some((r) => to(STAFF_CHANNEL)(r) && cardOf(r)));
      const card = cardOf(receiver.received.find((r) => to(STAFF_CHANNEL)(r) && cardOf(r))!);
      assert.deepEqual(card?.actions?.map((a) => a.title), ['Take', 'Resolve']);
    } finally {
      await t.close();
      await receiver.stop();
    }
  });

  it('ignores a team that someone outside IT added the app to', async () => {
    const receiver = new ConnectorReceiver();
    const url = await receiver.start();
    const t = await buildApp({ STAFF_TEAMS_LOCALE: 'en', STAFF_TEAMS_AGENTS: `hanako=${HANAKO.aadObjectId}` });
    try {
      await install(t, url, JIRO, 'Sales');
      await escalate(t, receiver, url, 'a:employee-yui');
      const rows = await t.app.storage.database.db.selectFrom('tickets').select('id').execute();
      assert.equal(rows.length, 1, 'the ticket exists');
      assert.ok(!receiver.received.some((r) => to(STAFF_CHANNEL)(r)), 'nothing was posted to the team');
    } finally {
      await t.close();
      await receiver.stop();
    }
  });
});
