import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { allText, say } from '../bot/turn.js';
import { buildApp, type TestApp } from '../helper.js';

/**
 * The same conversation on PostgreSQL (the scale-out store), in a schema of its own so runs never collide.
 * Uses the machine's local server: 127.0.0.1:5432, trust auth, database "test".
 */
const BASE = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `hd_test_${process.pid}_${Date.now()}`;

describe('PostgreSQL storage', () => {
  let admin: pg.Client;
  let t: TestApp;
  before(async () => {
    admin = new pg.Client({ connectionString: BASE });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    t = await buildApp({ DATABASE_URL: `${BASE}?options=${encodeURIComponent(`-c search_path=${schema}`)}` });
  });
  after(async () => {
    await t?.close();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  it('runs a conversation to a ticket with every check outcome, and reports ready on postgres', async () => {
    await say(t.app, 'pg-1', 'ERROR_IPSEC_IKE_SA_REAPED');
    await say(t.app, 'pg-1', 'まだ解決しない');
    const text = allText(await say(t.app, 'pg-1', '担当者と話したい'));
    const number = /(HD-\d{6})/.exec(text)?.[1];
    assert.ok(number, text);
    const { rows } = await admin.query(`select status, error_code, checks from ${schema}.tickets`);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].status, 'queued');
    assert.equal(Number(rows[0].error_code), 13808);
    assert.deepEqual(
      (JSON.parse(rows[0].checks) as Array<{ outcome: string }>).slice(0, 3).map((c) => c.outcome),
      ['not_fixed', 'not_run', 'not_run'],
    );
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.deepEqual(ready.json(), { status: 'ready', database: 'postgres' });
  });
});

describe('PostgreSQL with another deployment in another schema of the same database', () => {
  it('creates its own migration tables even when another schema already has them', async () => {
    const admin = new pg.Client({ connectionString: BASE });
    await admin.connect();
    const other = `hd_other_${process.pid}_${Date.now()}`;
    const mine = `hd_mine_${process.pid}_${Date.now()}`;
    await admin.query(`create schema ${other}`);
    await admin.query(`create table ${other}.hd_migrations_lock (id text primary key, is_locked integer)`);
    await admin.query(`create table ${other}.hd_migrations (name text primary key, timestamp text)`);
    await admin.query(`create schema ${mine}`);
    try {
      const t = await buildApp({ DATABASE_URL: `${BASE}?options=${encodeURIComponent(`-c search_path=${mine}`)}` });
      try {
        assert.match(allText(await say(t.app, 'schema-1', 'ERROR_IPSEC_IKE_SA_REAPED')), /13808/);
        const { rows } = await admin.query(`select count(*)::int as n from ${mine}.hd_migrations`);
        assert.ok(rows[0].n > 0, 'the migrations ran in this deployment\'s schema');
      } finally {
        await t.close();
      }
    } finally {
      await admin.query(`drop schema if exists ${other} cascade`);
      await admin.query(`drop schema if exists ${mine} cascade`);
      await admin.end();
    }
  });
});
