import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createStaffChannelStore } from '../../src/handoff/notifiers/staff-channel-store.js';
import { TEAMS_STAFF_TOPIC } from '../../src/handoff/notifiers/teams-staff-notifier.js';
import { CHANNEL_REPLY_TOPIC } from '../../src/bot/proactive-delivery.js';
import { createOutboxStore, type OutboxEntry } from '../../src/outbox/outbox-store.js';
import { ConnectorReceiver, buildApp, tempDataDir, type TestApp } from '../helper.js';
import { AGENT_ENV, ALICE, Employee, agent, escalate } from './handoff-helpers.js';

const STAFF_CHANNEL = '19:it-staff-delivery@thread.tacv2';

/**
 * What the bot sends to Teams on its own — the ticket card in the staff channel and IT's words to an employee — is
 * written to the outbox with the change that causes it: a Bot Connector that is down delays it, a restart does not
 * lose it, and it arrives once, in order, when Teams answers again.
 */
describe('messages to Teams while the Bot Connector is down', () => {
  const data = tempDataDir();
  const receiver = new ConnectorReceiver();
  let url = '';
  let t: TestApp | undefined;
  const env = () => ({
    ...AGENT_ENV,
    STAFF_TEAMS_CHANNEL_ID: STAFF_CHANNEL,
    STAFF_TEAMS_SERVICE_URL: url,
    STAFF_TEAMS_TENANT_ID: 'tenant-1',
    TEAMS_RETRY_BASE_MS: '40',
    TEAMS_RETRY_MAX_MS: '200',
  });
  const app = () => {
    assert.ok(t);
    return t.app;
  };
  const rows = async (topic: string): Promise<OutboxEntry[]> => createOutboxStore(app().storage.database).list(topic);
  const toChannel = (path: string) => path.startsWith(`POST /v3/conversations/${STAFF_CHANNEL}/activities`);
  const cardPosts = () => receiver.received.filter((r) => toChannel(decodeURIComponent(r.path)) && Array.isArray(r.body.attachments));

  // The Bot Connector client retries a 5xx itself a few times (seconds) before the outbox sees the failure.
  async function until(what: string, predicate: () => Promise<boolean>, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  before(async () => {
    url = await receiver.start();
    t = await buildApp(env(), data.dir);
  });
  after(async () => {
    await t?.close();
    await receiver.stop();
    data.cleanup();
  });

  it('posts the ticket card once Teams answers again, after failed attempts, exactly once', async () => {
    receiver.outage = { status: 503, matches: toChannel };
    const employee = new Employee(app(), receiver, url, 'a:outage-taro');
    const { id } = await escalate(employee);

    await until('the card was tried and failed', async () => (await rows(TEAMS_STAFF_TOPIC)).some((r) => r.ticketId === id && r.attempts >= 1));
    assert.equal(cardPosts().length, 0, 'no card while the connector refuses');
    const pending = (await rows(TEAMS_STAFF_TOPIC)).find((r) => r.ticketId === id && r.eventType === 'ticket.created');
    assert.equal(pending?.status, 'pending');
    assert.match(pending?.lastError ?? '', /HTTP 503/);

    receiver.outage = undefined;
    await receiver.waitFor(() => cardPosts().some((r) => JSON.stringify(r.body).includes(`"ticketId":${id}`)), 30_000);
    await until('the row is marked sent', async () => (await rows(TEAMS_STAFF_TOPIC)).every((r) => r.status === 'sent'));
    assert.equal(cardPosts().filter((r) => JSON.stringify(r.body).includes(`"ticketId":${id}`)).length, 1, 'one card, not one per attempt');
    assert.ok(await createStaffChannelStore(app().storage.database).cardForTicket(id), 'the posted card is remembered for its updates');
  });

  it("keeps IT's messages to a Teams employee across a restart and delivers them in order once Teams is back", async () => {
    const employee = new Employee(app(), receiver, url, 'a:outage-hanako');
    const { id } = await escalate(employee);
    const employeePath = (path: string) => path.startsWith(`POST /v3/conversations/${employee.conversationId}/activities`);
    receiver.outage = { status: 502, matches: employeePath };
    const mark = employee.mark();

    const alice = agent(app(), ALICE);
    await alice.post(`/api/agent/tickets/${id}/claim`).expect(200);
    await alice.post(`/api/agent/tickets/${id}/messages`, { text: '一度 PC を再起動してから、もう一度 VPN に接続してください。' }).expect(202);
    // Both wait in order: the first ("alice joined") is tried, the second waits behind it.
    await until('the first message was tried', async () => {
      const waiting = (await rows(CHANNEL_REPLY_TOPIC)).filter((r) => r.ticketId === id);
      return waiting.length === 2 && (waiting[0]?.attempts ?? 0) >= 1;
    });
    assert.deepEqual(employee.textsSince(mark), [], 'nothing reached the employee yet');

    // The service restarts while Teams is still down; the messages wait in the database.
    await t?.close();
    t = await buildApp(env(), data.dir);
    const waiting = (await rows(CHANNEL_REPLY_TOPIC)).filter((r) => r.ticketId === id);
    assert.deepEqual(waiting.map((r) => r.status), ['pending', 'pending']);

    receiver.outage = undefined;
    await receiver.waitFor(() => employee.textsSince(mark).some((text) => /再起動してから/.test(text)), 30_000);
    const texts = employee.textsSince(mark);
    const joined = texts.findIndex((text) => /alice/.test(text));
    const message = texts.findIndex((text) => /再起動してから/.test(text));
    assert.ok(joined !== -1 && joined < message, `"alice joined" comes before her message: ${JSON.stringify(texts)}`);
    assert.equal(texts.filter((text) => /再起動してから/.test(text)).length, 1, 'her message arrives once');
    await until('the rows are marked sent', async () => (await rows(CHANNEL_REPLY_TOPIC)).filter((r) => r.ticketId === id).every((r) => r.status === 'sent'));
  });

  it('stops retrying a message Teams refuses for good (403: the bot was removed) and still sends the next one', async () => {
    const employee = new Employee(app(), receiver, url, 'a:outage-jiro');
    const { id } = await escalate(employee);
    const employeePath = (path: string) => path.startsWith(`POST /v3/conversations/${employee.conversationId}/activities`);
    receiver.outage = { status: 403, matches: employeePath };
    const alice = agent(app(), ALICE);
    await alice.post(`/api/agent/tickets/${id}/claim`).expect(200);
    await until('the notice was refused for good', async () => (await rows(CHANNEL_REPLY_TOPIC)).some((r) => r.ticketId === id && r.status === 'rejected'));
    const refused = (await rows(CHANNEL_REPLY_TOPIC)).find((r) => r.ticketId === id);
    assert.equal(refused?.attempts, 1, 'tried once, not again');

    receiver.outage = undefined;
    const mark = employee.mark();
    await alice.post(`/api/agent/tickets/${id}/messages`, { text: 'Could you send me a screenshot of the error?' }).expect(202);
    await receiver.waitFor(() => employee.textsSince(mark).some((text) => /screenshot of the error/.test(text)), 30_000);
  });
});
