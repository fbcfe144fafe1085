import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../src/project-root.js';
import { tempDataDir } from './helper.js';

/**
 * `npm start` runs the compiled, bundled server (dist/server.mjs), not the TypeScript sources the other tests use.
 * This starts it as a process, exactly as `npm start` does, and uses it as a user would: a conversation, the chat
 * page, the embed script, the agent console and the API docs, each with the files they load.
 */
describe('npm start (the compiled server)', () => {
  const root = projectRoot();
  const data = tempDataDir();
  let server: ChildProcess | undefined;
  let base = '';

  before(async () => {
    const built = spawnSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { cwd: root, encoding: 'utf8' });
    assert.equal(built.status, 0, `the build failed:\n${built.stderr}`);
    const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: data.dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    let output = '';
    base = await new Promise<string>((resolve, reject) => {
      child.stdout?.setEncoding('utf8');
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => (output += chunk));
      child.stdout?.on('data', (chunk: string) => {
        output += chunk;
        const address = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
        if (address) resolve(address);
      });
      child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
    });
  });

  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGKILL');
      await exited;
    }
    data.cleanup();
  });

  it("answers the seed's first line with the error's meaning", async () => {
    const res = await fetch(`${base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id: 'start-1',
        channelId: 'emulator',
        serviceUrl: 'http://127.0.0.1:9',
        deliveryMode: 'expectReplies',
        conversation: { id: 'start-test' },
        from: { id: 'u1', name: 'Taro' },
        recipient: { id: 'bot' },
        text: 'ERROR_IPSEC_IKE_SA_REAPEDエラーが発生したとき、どのように対処すればいいですか?',
      }),
    });
    assert.equal(res.status, 200);
    const body: unknown = await res.json();
    const text = JSON.stringify(body);
    assert.match(text, /ERROR_IPSEC_IKE_SA_REAPED（13808 \/ 0x000035F0）/);
    assert.match(text, /確認 1\/4/);
  });

  for (const [page, type] of [
    ['/webchat', 'text/html'],
    ['/embed.js', 'text/javascript'],
    ['/agent', 'text/html'],
    ['/docs', 'text/html'],
  ] as const) {
    it(`serves ${page} and everything it loads`, async () => {
      const res = await fetch(`${base}${page}`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', new RegExp(type));
      const text = await res.text();
      const linked = [...text.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1] ?? '');
      if (type === 'text/html') assert.ok(linked.length > 0, `${page} links no scripts or styles`);
      for (const path of linked) {
        const asset = await fetch(`${base}${path}`);
        assert.equal(asset.status, 200, `${page} loads ${path}, which answers ${asset.status}`);
        await asset.arrayBuffer();
      }
    });
  }

  it('stops cleanly on SIGTERM', async () => {
    const child = server;
    assert.ok(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
