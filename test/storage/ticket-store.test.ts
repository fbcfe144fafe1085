import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOutboxSink, createOutboxStore } from '../../src/outbox/outbox-store.js';
import { WEBHOOK_TOPIC } from '../../src/handoff/webhook/webhook-dispatcher.js';
import { webhookPayload } from '../../src/handoff/webhook/webhook-payload.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { createTicketStore, type NewTicket } from '../../src/storage/ticket-store.js';
import { tempDataDir } from '../helper.js';

const request: NewTicket = {
  conversationId: 'emulator:outbox-1',
  reason: 'checks_failed',
  userId: 'u1',
  userName: 'Taro Yamada',
  channelId: 'emulator',
  locale: 'ja',
  error: { name: 'ERROR_IPSEC_IKE_SA_REAPED', code: 13808, hex: '0x000035F0' },
  runbookId: 'ipsec-ike-sa-reaped',
  checks: [],
  transcript: [{ role: 'user', author: 'Taro Yamada', text: 'VPN が切れます', at: new Date().toISOString() }],
};
const agent = { kind: 'agent' as const, id: 'sato', name: 'Sato' };

describe('ticket changes and their webhook events', () => {
  const data = tempDataDir();
  let database: Database;
  before(async () => {
    database = await openDatabase({ dataDir: data.dir, databaseUrl: '' });
  });
  after(async () => {
    await database.close();
    data.cleanup();
  });

  it('writes the outbox row in the same transaction as the change: the event is there the moment the change is', async () => {
    const tickets = createTicketStore(database, { sink: createOutboxSink(WEBHOOK_TOPIC, webhookPayload) });
    const outbox = createOutboxStore(database);
    const ticket = await tickets.create(request);
    const taken = await tickets.change(ticket.id, { from: ['queued'], set: { status: 'assigned', assignee_id: 'sato', assignee_name: 'Sato' }, event: { type: 'ticket.assigned', actor: agent } });
    assert.ok(taken.ok);
    const rows = (await outbox.list(WEBHOOK_TOPIC)).filter((row) => row.ticketId === ticket.id);
    assert.deepEqual(rows.map((row) => row.eventType), ['ticket.created', 'ticket.assigned']);
    const body: unknown = JSON.parse(rows[1]?.payload ?? '{}');
    assert.equal(Reflect.get(Reflect.get(Object(body), 'ticket'), 'status'), 'assigned', 'the payload shows the ticket after the change');
  });

  it('keeps the ticket as it was when its event cannot be recorded', async () => {
    const recorded = createTicketStore(database);
    const ticket = await recorded.create({ ...request, conversationId: 'emulator:outbox-2' });
    const failing = createTicketStore(database, {
      sink: async () => {
        throw new Error('disk full');
      },
    });
    await assert.rejects(
      failing.change(ticket.id, { from: ['queued'], set: { status: 'assigned', assignee_id: 'sato', assignee_name: 'Sato' }, event: { type: 'ticket.assigned', actor: agent } }),
      /disk full/,
    );
    const after = await recorded.get(ticket.id);
    assert.equal(after?.status, 'queued');
    assert.equal(after?.assignee, null);
    assert.deepEqual((await recorded.events(ticket.id)).map((e) => e.type), ['ticket.created']);
  });
});
