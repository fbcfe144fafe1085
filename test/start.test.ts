import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../src/project-root.js';
import { tempDataDir } from './helper.js';

/**
 * `npm start` runs the compiled, bundled server (dist/server.cjs through dist/run.mjs), not the TypeScript sources the other tests use.
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

  it("writes V8's code cache for this build after a start, and the next start runs from it", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'helpdesk-code-cache-'));
    const buildId = readFileSync(join(root, 'dist', 'server.build-id'), 'utf8').trim();
    const run = async () => {
      const data = tempDataDir();
      const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: data.dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', CODE_CACHE_DIR: cacheDir, CODE_CACHE_WRITE_AFTER_MS: '300' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const address = await new Promise<string>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const found = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
          if (found) resolve(found);
        });
        child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
      });
      const stop = async () => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
        data.cleanup();
      };
      return { address, stop, output: () => output };
    };
    try {
      const first = await run();
      const cacheFile = `server-${buildId}-${process.version}-${process.arch}.v8`;
      for (let waited = 0; !readdirSync(cacheDir).includes(cacheFile); waited += 50) {
        assert.ok(waited < 15_000, `no ${cacheFile} in the cache folder: ${readdirSync(cacheDir).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await first.stop();

      const second = await run();
      const res = await fetch(`${second.address}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          id: 'cache-1',
          channelId: 'emulator',
          serviceUrl: 'http://127.0.0.1:9',
          deliveryMode: 'expectReplies',
          from: { id: 'user-cache' },
          recipient: { id: 'bot' },
          conversation: { id: 'conv-cache' },
          text: 'ERROR_IPSEC_IKE_SA_REAPED',
        }),
      });
      assert.equal(res.status, 200);
      assert.match(JSON.stringify(await res.json()), /13808/);
      await second.stop();
      assert.doesNotMatch(second.output(), /does not fit this bundle/, 'the cache was taken');
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
