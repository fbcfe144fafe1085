import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NewTicket } from '../../src/storage/ticket-store.js';
import { buildApp, type TestApp } from '../helper.js';

function ticket(n: number): NewTicket {
  return {
    conversationId: `emulator:queue-${n}`,
    reason: 'user_request',
    userId: `u${n}`,
    userName: `User ${n}`,
    channelId: 'emulator',
    locale: 'ja',
    error: null,
    runbookId: null,
    checks: [],
    transcript: [],
  };
}

describe('the queue view', () => {
  let t: TestApp;
  before(async () => {
    t = await buildApp();
  });
  after(async () => t.close());

  it('always shows every waiting ticket, longest waiting first, however many closed tickets changed since', async () => {
    const lifecycle = t.app.storage.tickets;
    const oldest = await t.app.storage.tickets.create(ticket(1));
    const next = await t.app.storage.tickets.create(ticket(2));
    for (let n = 3; n <= 8; n++) {
      const closed = await t.app.storage.tickets.create(ticket(n));
      await t.app.storage.database.db
        .updateTable('tickets')
        .set({ status: 'resolved', updated_at: new Date(Date.now() + n * 1000).toISOString() })
        .where('id', '=', closed.id)
        .execute();
    }
    const shown = await lifecycle.list(undefined, 4);
    assert.deepEqual(
      shown.map((x) => [x.number, x.status]),
      [
        [oldest.number, 'queued'],
        [next.number, 'queued'],
        ['HD-000008', 'resolved'],
        ['HD-000007', 'resolved'],
      ],
    );
    const queuedOnly = await lifecycle.list('queued', 1);
    assert.deepEqual(queuedOnly.map((x) => x.number), [oldest.number, next.number]);
  });
});
