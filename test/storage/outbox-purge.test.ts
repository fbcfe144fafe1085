import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { createOutboxDispatcher } from '../../src/outbox/outbox-dispatcher.js';
import { createOutboxStore } from '../../src/outbox/outbox-store.js';
import { openDatabase } from '../../src/storage/database.js';
import { tempDataDir } from '../helper.js';

const DAY = 86_400_000;

test('the outbox forgets old delivered and refused rows of its topic, never a pending one', async (t) => {
  const data = tempDataDir();
  const database = await openDatabase({ dataDir: data.dir });
  t.after(async () => {
    await database.close();
    data.cleanup();
  });
  const store = createOutboxStore(database);
  const now = new Date('2026-12-02T09:00:00Z');
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  let n = 0;
  /** A row of `topic` created `days` ago, then marked as `status` at that time. */
  async function row(topic: string, days: number, status: 'pending' | 'sent' | 'rejected'): Promise<string> {
    const eventId = `evt-${++n}`;
    await store.enqueue({ eventId, topic, ticketId: n, eventType: 'ticket.created', payload: '{}' }, ago(days));
    const id = (await store.list(topic)).find((r) => r.eventId === eventId)?.id;
    assert.ok(id);
    if (status === 'sent') await store.markSent(id, ago(days));
    if (status === 'rejected') await store.markRejected(id, 1, 'HTTP 403');
    return eventId;
  }
  const oldSent = await row('teams-staff', 8, 'sent');
  const recentSent = await row('teams-staff', 2, 'sent');
  const oldPending = await row('teams-staff', 40, 'pending');
  const oldRejected = await row('teams-staff', 31, 'rejected');
  const recentRejected = await row('teams-staff', 10, 'rejected');
  const otherTopic = await row('webhook', 20, 'sent');

  const dispatcher = createOutboxDispatcher({
    store,
    topic: 'teams-staff',
    label: 'Teams staff card',
    send: async () => undefined,
    retryBaseMs: 1000,
    retryMaxMs: 1000,
    leaseMs: 1000,
    logger: pino({ level: 'silent' }),
  });
  assert.equal(await dispatcher.purge(now), 2);
  const left = (await store.list('teams-staff')).map((r) => r.eventId).sort();
  assert.deepEqual(left, [recentSent, oldPending, recentRejected].sort());
  assert.ok(!left.includes(oldSent) && !left.includes(oldRejected));
  assert.deepEqual((await store.list('webhook')).map((r) => r.eventId), [otherTopic], 'another topic is its own dispatcher’s business');
});
