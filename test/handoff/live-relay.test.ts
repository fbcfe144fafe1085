import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildApp, ConnectorReceiver, tempDataDir, type TestApp } from '../helper.js';
import { openStream } from './agent-stream.js';
import { AGENT_ENV, ALICE, BOB, agent, Employee, escalate } from './handoff-helpers.js';

describe('live relay: the agents\' stream, and a restart in the middle of a live chat', () => {
  const receiver = new ConnectorReceiver();
  const data = tempDataDir();
  let serviceUrl = '';
  let t: TestApp;
  let port = 0;

  before(async () => {
    serviceUrl = await receiver.start();
    t = await buildApp(AGENT_ENV, data.dir);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await t.close();
    await receiver.stop();
    data.cleanup();
  });

  it('refuses the stream without a valid token', async () => {
    const stream = await openStream(port, 'wrong');
    assert.equal(stream.status, 401);
    stream.close();
  });

  it('shows every agent the same queue changes live: new ticket, taken, messages both ways', async () => {
    const aliceStream = await openStream(port, ALICE);
    const bobStream = await openStream(port, BOB);
    assert.equal(aliceStream.status, 200);
    const user = new Employee(t.app, receiver, serviceUrl, 'a:live-1');
    const { id } = await escalate(user);
    for (const stream of [aliceStream, bobStream]) {
      const created = await stream.waitFor((e) => e.event.ticketId === id && e.event.type === 'ticket.created');
      assert.equal(created.ticket.status, 'queued');
    }
    await agent(t.app, ALICE).post(`/api/agent/tickets/${id}/claim`).expect(200);
    const taken = await bobStream.waitFor((e) => e.event.ticketId === id && e.event.type === 'ticket.assigned');
    assert.equal(taken.ticket.assignee?.name, 'alice');
    await user.say('画面を共有しましょうか？');
    const fromUser = await aliceStream.waitFor((e) => e.event.type === 'ticket.message' && e.event.actor.kind === 'user');
    assert.equal(fromUser.event.text, '画面を共有しましょうか？');
    aliceStream.close();
    bobStream.close();
  });

  it('loses no message when the server restarts mid-chat, and both sides carry on', async () => {
    const user = new Employee(t.app, receiver, serviceUrl, 'a:live-restart');
    const { id } = await escalate(user);
    await agent(t.app, ALICE).post(`/api/agent/tickets/${id}/claim`).expect(200);
    await user.say('再起動の前に送ったメッセージです');

    await t.app.close();
    t = await buildApp(AGENT_ENV, data.dir);
    user.rebind(t.app);

    // The agent's next message reaches the employee, and the employee's reply still goes to the agent, not the bot.
    const mark = user.mark();
    await agent(t.app, ALICE).post(`/api/agent/tickets/${id}/messages`, { text: '再起動後のメッセージです' }).expect(202);
    await user.waitForText(/再起動後のメッセージです/, mark);
    assert.deepEqual(await user.say('再起動後の返信です'), []);
    const view = await agent(t.app, ALICE).get(`/api/agent/tickets/${id}`).expect(200);
    const texts = view.body.messages.map((m: { role: string; text: string }) => `${m.role}:${m.text}`);
    for (const expected of ['user:再起動の前に送ったメッセージです', 'agent:再起動後のメッセージです', 'user:再起動後の返信です']) {
      assert.ok(texts.includes(expected), `${expected} missing from ${JSON.stringify(texts)}`);
    }
    assert.equal(view.body.ticket.status, 'assigned');
  });
});
