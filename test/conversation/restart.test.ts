import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { projectRoot } from '../../src/project-root.js';
import { after, describe, it } from 'node:test';
import { buildApp, tempDataDir } from '../helper.js';
import { allText, say } from '../bot/turn.js';

describe('state survives restarts', () => {
  const data = tempDataDir();
  after(() => data.cleanup());

  it('continues at the same check after the server restarts', async () => {
    const first = await buildApp({}, data.dir);
    await say(first.app, 'restart-1', 'ERROR_IPSEC_IKE_SA_REAPED');
    const before = allText(await say(first.app, 'restart-1', 'まだ解決しない'));
    assert.match(before, /確認 2\/4/);
    await first.close();

    const second = await buildApp({}, data.dir);
    try {
      const text = allText(await say(second.app, 'restart-1', 'まだ解決しない'));
      assert.match(text, /確認 3\/4：VPN の設定の見直し/);
    } finally {
      await second.close();
    }
  });

  it('restarts politely when the stored snapshot comes from another machine version', async () => {
    const app = await buildApp({}, data.dir);
    try {
      await say(app.app, 'restart-2', 'ERROR_IPSEC_IKE_SA_REAPED');
      await app.app.storage.database.db
        .updateTable('conversations')
        .set({ machine_version: '0-old' })
        .where('id', '=', 'emulator:restart-2')
        .execute();
      const text = allText(await say(app.app, 'restart-2', 'まだ解決しない'));
      assert.match(text, /ボットが更新されたため/);
      // The turn itself is still answered by the fresh conversation, and the new snapshot is saved.
      const again = allText(await say(app.app, 'restart-2', 'ERROR_IPSEC_IKE_SA_REAPED'));
      assert.match(again, /確認 1\/4/);
      assert.doesNotMatch(again, /ボットが更新されたため/);
    } finally {
      await app.close();
    }
  });

  it('restarts politely when the stored snapshot is damaged, without crashing', async () => {
    const app = await buildApp({}, data.dir);
    try {
      await say(app.app, 'restart-3', 'ERROR_IPSEC_IKE_SA_REAPED');
      await app.app.storage.database.db
        .updateTable('conversations')
        .set({ snapshot: JSON.stringify({ status: 'active', value: 'noSuchState', context: {} }) })
        .where('id', '=', 'emulator:restart-3')
        .execute();
      const text = allText(await say(app.app, 'restart-3', 'ERROR_IPSEC_IKE_SA_REAPED'));
      assert.match(text, /ボットが更新されたため|確認 1\/4/);
      const health = await app.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.statusCode, 200);
    } finally {
      await app.close();
    }
  });

  it('rejects a save made from a stale version instead of overwriting', async () => {
    const app = await buildApp({}, data.dir);
    try {
      await say(app.app, 'restart-4', 'ERROR_IPSEC_IKE_SA_REAPED');
      const store = app.app.storage.conversations;
      const stored = await store.load('emulator:restart-4');
      assert.ok(stored);
      const fromA = await store.save({ ...stored, expectedVersion: stored.version });
      const fromB = await store.save({ ...stored, expectedVersion: stored.version });
      assert.equal(fromA, stored.version + 1);
      assert.equal(fromB, undefined);
    } finally {
      await app.close();
    }
  });
});

describe('runbook edits and conversations in progress', () => {
  const data = tempDataDir();
  const edited = tempDataDir();
  after(() => {
    data.cleanup();
    edited.cleanup();
  });

  /** A copy of content/ whose SA_REAPED runbook keeps only its first `keep` checks. */
  function contentWithChecks(keep: number): string {
    const root = join(projectRoot(), 'content');
    cpSync(root, edited.dir, { recursive: true });
    const file = join(edited.dir, 'runbooks', 'ipsec-ike-sa-reaped.yaml');
    const runbook = parse(readFileSync(file, 'utf8')) as { checks: unknown[] };
    runbook.checks = runbook.checks.slice(0, keep);
    writeFileSync(file, stringify(runbook));
    return edited.dir;
  }

  it('a ticket waiting for IT survives a runbook edit; a conversation past the removed checks restarts politely', async () => {
    const before = await buildApp({}, data.dir);
    await say(before.app, 'edit-ticket', 'ERROR_IPSEC_IKE_SA_REAPED');
    const ticketText = allText(await say(before.app, 'edit-ticket', '担当者と話したい'));
    const ticket = /(HD-\d{6})/.exec(ticketText)?.[1];
    assert.ok(ticket);
    await say(before.app, 'edit-late', 'ERROR_IPSEC_IKE_SA_REAPED');
    for (let i = 0; i < 3; i++) await say(before.app, 'edit-late', 'まだ解決しない');
    await before.close();

    const after3 = await buildApp({ CONTENT_DIR: contentWithChecks(3) }, data.dir);
    try {
      const waiting = allText(await say(after3.app, 'edit-ticket', 'まだつながりません'));
      assert.doesNotMatch(waiting, /ボットが更新されたため/);
      const late = allText(await say(after3.app, 'edit-late', 'まだ解決しない'));
      assert.match(late, /ボットが更新されたため/);
    } finally {
      await after3.close();
    }
  });
});

describe('a new machine version and an open ticket', () => {
  const data = tempDataDir();
  after(() => data.cleanup());

  it('puts the conversation back on its open ticket instead of starting over', async () => {
    const t = await buildApp({}, data.dir);
    try {
      await say(t.app, 'resume-1', 'ERROR_IPSEC_IKE_SA_REAPED');
      const text = allText(await say(t.app, 'resume-1', '担当者と話したい'));
      const number = /(HD-\d{6})/.exec(text)?.[1];
      assert.ok(number);
      await t.app.storage.database.db
        .updateTable('conversations')
        .set({ machine_version: '0-old' })
        .where('id', '=', 'emulator:resume-1')
        .execute();
      const reply = allText(await say(t.app, 'resume-1', 'ルーターの再起動も試しました'));
      assert.doesNotMatch(reply, /ボットが更新されたため/);
      const notes = await t.app.storage.database.db
        .selectFrom('ticket_events')
        .select(['type', 'text'])
        .where('ticket_id', '=', Number(number.slice(3)))
        .execute();
      assert.ok(
        notes.some((n) => n.text === 'ルーターの再起動も試しました'),
        `the message went to the ticket: ${JSON.stringify(notes)}`,
      );
    } finally {
      await t.close();
    }
  });
});
