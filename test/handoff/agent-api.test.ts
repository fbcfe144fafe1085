import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { ALICE, BOB, agent, escalate, withHelpdesk } from './handoff-helpers.js';

describe('agent API and the employee side of a ticket (Teams-shaped user, local Bot Connector)', () => {
  const t = withHelpdesk('a:teams-chat');
  const employee = (opts: Parameters<typeof t.employee>[0] = {}) => t.employee(opts);

  it('answers 401 without a token, with a wrong one, and with a malformed header', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-real-token' }, { authorization: `Basic ${ALICE}` }]) {
      const res = await request(t.app.server).get('/api/agent/tickets').set(headers);
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 'HD_ERR_UNAUTHORIZED');
      assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    }
    const claim = await request(t.app.server).post('/api/agent/tickets/1/claim').send({});
    assert.equal(claim.status, 401);
  });

  it('tells the employee the ticket number, queue position and that IT is open; the ticket lists the user and channel', async () => {
    const first = employee();
    const second = employee();
    const a = await escalate(first);
    const b = await escalate(second);
    assert.match(a.texts.join('\n'), new RegExp(`チケット ${a.number} を作成しました`));
    assert.match(b.texts.join('\n'), /現在の順番は 2 番目です/);
    assert.match(b.texts.join('\n'), /IT 窓口は現在受付時間中です/);
    const list = await agent(t.app, ALICE).get('/api/agent/tickets?status=queued').expect(200);
    const row = list.body.tickets.find((x: { id: number }) => x.id === b.id);
    assert.equal(row.number, b.number);
    assert.equal(row.userName, '山田 太郎');
    assert.equal(row.channelId, 'msteams');
    assert.equal(typeof row.waitingSeconds, 'number');
    await request(t.app.server).get('/api/agent/tickets?status=nonsense').set({ authorization: `Bearer ${ALICE}` }).expect(400);
  });

  it('lets exactly one of two agents take a ticket at the same time; the other gets 409', async () => {
    const { id } = await escalate(employee());
    const [x, y] = await Promise.all([agent(t.app, ALICE).post(`/api/agent/tickets/${id}/claim`), agent(t.app, BOB).post(`/api/agent/tickets/${id}/claim`)]);
    assert.deepEqual([x.status, y.status].sort(), [200, 409]);
    const loser = x.status === 409 ? x : y;
    assert.equal(loser.body.code, 'HD_ERR_CONFLICT');
    const row = await t.app.storage.tickets.get(id);
    assert.equal(row?.status, 'assigned');
    const view = await agent(t.app, ALICE).get(`/api/agent/tickets/${id}`).expect(200);
    assert.equal(view.body.events.filter((e: { type: string }) => e.type === 'ticket.assigned').length, 1);
    await agent(t.app, ALICE).get('/api/agent/tickets/999999').expect(404);
  });

  it('relays both ways once taken, resolves, and stores the employee\'s "solved" answer and 1–5 rating', async () => {
    const user = employee();
    const { id, number } = await escalate(user);
    const alice = agent(t.app, ALICE);

    let mark = user.mark();
    await alice.post(`/api/agent/tickets/${id}/claim`).expect(200);
    await user.waitForText(/担当者の alice さんが参加しました/, mark);

    // The employee writes: the bot stays silent, the words reach the ticket (even ones the bot would otherwise act on).
    const silent = await user.say('まだ解決しません。VPN の画面にエラー 809 が出ます');
    assert.deepEqual(silent, []);
    let view = await alice.get(`/api/agent/tickets/${id}`).expect(200);
    assert.ok(view.body.messages.some((m: { role: string; text: string }) => m.role === 'user' && m.text.includes('エラー 809')));
    assert.ok(view.body.events.some((e: { type: string; text?: string }) => e.type === 'ticket.message' && e.text?.includes('エラー 809')));

    mark = user.mark();
    await alice.post(`/api/agent/tickets/${id}/messages`, { text: 'ルーターを再起動してから、もう一度接続してください。' }).expect(202);
    assert.match(await user.waitForText(/ルーターを再起動/, mark), /^alice（IT 担当）：ルーターを再起動/);

    // Only the assignee may write; bob gets 409, an empty message 400.
    const bobWrites = await agent(t.app, BOB).post(`/api/agent/tickets/${id}/messages`, { text: 'hello' });
    assert.equal(bobWrites.status, 409);
    const empty = await alice.post(`/api/agent/tickets/${id}/messages`, { text: '' });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.code, 'HD_ERR_BAD_REQUEST');

    mark = user.mark();
    await alice.post(`/api/agent/tickets/${id}/resolve`, { note: 'ルーターの設定を修正しました' }).expect(200);
    assert.match(await user.waitForText(/解決済みにしました/, mark), new RegExp(`${number}.*\\n\\n担当者からのメモ：ルーターの設定を修正しました`, 's'));
    await user.waitForText(/問題は解決しましたか？/, mark);
    const rating = await user.say('はい', { kind: 'hd.choice', action: 'HELPFUL_YES', step: 'solved' });
    assert.match(rating.join('\n'), /満足度を 1〜5 で教えてください/);
    const thanks = await user.say('4', { kind: 'hd.choice', action: 'RATE_4', step: 'rating' });
    assert.match(thanks.join('\n'), /ご評価ありがとうございました/);

    const row = await t.app.storage.tickets.get(id);
    assert.equal(row?.status, 'resolved');
    assert.equal(row?.solved, true);
    assert.equal(row?.rating, 4);
    assert.equal(row?.resolutionNote, 'ルーターの設定を修正しました');
    view = await alice.get(`/api/agent/tickets/${id}`).expect(200);
    assert.deepEqual(
      view.body.events.map((e: { type: string; actor: { kind: string } }) => `${e.type}:${e.actor.kind}`),
      ['ticket.created:user', 'ticket.assigned:agent', 'ticket.message:user', 'ticket.message:agent', 'ticket.resolved:agent', 'ticket.rated:user', 'ticket.rated:user'],
    );
    // Resolved: no more claims or messages.
    assert.equal((await agent(t.app, BOB).post(`/api/agent/tickets/${id}/claim`)).status, 409);
    // A new message after the rating starts a fresh conversation with the bot; it is answered, not dropped.
    const fresh = await user.say('ERROR_IPSEC_IKE_SA_REAPED が出ます');
    assert.match(fresh.join('\n'), /確認 1\/4/);
  });

  it('reopens the ticket when the employee says it is not solved', async () => {
    const user = employee({ locale: 'en-US' });
    await user.say('I would like to talk to a human please, my VPN drops every hour');
    const number = /(HD-\d{6})/.exec(user.textsSince(0).join('\n'))?.[1] ?? '';
    const id = Number(number.slice(3));
    await agent(t.app, ALICE).post(`/api/agent/tickets/${id}/claim`).expect(200);
    const mark = user.mark();
    await agent(t.app, ALICE).post(`/api/agent/tickets/${id}/resolve`, {}).expect(200);
    await user.waitForText(/Is your problem solved now\?/, mark);
    const reply = await user.say('No, it still does not work');
    assert.match(reply.join('\n'), new RegExp(`reopened ticket ${number}`));
    const row = await t.app.storage.tickets.get(id);
    assert.equal(row?.status, 'queued');
    assert.equal(row?.solved, false);
    assert.equal(row?.assignee, null);
    // Back in the queue: another agent can take it.
    await agent(t.app, BOB).post(`/api/agent/tickets/${id}/claim`).expect(200);
  });

  it('while waiting, adds what the employee writes to the ticket, and lets them cancel', async () => {
    const user = employee();
    const { id, number } = await escalate(user);
    const note = await user.say('ちなみに自宅の Wi-Fi からです');
    assert.match(note.join('\n'), new RegExp(`チケット ${number} に追記しました`));
    // Leaving a ticket needs a yes: the button asks first, and says the ticket stays open otherwise.
    const asked = await user.say('依頼を取り消す', { kind: 'hd.choice', action: 'CANCEL_TICKET', step: 'waiting' });
    assert.match(asked.join('\n'), new RegExp(`チケット ${number} を取り消して、ボットとの会話に戻りますか？ 取り消さない場合、チケットはこのまま残り`));
    assert.equal((await t.app.storage.tickets.get(id))?.status, 'queued');
    // The button's action counts, not its label.
    const cancelled = await user.say('（ラベルは読みません）', { kind: 'hd.choice', action: 'CONFIRM_LEAVE', step: 'leave' });
    assert.match(cancelled.join('\n'), new RegExp(`チケット ${number} を取り消しました`));
    const row = await t.app.storage.tickets.get(id);
    assert.equal(row?.status, 'cancelled');
    const view = await agent(t.app, ALICE).get(`/api/agent/tickets/${id}`).expect(200);
    assert.ok(view.body.events.some((e: { type: string; text?: string }) => e.type === 'ticket.message' && e.text === 'ちなみに自宅の Wi-Fi からです'));
    assert.equal((await agent(t.app, ALICE).post(`/api/agent/tickets/${id}/claim`)).status, 409);
  });

  it('hands a ticket back to the queue, and lets the employee go "back to bot" from a live chat', async () => {
    const user = employee();
    const { id } = await escalate(user);
    const alice = agent(t.app, ALICE);
    await alice.post(`/api/agent/tickets/${id}/claim`).expect(200);
    assert.equal((await agent(t.app, BOB).post(`/api/agent/tickets/${id}/release`)).status, 409);
    let mark = user.mark();
    const released = await alice.post(`/api/agent/tickets/${id}/release`).expect(200);
    assert.equal(released.body.ticket.status, 'queued');
    await user.waitForText(/受付待ちに戻りました/, mark);

    await agent(t.app, BOB).post(`/api/agent/tickets/${id}/claim`).expect(200);
    mark = user.mark();
    const confirm = await user.say('ボットに戻る');
    assert.match(confirm.join('\n'), /ボットとの会話に戻りますか？/);
    const back = await user.say('はい');
    assert.match(back.join('\n'), /ボットに戻りました/);
    assert.equal((await t.app.storage.tickets.get(id))?.status, 'cancelled');
    // The agent can no longer write into a conversation the employee left.
    assert.equal((await agent(t.app, BOB).post(`/api/agent/tickets/${id}/messages`, { text: 'まだいますか？' })).status, 409);
  });

  it('documents the agent API with OpenAPI at /docs', async () => {
    const spec = await request(t.app.server).get('/docs/json').expect(200);
    for (const path of ['/api/agent/tickets', '/api/agent/tickets/{id}', '/api/agent/tickets/{id}/claim', '/api/agent/tickets/{id}/messages', '/api/agent/tickets/{id}/resolve', '/api/agent/tickets/{id}/release']) {
      assert.ok(spec.body.paths[path], `missing ${path}`);
    }
    assert.equal(spec.body.components.securitySchemes.agentToken.scheme, 'bearer');
    assert.ok(spec.body.paths['/api/agent/tickets/{id}/claim'].post.responses['409']);
    const ui = await request(t.app.server).get('/docs/').redirects(1);
    assert.equal(ui.status, 200);
    assert.match(ui.text, /swagger/i);
  });
});
