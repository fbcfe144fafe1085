import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { projectRoot } from '../../src/project-root.js';
import { allText, click, say } from '../bot/turn.js';
import { buildApp, ConnectorReceiver, type TestApp } from '../helper.js';
import { ADMIN, AGENT, ANALYTICS_ENV, ApiEmployee, SEED, texts } from './analytics-helpers.js';

const METRICS_TOKEN = 'metrics-token-0123456789';

/** The value of one Prometheus sample line, or 0 when the series has not appeared yet. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('deflection analytics: outcomes, /metrics and the admin API', () => {
  let t: TestApp;
  const receiver = new ConnectorReceiver();
  let serviceUrl: string;
  const admin = { authorization: `Bearer ${ADMIN}` };

  before(async () => {
    serviceUrl = await receiver.start();
    t = await buildApp({ ...ANALYTICS_ENV, METRICS_TOKEN });
  });
  after(async () => {
    await t.close();
    await receiver.stop();
  });

  const outcomes = () => t.app.storage.database.db.selectFrom('outcomes').selectAll().orderBy('id').execute();

  it('records a problem fixed at check 2, and the employee finding it helpful', async () => {
    const before = await request(t.app.server).get('/metrics').expect(200);
    let replies = await say(t.app, 'fixed-2', SEED);
    replies = await click(t.app, 'fixed-2', replies.at(-1), 'まだ解決しない');
    assert.match(replies.at(-1)?.text ?? '', /^確認 2\/4/);
    replies = await click(t.app, 'fixed-2', replies.at(-1), '解決した');
    assert.match(allText(replies), /解決してよかったです/);
    await click(t.app, 'fixed-2', replies.at(-1), 'はい');

    const [row] = (await outcomes()).filter((r) => r.conversation_id === 'emulator:fixed-2');
    assert.equal(row?.outcome, 'resolved_by_bot');
    assert.equal(row?.runbook_id, 'ipsec-ike-sa-reaped');
    assert.equal(row?.error_name, 'ERROR_IPSEC_IKE_SA_REAPED');
    assert.equal(Number(row?.fixed_at_check), 1);
    assert.equal(Number(row?.checks_reached), 2);
    assert.equal(Number(row?.helpful), 1);
    assert.equal(row?.channel_id, 'emulator');

    const afterText = (await request(t.app.server).get('/metrics').expect(200)).text;
    const series = 'helpdesk_outcomes_total{outcome="resolved_by_bot",runbook="ipsec-ike-sa-reaped"}';
    assert.equal(sample(afterText, series), sample(before.text, series) + 1);
    assert.ok(sample(afterText, 'helpdesk_conversations_total{channel="emulator"}') >= 1);
    assert.match(afterText, /helpdesk_turn_duration_seconds_count \d+/);
    assert.match(afterText, /http_request_duration_seconds_count\{method="POST",route="\/api\/messages",status_code="200"\} \d+/);
  });

  it('records an escalation after failed checks, the queue wait, the resolution by IT and the rating', async () => {
    const employee = new ApiEmployee(t.app, serviceUrl, 'escalate');
    let replies = await employee.say(SEED);
    for (let n = 1; n <= 4; n++) replies = await employee.click('まだ解決しない');
    const number = /HD-\d{6}/.exec(texts(replies))?.[0] ?? '';
    assert.ok(number);
    let metrics = (await request(t.app.server).get('/metrics').expect(200)).text;
    assert.equal(sample(metrics, 'helpdesk_queue_length'), 1);
    assert.ok(sample(metrics, 'helpdesk_escalations_total{reason="checks_failed"}') >= 1);

    const id = Number(number.slice(3));
    const agent = { authorization: `Bearer ${AGENT}` };
    await request(t.app.server).post(`/api/agent/tickets/${id}/claim`).set(agent).expect(200);
    await request(t.app.server).post(`/api/agent/tickets/${id}/resolve`).set(agent).send({ note: '証明書を更新しました' }).expect(200);
    metrics = (await request(t.app.server).get('/metrics').expect(200)).text;
    assert.equal(sample(metrics, 'helpdesk_queue_length'), 0);

    const row = (await outcomes()).find((r) => r.conversation_id === 'emulator:escalate');
    assert.equal(row?.outcome, 'resolved_by_it');
    assert.equal(row?.escalation_reason, 'checks_failed');
    assert.equal(Number(row?.checks_reached), 4);
    assert.equal(row?.agent_name, 'alice');
    assert.equal(Number(row?.ticket_id), id);
    assert.ok(row?.queue_wait_seconds !== null && Number(row?.queue_wait_seconds) >= 0);
    assert.ok(row?.resolution_seconds !== null);
    // The employee answers the bot's two questions after the resolution.
    await receiver.waitFor(() => receiver.texts().some((text) => text.includes('問題は解決しましたか？')));
    await employee.say('はい');
    await employee.say('4');
    const rated = (await outcomes()).find((r) => r.conversation_id === 'emulator:escalate');
    assert.equal(Number(rated?.solved), 1);
    assert.equal(Number(rated?.rating), 4);
  });

  it('tells why employees went to a person: asked at a check, unknown code', async () => {
    let replies = await say(t.app, 'asked', SEED);
    replies = await click(t.app, 'asked', replies.at(-1), '担当者と話したい');
    assert.match(allText(replies), /HD-\d{6}/);
    replies = await say(t.app, 'unknown', 'エラー 0x0000BEEF が出ます');
    replies = await say(t.app, 'unknown', '担当者と話したい');
    assert.match(allText(replies), /HD-\d{6}/);
    const rows = await outcomes();
    assert.equal(rows.find((r) => r.conversation_id === 'emulator:asked')?.escalation_reason, 'user_request');
    assert.equal(Number(rows.find((r) => r.conversation_id === 'emulator:asked')?.checks_reached), 1);
    const unknown = rows.find((r) => r.conversation_id === 'emulator:unknown');
    assert.equal(unknown?.kind, 'unknown_code');
    assert.equal(unknown?.escalation_reason, 'unknown_code');
  });

  it('counts a problem with no answer for the configured time as abandoned, and keeps what was not understood, masked', async () => {
    let replies = await say(t.app, 'silent', SEED);
    replies = await say(t.app, 'silent', '連絡先は taro.yamada@example.co.jp、内線は 03-1234-5678 です');
    assert.match(allText(replies), /うまく読み取れませんでした/);
    // Time passes: the last answer is now two hours old.
    const old = new Date(Date.now() - 2 * 3600_000).toISOString();
    await t.app.storage.database.db.updateTable('outcomes').set({ last_activity_at: old }).where('conversation_id', '=', 'emulator:silent').execute();
    const { body } = await request(t.app.server).get('/api/admin/report').set(admin).expect(200);
    assert.equal(body.report.summary.abandoned, 1);
    const marked = await t.app.analytics.recorder.sweepAbandoned(30 * 60);
    assert.equal(marked, 1);
    assert.equal((await outcomes()).find((r) => r.conversation_id === 'emulator:silent')?.outcome, 'abandoned');
    const metrics = (await request(t.app.server).get('/metrics').expect(200)).text;
    assert.equal(sample(metrics, 'helpdesk_outcomes_total{outcome="abandoned",runbook="ipsec-ike-sa-reaped"}'), 1);

    const texts = body.report.notUnderstood.map((m: { text: string }) => m.text);
    assert.ok(texts.includes('連絡先は [email]、内線は [phone] です'), JSON.stringify(texts));
    assert.ok(!JSON.stringify(body).includes('taro.yamada'));
  });

  it('reports deflection, outcomes per runbook and the per-check funnel as the database holds them', async () => {
    const { body } = await request(t.app.server).get('/api/admin/report').set(admin).expect(200);
    const { report } = body;
    const rows = await outcomes();
    assert.equal(report.summary.problems, rows.length);
    assert.equal(report.summary.resolvedByBot, rows.filter((r) => r.outcome === 'resolved_by_bot').length);
    assert.equal(report.summary.resolvedByBot, 1);
    assert.equal(report.summary.deflectionRate, 1 / rows.length);
    const reaped = report.byRunbook.find((r: { runbookId: string }) => r.runbookId === 'ipsec-ike-sa-reaped');
    assert.equal(reaped.title.ja, t.app.conversation.content.runbooks.get('ipsec-ike-sa-reaped')?.title.ja);
    assert.equal(reaped.resolvedByBot, 1);
    assert.equal(reaped.resolvedByIt, 1);
    const funnel = report.funnels.find((f: { runbookId: string }) => f.runbookId === 'ipsec-ike-sa-reaped');
    // Four problems reached check 1 (fixed at 2, escalated after 8, asked for a person at 1, silent at 1).
    assert.deepEqual(
      funnel.steps.slice(0, 3).map((s: { reached: number; fixed: number; wentOn: number; stopped: number }) => [s.reached, s.fixed, s.wentOn, s.stopped]),
      [
        [4, 0, 2, 2],
        [2, 1, 1, 0],
        [1, 0, 1, 0],
      ],
    );
    assert.deepEqual(report.escalations, [
      { reason: 'checks_failed', count: 1 },
      { reason: 'user_request', count: 1 },
      { reason: 'out_of_scope', count: 0 },
      { reason: 'unknown_code', count: 1 },
    ]);
    assert.deepEqual(report.agents, [{ agent: 'alice', resolved: 1, solvedYes: 1, solvedNo: 0, ratings: 1, averageRating: 4 }]);
    assert.deepEqual(body.channels, ['emulator']);

    // Another channel has nothing.
    const other = await request(t.app.server).get('/api/admin/report?channel=webchat').set(admin).expect(200);
    assert.equal(other.body.report.summary.problems, 0);
  });

  it('exports every table as CSV, with the runbook titles in the asked language', async () => {
    const funnel = await request(t.app.server).get('/api/admin/report/funnel.csv?lang=ja').set(admin).expect(200);
    assert.match(funnel.headers['content-type'] ?? '', /^text\/csv/);
    assert.match(funnel.headers['content-disposition'] ?? '', /attachment; filename="helpdesk-funnel-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = funnel.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    assert.equal(lines[0], 'runbook_id,check_number,check_id,check,reached,fixed,went_on,ended_here');
    assert.match(lines.find((l) => l.startsWith('ipsec-ike-sa-reaped,2,')) ?? '', /,2,1,1,0$/);
    for (const table of ['deflection', 'by-error', 'by-runbook', 'escalations', 'satisfaction', 'agents', 'times', 'not-understood']) {
      const res = await request(t.app.server).get(`/api/admin/report/${table}.csv`).set(admin).expect(200);
      assert.ok(res.text.split('\r\n').length >= 2, table);
    }
    const bad = await request(t.app.server).get('/api/admin/report/nope.csv').set(admin).expect(400);
    assert.equal(bad.body.code, 'HD_ERR_BAD_REQUEST');
  });

  it('keeps /api/admin and remote /metrics closed to the wrong people', async () => {
    const none = await request(t.app.server).get('/api/admin/report').expect(401);
    assert.equal(none.body.code, 'HD_ERR_UNAUTHORIZED');
    await request(t.app.server).get('/api/admin/report').set({ authorization: `Bearer ${AGENT}` }).expect(401);
    const range = await request(t.app.server).get('/api/admin/report?from=2026-05-01&to=2026-04-01').set(admin).expect(400);
    assert.equal(range.body.code, 'HD_ERR_BAD_REQUEST');

    const remote = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.7' });
    assert.equal(remote.statusCode, 403);
    assert.equal(remote.json().code, 'HD_ERR_FORBIDDEN');
    const wrong = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.7', headers: { authorization: 'Bearer not-the-metrics-token' } });
    assert.equal(wrong.statusCode, 401);
    const scraped = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.7', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(scraped.statusCode, 200);
    assert.match(scraped.body, /helpdesk_outcomes_total/);
    // Every series the sample Grafana dashboard queries is one /metrics serves.
    const dashboard = readFileSync(join(projectRoot(), 'docs', 'grafana-dashboard.json'), 'utf8');
    const queried = new Set([...dashboard.matchAll(/\b((?:helpdesk|http)_[a-z_]+?)(?:_bucket|_count|_sum)?\b/g)].map((m) => m[1]));
    for (const name of queried) assert.match(scraped.body, new RegExp(`^# TYPE ${name} `, 'm'), name);
    assert.ok(queried.size >= 6);
    // A proxy on this machine forwarding an outside request does not make it local.
    const proxied = await t.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.7' } });
    assert.equal(proxied.statusCode, 403);
  });
});
