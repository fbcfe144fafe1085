import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { hashToken } from '../../src/handoff/agent-tokens.js';
import { projectRoot } from '../../src/project-root.js';
import { allText, click, say } from '../bot/turn.js';
import { buildApp, messageActivity, tempDataDir, type TestApp } from '../helper.js';

const root = projectRoot();
const NEW_RUNBOOK = readFileSync(join(root, 'test', 'analytics', 'fixtures', 'ras-smart-card-required.yaml'), 'utf8');
const NEW_CODE_MESSAGE = 'ERROR_SMART_CARD_REQUIRED と表示されて VPN につながりません';
const NEW_TITLE = 'VPN の接続にスマートカードが必要';
/** A runbook file an admin saved half-written: the checks are missing. */
const BROKEN = NEW_RUNBOOK.replace('id: ras-smart-card-required', 'id: ras-smart-card-required-v2').replace(/^checks:[\s\S]*?^references:/m, 'references:').replace('errors: [ERROR_SMART_CARD_REQUIRED]', 'errors: []');

function contentCopy(): { dir: string; cleanup(): void } {
  const tmp = tempDataDir();
  cpSync(join(root, 'content'), tmp.dir, { recursive: true });
  return tmp;
}

/** The service as an admin runs it (`npm start`), in a child process we can send signals to. */
class ServiceProcess {
  private child: ChildProcess;
  private lines: Array<Record<string, unknown>> = [];
  private waiters: Array<() => void> = [];
  private output = '';

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'server.ts')], {
      cwd: root,
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.read(chunk.toString('utf8')));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
  }

  private read(text: string): void {
    this.output += text;
    for (const line of text.split('\n')) {
      try {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed === 'object' && parsed !== null) this.lines.push(parsed as Record<string, unknown>);
      } catch {
        // Not a log line.
      }
    }
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** The first log line (from index `from`) that the predicate accepts. */
  async waitForLog(predicate: (line: Record<string, unknown>) => boolean, from = 0, ms = 60_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.lines.slice(from).find(predicate);
      if (found) return found;
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`no such log line; output so far:\n${this.output.slice(-3000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  get logCount(): number {
    return this.lines.length;
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await exited;
  }
}

async function ask(base: string, conversationId: string, text: string): Promise<string> {
  const activity = messageActivity({ serviceUrl: 'http://127.0.0.1:9', conversationId, text, extra: { deliveryMode: 'expectReplies' } });
  const res = await fetch(`${base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { activities?: Array<{ text?: string }> };
  return (body.activities ?? []).map((a) => a.text ?? '').join('\n---\n');
}

describe('content reload on SIGHUP, in a real service process', () => {
  const content = contentCopy();
  const data = tempDataDir();
  let service: ServiceProcess;
  let base: string;

  before(async () => {
    service = new ServiceProcess({ CONTENT_DIR: content.dir, DATA_DIR: data.dir });
    const ready = await service.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening at http://127.0.0.1:'));
    base = String(ready.msg).replace('Server listening at ', '');
  });
  after(async () => {
    await service?.stop();
    content.cleanup();
    data.cleanup();
  });

  it('gives the next conversation the runbook added for a new code, and keeps it when a broken file arrives', async () => {
    const before = await ask(base, 'before-reload', NEW_CODE_MESSAGE);
    assert.ok(!before.includes(NEW_TITLE), before);

    writeFileSync(join(content.dir, 'runbooks', 'ras-smart-card-required.yaml'), NEW_RUNBOOK);
    let mark = service.logCount;
    service.signal('SIGHUP');
    const reloaded = await service.waitForLog((l) => l.msg === 'content reloaded', mark);
    assert.equal(reloaded.runbooks, 9);
    const afterReload = await ask(base, 'after-reload', NEW_CODE_MESSAGE);
    assert.match(afterReload, /VPN の接続にスマートカードが必要|スマートカードでサインインするように設定されています/);
    assert.match(afterReload, /確認 1\/2：カードとカードリーダー/);

    writeFileSync(join(content.dir, 'runbooks', 'zz-half-written.yaml'), BROKEN);
    mark = service.logCount;
    service.signal('SIGHUP');
    const refused = await service.waitForLog((l) => l.msg === 'content NOT reloaded: the previous content stays in use', mark);
    const faults = JSON.stringify(refused.faults);
    assert.match(faults, /zz-half-written\.yaml/);
    assert.match(faults, /"field":"\/checks"|"field":"\/errors"/);
    // The service still runs on the content it had, new runbook included.
    const stillThere = await ask(base, 'after-broken', NEW_CODE_MESSAGE);
    assert.match(stillThere, /確認 1\/2：カードとカードリーダー/);
  });
});

describe('content reload from the admin API', () => {
  const content = contentCopy();
  const ADMIN = 'admin-token-0123456789abcdef';
  let t: TestApp;
  const admin = { authorization: `Bearer ${ADMIN}` };

  before(async () => {
    t = await buildApp({ CONTENT_DIR: content.dir, ADMIN_TOKENS: `carol:${hashToken(ADMIN).toString('hex')}` });
  });
  after(async () => {
    await t.close();
    content.cleanup();
  });

  it('reloads what passes the content check, refuses what does not (naming file and field), and lets conversations in flight go on', async () => {
    // An employee is at check 2 of the seed runbook when the admin reloads.
    let replies = await say(t.app, 'in-flight', 'ERROR_IPSEC_IKE_SA_REAPED が出ます');
    replies = await click(t.app, 'in-flight', replies.at(-1), 'まだ解決しない');
    assert.match(replies.at(-1)?.text ?? '', /^確認 2\/4/);

    writeFileSync(join(content.dir, 'runbooks', 'ras-smart-card-required.yaml'), NEW_RUNBOOK);
    const ok = await request(t.app.server).post('/api/admin/content/reload').set(admin).expect(200);
    assert.equal(ok.body.ok, true);
    assert.equal(ok.body.runbooks, 9);
    assert.equal(ok.body.changed, true);
    const listed = await request(t.app.server).get('/api/admin/content').set(admin).expect(200);
    assert.ok(listed.body.runbooks.some((r: { id: string }) => r.id === 'ras-smart-card-required'));

    replies = await click(t.app, 'in-flight', replies.at(-1), 'まだ解決しない');
    assert.match(replies.at(-1)?.text ?? '', /^確認 3\/4/);
    assert.match(allText(await say(t.app, 'new-code', NEW_CODE_MESSAGE)), /確認 1\/2：カードとカードリーダー/);

    writeFileSync(join(content.dir, 'runbooks', 'zz-half-written.yaml'), BROKEN);
    const refused = await request(t.app.server).post('/api/admin/content/reload').set(admin).expect(422);
    assert.equal(refused.body.code, 'HD_ERR_CONTENT_INVALID');
    assert.ok(
      refused.body.faults.some((f: { file: string; field: string }) => f.file.endsWith('runbooks/zz-half-written.yaml') && f.field === '/checks'),
      JSON.stringify(refused.body.faults),
    );
    // Old content kept: the in-flight conversation and the new runbook still work.
    replies = await click(t.app, 'in-flight', replies.at(-1), '解決した');
    assert.match(allText(replies), /解決してよかったです/);
    assert.match(allText(await say(t.app, 'new-code-2', NEW_CODE_MESSAGE)), /確認 1\/2：カードとカードリーダー/);
    rmSync(join(content.dir, 'runbooks', 'zz-half-written.yaml'));

    await request(t.app.server).post('/api/admin/content/reload').expect(401);
  });
});
