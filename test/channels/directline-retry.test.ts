import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { buildApp, tempDataDir, type TestApp } from '../helper.js';

/**
 * A Direct Line client that retries a POST (its answer was lost to a timeout or a dropped connection) sends the same
 * activity again with the same client activity id. The retry gets the same id back; the message is stored once and
 * the bot answers it once.
 */
const SECRET = 'retry-directline-secret-0123456789abcdef';
const BASE = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface StoredActivity {
  type: string;
  text?: string;
  replyToId?: string;
  from?: { role?: string };
  channelData?: { clientActivityID?: string };
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`retried Direct Line posts are stored and answered once (${dialect})`, () => {
    const data = tempDataDir();
    const schema = `hd_retry_${process.pid}_${Date.now()}`;
    let admin: pg.Client | undefined;
    let t: TestApp;
    let conversationId = '';
    let token = '';
    /** A second conversation where the same first message is sent once: how many replies one answer is. */
    let control = { conversationId: '', token: '' };

    before(async () => {
      const env: Record<string, string> = { DIRECTLINE_SECRET: SECRET };
      if (dialect === 'postgres') {
        admin = new pg.Client({ connectionString: BASE });
        await admin.connect();
        await admin.query(`create schema ${schema}`);
        env.DATABASE_URL = `${BASE}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      }
      t = await buildApp(env, data.dir);
      const started = await t.app.inject({ method: 'POST', url: '/v3/directline/conversations', headers: { authorization: `Bearer ${SECRET}` } });
      ({ conversationId, token } = started.json());
      const other = await t.app.inject({ method: 'POST', url: '/v3/directline/conversations', headers: { authorization: `Bearer ${SECRET}` } });
      control = other.json();
    });

    after(async () => {
      if (admin) {
        await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.end();
      }
      data.cleanup();
    });

    const post = (text: string, clientActivityID: string, into = { conversationId, token }) =>
      t.app.inject({
        method: 'POST',
        url: `/v3/directline/conversations/${into.conversationId}/activities`,
        headers: { authorization: `Bearer ${into.token}` },
        payload: { type: 'message', text, from: { id: 'me' }, channelData: { clientActivityID, clientTimestamp: new Date().toISOString() } },
      });

    /** The whole stored history, read after the app has closed (so every turn in flight has finished). */
    async function history(of = conversationId): Promise<StoredActivity[]> {
      let bodies: string[];
      if (admin) {
        bodies = (await admin.query(`select body from ${schema}.directline_activities where conversation_id = $1 order by seq`, [of])).rows.map(
          (r: { body: string }) => r.body,
        );
      } else {
        const sqlite = new SqliteDatabase(join(data.dir, 'helpdesk.sqlite'), { readonly: true });
        bodies = sqlite.prepare('select body from directline_activities where conversation_id = ? order by seq').all(of).map((r) => String((r as { body: unknown }).body));
        sqlite.close();
      }
      return bodies.map((b) => JSON.parse(b) as StoredActivity);
    }

    it('a retry after the answer, and five copies at once, each get the first id back', async () => {
      const first = await post('ERROR_IPSEC_IKE_SA_REAPED', 'client-aaa');
      assert.equal(first.statusCode, 200);
      const id: string = first.json().id;
      const retry = await post('ERROR_IPSEC_IKE_SA_REAPED', 'client-aaa');
      assert.equal(retry.statusCode, 200);
      assert.equal(retry.json().id, id);

      const burst = await Promise.all(Array.from({ length: 5 }, () => post('担当者と話したい', 'client-bbb')));
      const ids = new Set(burst.map((r) => (r.json() as { id: string }).id));
      assert.deepEqual(burst.map((r) => r.statusCode), [200, 200, 200, 200, 200]);
      assert.equal(ids.size, 1, `one id for five copies, got ${[...ids].join(', ')}`);
      assert.notEqual([...ids][0], id);

      // A new client activity id is a new message, even with the same words.
      const again = await post('ERROR_IPSEC_IKE_SA_REAPED', 'client-ccc');
      assert.notEqual(again.json().id, id);
      const once = await post('ERROR_IPSEC_IKE_SA_REAPED', 'client-aaa', control);

      await t.close();
      const stored = await history();
      const fromUser = stored.filter((a) => a.from?.role === 'user');
      assert.deepEqual(
        fromUser.map((a) => [a.text, a.channelData?.clientActivityID]),
        [
          ['ERROR_IPSEC_IKE_SA_REAPED', 'client-aaa'],
          ['担当者と話したい', 'client-bbb'],
          ['ERROR_IPSEC_IKE_SA_REAPED', 'client-ccc'],
        ],
      );
      // The bot answered each stored message, once: one run of replies per message, never two.
      const answered = stored.filter((a) => a.from?.role === 'bot' && a.replyToId !== undefined).map((a) => a.replyToId);
      const firstReplies = stored.filter((a) => a.from?.role === 'bot' && a.replyToId === id).map((a) => a.text);
      const onceId: string = once.json().id;
      const controlReplies = (await history(control.conversationId)).filter((a) => a.from?.role === 'bot' && a.replyToId === onceId).map((a) => a.text);
      assert.ok(controlReplies.length > 0, 'the message sent once was answered');
      assert.deepEqual(firstReplies, controlReplies, 'the message sent twice got exactly the answer of a message sent once');
      const burstReplies = answered.filter((r) => r === [...ids][0]);
      assert.ok(burstReplies.length > 0, 'the burst message was answered');
      const texts = stored.filter((a) => a.from?.role === 'bot').map((a) => a.text ?? '');
      assert.equal(texts.filter((x) => /チケット HD-\d{6} を作成しました/.test(x)).length, 1, `one ticket created: ${JSON.stringify(texts)}`);
    });
  });
}
