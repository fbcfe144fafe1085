import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { ALICE, BOB, agent, escalate, withHelpdesk } from './handoff-helpers.js';

interface EventBody {
  type: string;
  actor: { kind: string; name: string };
  text?: string;
}

describe('agent API for the workspace: resolve without taking, transfer, internal notes, reopen, search, reason phrases', () => {
  const t = withHelpdesk('a:workspace-chat');
  const employee = (opts: Parameters<typeof t.employee>[0] = {}) => t.employee(opts);

  it('resolving a ticket nobody took assigns it to whoever resolved it', async () => {
    const user = employee();
    const { id, number } = await escalate(user);
    const mark = user.mark();
    const resolved = await agent(t.app, BOB).post(`/api/agent/tickets/${id}/resolve`, { note: 'VPN の設定を修正しました' }).expect(200);
    assert.equal(resolved.body.ticket.status, 'resolved');
    assert.deepEqual(resolved.body.ticket.assignee, { id: 'bob', name: 'bob' });
    await user.waitForText(new RegExp(`bob さんが、チケット ${number} を解決済みにしました`), mark);
    const row = await t.app.storage.tickets.get(id);
    assert.deepEqual(row?.assignee, { id: 'bob', name: 'bob' });
    const list = await agent(t.app, ALICE).get('/api/agent/tickets?status=resolved').expect(200);
    assert.equal(list.body.tickets.find((x: { id: number }) => x.id === id)?.assignee?.name, 'bob');
  });

  it('transfers a ticket to another agent: the employee is told, only the new agent may write', async () => {
    const user = employee();
    const { id } = await escalate(user);
    const alice = agent(t.app, ALICE);
    const bob = agent(t.app, BOB);
    await alice.post(`/api/agent/tickets/${id}/claim`).expect(200);

    // Bob cannot take over a ticket that is Alice's; nobody can transfer to an unknown agent or to themselves.
    const stolen = await bob.post(`/api/agent/tickets/${id}/transfer`, { to: 'alice' });
    assert.equal(stolen.status, 409);
    assert.equal(stolen.body.error, 'Conflict');
    assert.equal(stolen.body.code, 'HD_ERR_CONFLICT');
    assert.match(stolen.body.message, /taken by alice/);
    const unknown = await alice.post(`/api/agent/tickets/${id}/transfer`, { to: 'mallory' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, 'Bad Request');
    assert.match(unknown.body.message, /no agent "mallory"/);
    assert.equal((await alice.post(`/api/agent/tickets/${id}/transfer`, { to: 'alice' })).status, 400);

    const mark = user.mark();
    const moved = await alice.post(`/api/agent/tickets/${id}/transfer`, { to: 'bob' }).expect(200);
    assert.deepEqual(moved.body.ticket.assignee, { id: 'bob', name: 'bob' });
    await user.waitForText(/担当者の bob さんが参加しました/, mark);

    assert.equal((await alice.post(`/api/agent/tickets/${id}/messages`, { text: 'まだ私です' })).status, 409);
    await bob.post(`/api/agent/tickets/${id}/messages`, { text: '引き継ぎました。続けて確認します。' }).expect(202);
    await user.waitForText(/^bob（IT 担当）[：:] ?引き継ぎました。/, mark);

    const view = await bob.get(`/api/agent/tickets/${id}`).expect(200);
    const transferred = view.body.events.find((e: EventBody) => e.type === 'ticket.transferred');
    assert.equal(transferred?.actor.name, 'alice');
    assert.equal(transferred?.text, 'bob');
  });

  it('keeps internal notes from the employee: in the ticket history, never in their chat or transcript', async () => {
    const user = employee();
    const { id } = await escalate(user);
    const alice = agent(t.app, ALICE);
    // A note needs no claim: anyone looking at the ticket can leave one.
    const mark = user.mark();
    const created = await alice.post(`/api/agent/tickets/${id}/notes`, { text: '内部メモ：前回も同じ症状で証明書を更新した利用者' });
    assert.equal(created.status, 201);
    assert.equal(created.body.event.type, 'ticket.note');
    await alice.post(`/api/agent/tickets/${id}/claim`).expect(200);
    await alice.post(`/api/agent/tickets/${id}/messages`, { text: '証明書の有効期限を確認してください。' }).expect(202);
    await user.waitForText(/証明書の有効期限/, mark);
    assert.ok(!user.textsSince(mark).some((text) => text.includes('内部メモ')), 'the employee never receives a note');

    const view = await alice.get(`/api/agent/tickets/${id}`).expect(200);
    assert.ok(view.body.events.some((e: EventBody) => e.type === 'ticket.note' && e.actor.name === 'alice' && e.text?.includes('前回も同じ症状')));
    assert.ok(!view.body.messages.some((m: { text: string }) => m.text.includes('前回も同じ症状')), 'notes are not part of the conversation');

    const empty = await alice.post(`/api/agent/tickets/${id}/notes`, { text: '' });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error, 'Bad Request');
    const missing = await alice.post('/api/agent/tickets/999999/notes', { text: 'x' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'Not Found');
  });

  it('reopens a resolved ticket for the agent who reopens it; a second reopen is a 409 Conflict', async () => {
    const user = employee();
    const { id } = await escalate(user);
    await agent(t.app, ALICE).post(`/api/agent/tickets/${id}/resolve`, {}).expect(200);
    const mark = user.mark();
    const reopened = await agent(t.app, BOB).post(`/api/agent/tickets/${id}/reopen`).expect(200);
    assert.equal(reopened.body.ticket.status, 'assigned');
    assert.deepEqual(reopened.body.ticket.assignee, { id: 'bob', name: 'bob' });
    assert.equal(reopened.body.ticket.closedAt, null);
    await user.waitForText(/担当者の bob さんが参加しました/, mark);
    const again = await agent(t.app, BOB).post(`/api/agent/tickets/${id}/reopen`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'Conflict');
    const view = await agent(t.app, BOB).get(`/api/agent/tickets/${id}`).expect(200);
    assert.ok(view.body.events.some((e: EventBody) => e.type === 'ticket.reopened' && e.actor.name === 'bob'));
  });

  it('lists the agents to transfer to and the canned replies in both languages', async () => {
    const roster = await agent(t.app, ALICE).get('/api/agent/agents').expect(200);
    assert.deepEqual(roster.body.agents, [
      { id: 'alice', name: 'alice' },
      { id: 'bob', name: 'bob' },
    ]);
    const canned = await agent(t.app, ALICE).get('/api/agent/canned-replies').expect(200);
    const greeting = canned.body.replies.find((r: { id: string }) => r.id === 'greeting');
    assert.match(greeting.text.ja, /\{user\}、IT 担当の \{agent\} です。チケット \{ticket\} を担当します。/);
    assert.match(greeting.text.en, /Hello \{user\}, this is \{agent\} from IT/);
    assert.equal((await request(t.app.server).get('/api/agent/canned-replies')).status, 401);
  });

  it('finds tickets by number and by user name; names a nameless Web Chat user by a short stable number', async () => {
    const named = employee({ userId: 'aad-hanako', userName: '佐藤 花子' });
    const a = await escalate(named);
    const guestId = 'dl_o4KIOzS8qeeuhgQZ';
    const guest = employee({ channelId: 'webchat', userId: guestId, userName: '' });
    const b = await escalate(guest);

    const alice = agent(t.app, ALICE);
    const byName = await alice.get(`/api/agent/tickets?q=${encodeURIComponent('花子')}`).expect(200);
    assert.deepEqual(byName.body.tickets.map((x: { number: string }) => x.number), [a.number]);
    const byNumber = await alice.get(`/api/agent/tickets?q=${b.number}`).expect(200);
    assert.deepEqual(byNumber.body.tickets.map((x: { number: string }) => x.number), [b.number]);
    assert.deepEqual((await alice.get('/api/agent/tickets?q=nobody-has-this').expect(200)).body.tickets, []);

    const row = byNumber.body.tickets[0];
    assert.match(row.guestNumber, /^\d{4}$/);
    assert.equal(byName.body.tickets[0].guestNumber, null);
    const view = await alice.get(`/api/agent/tickets/${b.id}`).expect(200);
    assert.equal(view.body.guestNumber, row.guestNumber, 'the same user keeps the same number');
    assert.ok(!JSON.stringify(view.body.ticket.userName).includes(guestId));
    assert.equal(view.body.description, '担当者と話したい。VPN が朝からつながりません');
  });

  it('answers every error with its own reason phrase', async () => {
    const cases: Array<[number, string, () => Promise<request.Response>]> = [
      [401, 'Unauthorized', () => request(t.app.server).get('/api/agent/tickets')],
      [404, 'Not Found', () => agent(t.app, ALICE).get('/api/agent/tickets/999999')],
      [400, 'Bad Request', () => agent(t.app, ALICE).get('/api/agent/tickets?status=nonsense')],
    ];
    for (const [status, phrase, call] of cases) {
      const res = await call();
      assert.equal(res.status, status);
      assert.equal(res.body.error, phrase);
    }
    const { id } = await escalate(employee());
    await agent(t.app, ALICE).post(`/api/agent/tickets/${id}/claim`).expect(200);
    const taken = await agent(t.app, BOB).post(`/api/agent/tickets/${id}/claim`);
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error, 'Conflict');
    const spec = await request(t.app.server).get('/docs/json').expect(200);
    for (const path of ['/api/agent/tickets/{id}/transfer', '/api/agent/tickets/{id}/notes', '/api/agent/tickets/{id}/reopen', '/api/agent/agents', '/api/agent/canned-replies']) {
      assert.ok(spec.body.paths[path], `missing ${path}`);
    }
  });
});
