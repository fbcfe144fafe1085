/**
 * npm run bench — throughput of a bot turn against a baseline measured in the same run on the same app.
 * Machines here are shared and noisy, so the table reports ratios to the baseline (GET /healthz through the same
 * Fastify instance), not absolute numbers alone. Everything stays on this machine: app.inject, a temp SQLite file.
 */
import { join } from 'node:path';
import { loadContent } from '../src/content/load-content.js';
import { projectRoot } from '../src/project-root.js';
import { loadErrorCatalog } from '../src/understanding/error-catalog.js';
import { createRunbookIndex } from '../src/understanding/runbook-index.js';
import { createUnderstanding } from '../src/understanding/understand.js';
import { buildApp } from '../test/helper.js';

const DURATION_MS = Number(process.env.BENCH_MS ?? 3000);

async function measure(name: string, op: (i: number) => Promise<unknown> | unknown): Promise<{ name: string; perSecond: number }> {
  for (let i = 0; i < 50; i++) await op(i); // warm-up
  let count = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(DURATION_MS) * 1_000_000n;
  while (process.hrtime.bigint() < end) {
    await op(count);
    count++;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { name, perSecond: count / seconds };
}

function activity(conversationId: string, text: string) {
  return {
    type: 'message',
    id: `b-${Math.random()}`,
    channelId: 'bench',
    serviceUrl: 'http://127.0.0.1:9',
    conversation: { id: conversationId },
    from: { id: 'bench-user', name: 'Bench' },
    recipient: { id: 'bot' },
    deliveryMode: 'expectReplies',
    text,
  };
}

async function main(): Promise<void> {
  const t = await buildApp();
  const content = loadContent(join(projectRoot(), 'content'));
  const catalog = loadErrorCatalog(join(projectRoot(), 'content', 'catalog'));
  const understand = createUnderstanding(catalog, createRunbookIndex(content.runbooks, catalog));
  try {
    const results = [];
    results.push(await measure('baseline: GET /healthz', () => t.app.inject({ method: 'GET', url: '/healthz' })));
    results.push(
      await measure('understand one message (no I/O)', (i) =>
        understand({ text: i % 2 ? 'VPN エラー 0x000035F0 が出ます' : 'still not working, what now?' }),
      ),
    );
    await t.app.inject({ method: 'POST', url: '/api/messages', payload: activity('bench-running', 'ERROR_IPSEC_IKE_SA_REAPED') });
    results.push(
      await measure('turn in a running conversation (SQLite read+write)', () =>
        t.app.inject({ method: 'POST', url: '/api/messages', payload: activity('bench-running', '具体的には?') }),
      ),
    );
    results.push(
      await measure('first turn of a new conversation', (i) =>
        t.app.inject({ method: 'POST', url: '/api/messages', payload: activity(`bench-new-${i}`, 'ERROR_IPSEC_IKE_SA_REAPED が出ます') }),
      ),
    );
    const baseline = results[0]?.perSecond ?? 1;
    const lines = [
      `| measurement | ops/s | ratio to baseline |`,
      `|---|---:|---:|`,
      ...results.map((r) => `| ${r.name} | ${r.perSecond.toFixed(0)} | ${(r.perSecond / baseline).toFixed(3)} |`),
    ];
    process.stdout.write(`${lines.join('\n')}\n\n(${DURATION_MS} ms each, node ${process.version}, ${new Date().toISOString().slice(0, 10)})\n`);
  } finally {
    await t.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
