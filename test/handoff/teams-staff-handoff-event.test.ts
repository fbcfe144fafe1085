import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConnectorReceiver, buildApp, buildAppWithConnector, employeeSays, type ConnectedApp, type TestApp } from '../helper.js';

/** The employee asks for a person; the bot opens a ticket in that same turn. */
async function escalate(t: TestApp, serviceUrl: string, conversationId: string, channelId: string): Promise<void> {
  const extra =
    channelId === 'msteams'
      ? { channelData: { tenant: { id: 'tenant-1' } }, conversation: { id: conversationId, conversationType: 'personal', tenantId: 'tenant-1' } }
      : {};
  await employeeSays(t.app, { serviceUrl, conversationId, channelId, text: '担当者と話したいです。VPN が朝からつながりません', extra });
}

function ticketNumberIn(texts: string[]): string | undefined {
  return texts.map((text) => /HD-\d{6}/.exec(text)?.[0]).find(Boolean);
}

describe('handoff.initiate for contact-centre hubs (HANDOFF_EVENT_ENABLED)', () => {
  let t: ConnectedApp;
  let receiver: ConnectorReceiver;
  let serviceUrl: string;
  before(async () => {
    t = await buildAppWithConnector({ HANDOFF_EVENT_ENABLED: 'true' });
    ({ receiver, serviceUrl } = t);
  });
  after(async () => t.close());

  it('goes into the conversation on a non-Teams channel, with the ticket context and the transcript attached', async () => {
    receiver.clear();
    await escalate(t, serviceUrl, 'hub-conv-1', 'directline');
    await receiver.waitFor(() => receiver.received.some((r) => r.body.type === 'event'));
    const number = ticketNumberIn(receiver.texts());
    assert.ok(number, `the employee was told a ticket number: ${JSON.stringify(receiver.texts())}`);
    const event = receiver.received.find((r) => r.body.type === 'event');
    assert.equal(event?.body.name, 'handoff.initiate');
    assert.match(event?.path ?? '', /^POST \/v3\/conversations\/hub-conv-1\/activities/);
    const value = event?.body.value as { ticketNumber?: string; reason?: string } | undefined;
    assert.equal(value?.ticketNumber, number);
    assert.equal(value?.reason, 'user_request');
    const attachments = event?.body.attachments as Array<{ name?: string; contentType?: string; content?: { activities?: Array<{ text?: string }> } }>;
    assert.equal(attachments[0]?.name, 'Transcript');
    assert.equal(attachments[0]?.contentType, 'application/json');
    const said = (attachments[0]?.content?.activities ?? []).map((a) => a.text);
    assert.ok(said.includes('担当者と話したいです。VPN が朝からつながりません'), `transcript holds the employee's words: ${JSON.stringify(said)}`);
  });

  it('is never sent to Teams, though the ticket is opened there too', async () => {
    receiver.clear();
    // The turn (replies and any event) is complete when /api/messages answers.
    await escalate(t, serviceUrl, 'a:teams-personal-1', 'msteams');
    const ticket = await t.app.storage.tickets.latestForConversation('msteams:a:teams-personal-1');
    assert.equal(ticket?.channelId, 'msteams');
    assert.ok(receiver.received.length > 0, 'the employee got replies on Teams');
    assert.equal(receiver.received.filter((r) => r.body.type === 'event').length, 0);
    assert.equal(receiver.received.filter((r) => r.body.name === 'handoff.initiate').length, 0);
  });
});

describe('handoff.initiate is off by default', () => {
  it('sends no event when HANDOFF_EVENT_ENABLED is not set', async () => {
    const receiver = new ConnectorReceiver();
    const serviceUrl = await receiver.start();
    const t = await buildApp();
    try {
      await escalate(t, serviceUrl, 'hub-conv-2', 'directline');
      assert.ok(ticketNumberIn(receiver.texts()), 'a ticket was opened');
      assert.equal(receiver.received.filter((r) => r.body.type === 'event').length, 0);
    } finally {
      await t.close();
      await receiver.stop();
    }
  });
});
