import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { PURGE_LOCK_KEY } from '../../src/storage/retention.js';
import { allText, say } from '../bot/turn.js';
import { buildApp, twoInstancesOnPostgres, type TestApp, type TwoInstances } from '../helper.js';

/**
 * Transcripts and the Direct Line history are kept TRANSCRIPT_RETENTION_DAYS / DIRECTLINE_RETENTION_DAYS days, then
 * purged; conversations with an open ticket keep everything. On PostgreSQL one instance purges at a time.
 */
const SECRET = 'retention-directline-secret-0123456789ab';
const DAY = 86_400_000;

async function seed(t: TestApp): Promise<{ oldDl: string; openDl: string }> {
  // An old conversation that ended, and one whose ticket is still open; both through /api/messages.
  await say(t.app, 'old-1', 'ERROR_IPSEC_IKE_SA_REAPED');
  await say(t.app, 'open-1', 'ERROR_IPSEC_IKE_SA_REAPED');
  assert.match(allText(await say(t.app, 'open-1', '担当者と話したい')), /HD-\d{6}/);
  await say(t.app, 'closed-1', 'ERROR_IPSEC_IKE_SA_REAPED');
  assert.match(allText(await say(t.app, 'closed-1', '担当者と話したい')), /HD-\d{6}/);
  const { db } = t.app.storage.database;
  const longAgo = new Date(Date.now() - 200 * DAY).toISOString();
  await db.updateTable('transcript').set({ at: longAgo }).execute();
  await db.updateTable('tickets').set({ status: 'resolved', closed_at: longAgo }).where('conversation_id', '=', 'emulator:closed-1').execute();

  // Two Web Chat conversations: one old and finished, one with an open ticket.
  const start = async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v3/directline/conversations', headers: { authorization: `Bearer ${SECRET}` } });
    return (res.json() as { conversationId: string }).conversationId;
  };
  const oldDl = await start();
  const openDl = await start();
  await db.insertInto('tickets').values({
    conversation_id: `webchat:${openDl}`, status: 'queued', reason: 'user_request', user_id: 'u', user_name: 'u', channel_id: 'webchat', locale: 'ja',
    error_name: null, error_code: null, error_hex: null, runbook_id: null, checks: '[]', transcript: '[]', created_at: longAgo, updated_at: longAgo, queued_at: longAgo,
  }).execute();
  // Wait for the greetings, then age everything.
  for (let i = 0; i < 100; i++) {
    const n = await db.selectFrom('directline_activities').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    if (Number(n.n) >= 2) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await db.updateTable('directline_activities').set({ created_at: longAgo }).execute();
  await db.updateTable('directline_conversations').set({ updated_at: longAgo }).execute();
  return { oldDl, openDl };
}

async function counts(t: TestApp, oldDl: string, openDl: string) {
  const { db } = t.app.storage.database;
  const lines = async (id: string) => Number((await db.selectFrom('transcript').select((eb) => eb.fn.countAll<number>().as('n')).where('conversation_id', '=', id).executeTakeFirstOrThrow()).n);
  const history = async (id: string) => Number((await db.selectFrom('directline_activities').select((eb) => eb.fn.countAll<number>().as('n')).where('conversation_id', '=', id).executeTakeFirstOrThrow()).n);
  const closedTicket = await db.selectFrom('tickets').select('transcript').where('conversation_id', '=', 'emulator:closed-1').executeTakeFirstOrThrow();
  const openTicket = await db.selectFrom('tickets').select('transcript').where('conversation_id', '=', 'emulator:open-1').executeTakeFirstOrThrow();
  const dlConversations = (await db.selectFrom('directline_conversations').select('id').execute()).map((r) => r.id);
  return {
    old: await lines('emulator:old-1'),
    closed: await lines('emulator:closed-1'),
    open: await lines('emulator:open-1'),
    closedTicketTranscript: JSON.parse(closedTicket.transcript).length as number,
    openTicketTranscript: JSON.parse(openTicket.transcript).length as number,
    oldDl: await history(oldDl),
    openDl: await history(openDl),
    oldDlKept: dlConversations.includes(oldDl),
    openDlKept: dlConversations.includes(openDl),
  };
}

describe('retention purge (SQLite)', () => {
  let t: TestApp;
  before(async () => {
    t = await buildApp({ DIRECTLINE_SECRET: SECRET, TRANSCRIPT_RETENTION_DAYS: '90', DIRECTLINE_RETENTION_DAYS: '30' });
  });
  after(async () => t?.close());

  it('deletes what is older than the policy, except conversations with an open ticket', async () => {
    const { oldDl, openDl } = await seed(t);
    const before = await counts(t, oldDl, openDl);
    assert.ok(before.old > 0 && before.open > 0 && before.closedTicketTranscript > 0 && before.oldDl > 0 && before.openDl > 0, JSON.stringify(before));

    // Within the period nothing goes.
    const early = await t.app.retention.runOnce(new Date(Date.now() - 190 * DAY));
    assert.equal(early.transcriptLines + early.directLineActivities, 0);

    const result = await t.app.retention.runOnce();
    assert.equal(result.ran, true);
    const afterPurge = await counts(t, oldDl, openDl);
    assert.deepEqual(afterPurge, {
      old: 0,
      closed: 0,
      open: before.open,
      closedTicketTranscript: 0,
      openTicketTranscript: before.openTicketTranscript,
      oldDl: 0,
      openDl: before.openDl,
      oldDlKept: false,
      openDlKept: true,
    });
    assert.equal(result.transcriptLines, before.old + before.closed);
    assert.equal(result.ticketTranscripts, 1);
  });
});

describe('retention purge on PostgreSQL: one instance at a time', () => {
  let instances: TwoInstances | undefined;
  let admin: pg.Client;
  let one: TestApp;
  let two: TestApp;
  before(async () => {
    instances = await twoInstancesOnPostgres({ DIRECTLINE_SECRET: SECRET, TRANSCRIPT_RETENTION_DAYS: '90', DIRECTLINE_RETENTION_DAYS: '30' });
    ({ one, two, admin } = instances);
  });
  after(async () => {
    await instances?.close();
  });

  it('skips while another session holds the purge lock, then one of two instances purges', async () => {
    const { oldDl, openDl } = await seed(one);
    const before = await counts(one, oldDl, openDl);

    // Another instance is purging (it holds the lock): this round is skipped and nothing is deleted.
    await admin.query('select pg_advisory_lock($1::bigint)', [PURGE_LOCK_KEY.toString()]);
    const skipped = await two.app.retention.runOnce();
    assert.equal(skipped.ran, false);
    assert.deepEqual(await counts(one, oldDl, openDl), before);
    await admin.query('select pg_advisory_unlock($1::bigint)', [PURGE_LOCK_KEY.toString()]);

    // Both instances at once: the work is done once (whoever gets the lock), and the result is the same as on SQLite.
    const [a, b] = await Promise.all([one.app.retention.runOnce(), two.app.retention.runOnce()]);
    const deleted = [a, b].filter((r) => r.ran).reduce((sum, r) => sum + r.transcriptLines + r.directLineActivities, 0);
    assert.ok(deleted > 0);
    const afterPurge = await counts(one, oldDl, openDl);
    assert.equal(afterPurge.old, 0);
    assert.equal(afterPurge.closed, 0);
    assert.equal(afterPurge.open, before.open);
    assert.equal(afterPurge.oldDl, 0);
    assert.equal(afterPurge.openDl, before.openDl);
    assert.equal(afterPurge.closedTicketTranscript, 0);
    assert.equal(afterPurge.openDlKept, true);
  });
});
