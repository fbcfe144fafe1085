/**
 * npm run bench — the helpdesk against Microsoft's own sample setup, side by side on this machine.
 *
 * Both servers run as real processes started the way their users start them (ours: what `npm start` runs, on SQLite
 * in a temporary data folder, channel authentication off on loopback; the peer: bench/peer, botbuilder's echo bot on
 * restify with ConversationState on MemoryStorage). Runs alternate ours/peer and every figure is reported with the
 * ratio of each pair, because on a shared machine only ratios from one interleaved run mean anything.
 *
 *   npm run bench                 full run (3 pairs × 20 s of turns, Web Chat, 10,000 conversations for memory)
 *   npm run bench -- --quick      about a minute
 *   npm run bench -- --profile    also one CPU-profiled run of each server, with the top hotspots
 *   npm run bench -- --phases turns,webchat,memory   only some phases
 *
 * Results: bench/results/latest.json and bench/results/latest.md (and the table on stdout).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectorStandIn } from './lib/connector-stand-in.js';
import { checkCount, employeeScript, SEED_FIRST_LINE } from './lib/employee.js';
import { summariseProfile, type ProfileSummary } from './lib/profile-summary.js';
import { fmt, median, ratio, summarise, type LatencySummary } from './lib/stats.js';
import { hasTaskset, npmStartScript, pinSelf, startTarget, type RunningTarget, type TargetSpec } from './lib/target.js';
import { runTurnLoad, teamsMessage } from './lib/turn-load.js';
import { runWebChatLoad } from './lib/webchat-load.js';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const quick = flag('--quick');
const settings = {
  mode: quick ? 'quick' : 'full',
  pairs: Number(option('--pairs') ?? 3),
  concurrency: Number(option('--concurrency') ?? 50),
  warmupMs: Number(option('--warmup-ms') ?? (quick ? 1500 : 3000)),
  durationMs: Number(option('--duration-ms') ?? (quick ? 4000 : 20_000)),
  webchatConversations: Number(option('--webchat-conversations') ?? 200),
  webchatThinkMs: Number(option('--webchat-think-ms') ?? 3000),
  /** Quick runs stop each Web Chat conversation after its first steps. */
  webchatSteps: quick ? 4 : Number.POSITIVE_INFINITY,
  memoryConversations: Number(option('--memory-conversations') ?? (quick ? 1000 : 10_000)),
  profile: flag('--profile'),
  phases: new Set((option('--phases') ?? 'turns,webchat,memory').split(',')),
};
const DIRECTLINE_SECRET = 'bench-directline-secret-0123456789abcdef';
const CPU_SERVER = 0;
const CPU_LOAD = 1;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

interface RunRecord {
  kind: 'ours' | 'peer';
  pair: number;
  coldStartMs: number;
  /** CPU time the server had used by the time it first answered (less noisy than wall time on a busy machine). */
  coldStartCpuMs: number;
  turnsPerSecond: number;
  turns: number;
  conversations: number;
  latency: LatencySummary;
  errors: number;
  errorSamples: string[];
  rssAfterMb: number;
  cpuSeconds: number;
  cpuMsPerTurn: number;
  cpuCores: number;
  /** HTTP calls the bot made to the Bot Connector (replies, typing, card updates) per turn. */
  connectorCallsPerTurn: number;
}

function probeActivity(): Record<string, unknown> {
  return { ...teamsMessage('http://127.0.0.1:9', 'a:bench-probe', 0, 'ping'), deliveryMode: 'expectReplies' };
}

function specFor(kind: 'ours' | 'peer', dataDir: string): TargetSpec {
  if (kind === 'ours') {
    // Channel authentication is off because MicrosoftAppId is empty and the server listens on 127.0.0.1 only.
    return { name: 'ours', script: npmStartScript(root), env: { DATA_DIR: dataDir, DIRECTLINE_SECRET } };
  }
  return { name: 'peer', script: join('bench', 'peer', 'index.mjs'), env: {} };
}

async function withTarget<T>(
  kind: 'ours' | 'peer',
  pinned: boolean,
  nodeFlags: string[],
  work: (target: RunningTarget) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), `helpdesk-bench-${kind}-`));
  let failed = true;
  try {
    const target = await startTarget(specFor(kind, dataDir), {
      ...(pinned ? { cpu: CPU_SERVER } : {}),
      nodeFlags,
      logFile: join(dataDir, 'server.log'),
      cwd: root,
      probe: probeActivity(),
    });
    try {
      const result = await work(target);
      failed = false;
      return result;
    } finally {
      await target.stop();
    }
  } finally {
    if (failed) log(`  (kept ${dataDir} for its server.log)`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

async function turnRun(kind: 'ours' | 'peer', pair: number, pinned: boolean, standIn: ConnectorStandIn, nodeFlags: string[] = []): Promise<RunRecord> {
  const script = employeeScript(checkCount(root));
  return withTarget(kind, pinned, nodeFlags, async (target) => {
    const cpuBefore = target.cpuSeconds();
    const callsBefore = standIn.calls;
    const windowCpu: { start: number; end: number } = { start: Number.NaN, end: Number.NaN };
    const timer = setTimeout(() => (windowCpu.start = target.cpuSeconds()), settings.warmupMs);
    const result = await runTurnLoad({
      kind,
      baseUrl: target.baseUrl,
      standIn,
      concurrency: settings.concurrency,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
      script,
      runLabel: `${kind}${pair}`,
    });
    clearTimeout(timer);
    windowCpu.end = target.cpuSeconds();
    const cpu = Number.isFinite(windowCpu.start) ? windowCpu.end - windowCpu.start : windowCpu.end - cpuBefore;
    const record: RunRecord = {
      kind,
      pair,
      coldStartMs: target.coldStartMs,
      coldStartCpuMs: cpuBefore * 1000,
      turnsPerSecond: result.turns / result.seconds,
      turns: result.turns,
      conversations: result.conversations,
      latency: summarise(result.latenciesMs),
      errors: result.errors,
      errorSamples: result.errorSamples,
      rssAfterMb: target.rssBytes() / 2 ** 20,
      cpuSeconds: cpu,
      cpuMsPerTurn: result.turns > 0 ? (1000 * cpu) / result.turns : Number.NaN,
      cpuCores: cpu / result.seconds,
      connectorCallsPerTurn: result.allTurns > 0 ? (standIn.calls - callsBefore) / result.allTurns : Number.NaN,
    };
    log(
      `  ${kind} #${pair}: cold start ${fmt(record.coldStartMs)} ms, ${fmt(record.turnsPerSecond)} turns/s, ` +
        `p99 ${fmt(record.latency.p99)} ms, ${record.errors} errors, RSS ${fmt(record.rssAfterMb)} MB, CPU ${fmt(record.cpuMsPerTurn)} ms/turn`,
    );
    for (const sample of record.errorSamples) log(`    error: ${sample}`);
    return record;
  });
}

interface Figure {
  name: string;
  unit: string;
  read: (r: RunRecord) => number;
  /** Target on the ratio ours/peer, and which way is better. */
  target?: { ratio: number; better: 'higher' | 'lower' };
}

const FIGURES: Figure[] = [
  { name: 'turns/s', unit: '', read: (r) => r.turnsPerSecond, target: { ratio: 2.0, better: 'higher' } },
  { name: 'reply p50', unit: 'ms', read: (r) => r.latency.p50 },
  { name: 'reply p95', unit: 'ms', read: (r) => r.latency.p95 },
  { name: 'reply p99', unit: 'ms', read: (r) => r.latency.p99, target: { ratio: 0.5, better: 'lower' } },
  { name: 'errors', unit: '', read: (r) => r.errors },
  { name: 'RSS after the run', unit: 'MB', read: (r) => r.rssAfterMb },
  { name: 'CPU per turn', unit: 'ms', read: (r) => r.cpuMsPerTurn },
  { name: 'CPU used', unit: 'cores', read: (r) => r.cpuCores },
  { name: 'Bot Connector calls per turn', unit: '', read: (r) => r.connectorCallsPerTurn },
  { name: 'cold start (spawn → first 200)', unit: 'ms', read: (r) => r.coldStartMs, target: { ratio: 1.0, better: 'lower' } },
  { name: 'cold start CPU (until the first 200)', unit: 'ms', read: (r) => r.coldStartCpuMs },
];

interface FigureRow {
  name: string;
  unit: string;
  ours: number;
  peer: number;
  ratio: number;
  pairRatios: number[];
  target?: string;
  met?: boolean;
}

function figureRows(runs: RunRecord[]): FigureRow[] {
  const pairs = [...new Set(runs.map((r) => r.pair))];
  return FIGURES.map((figure) => {
    const ours = runs.filter((r) => r.kind === 'ours').map(figure.read);
    const peer = runs.filter((r) => r.kind === 'peer').map(figure.read);
    const pairRatios = pairs.map((p) => {
      const o = runs.find((r) => r.pair === p && r.kind === 'ours');
      const q = runs.find((r) => r.pair === p && r.kind === 'peer');
      return o && q ? ratio(figure.read(o), figure.read(q)) : Number.NaN;
    });
    const row: FigureRow = { name: figure.name, unit: figure.unit, ours: median(ours), peer: median(peer), ratio: median(pairRatios.filter(Number.isFinite)), pairRatios };
    if (figure.target) {
      row.target = `${figure.target.better === 'higher' ? '≥' : '≤'} ${figure.target.ratio.toFixed(1)}×`;
      row.met = figure.target.better === 'higher' ? row.ratio >= figure.target.ratio : row.ratio <= figure.target.ratio;
    }
    return row;
  });
}

function metCell(met: boolean | undefined, shortBy?: string): string {
  if (met === undefined) return '';
  return met ? 'met' : `**not met**${shortBy ? ` (${shortBy})` : ''}`;
}

async function main(): Promise<void> {
  const started = new Date();
  log(`Checking the build (npm start runs dist/)…`);
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');

  const pinned = cpus().length >= 2 && hasTaskset();
  if (pinned) pinSelf(CPU_LOAD);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))),
    pinning: pinned
      ? `server on CPU ${CPU_SERVER}, load generator and Bot Connector stand-in on CPU ${CPU_LOAD} (taskset)`
      : 'none (taskset missing or a single CPU): server and load share the CPUs',
  };
  log(`${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')}`);
  log(`Pinning: ${machine.pinning}`);

  const checks = checkCount(root);
  const script = employeeScript(checks);
  const standIn = new ConnectorStandIn();
  await standIn.start();

  const runs: RunRecord[] = [];
  if (settings.phases.has('turns')) {
    log(`Turns: ${settings.pairs} pairs ours/peer, ${settings.concurrency} employees, warm-up ${settings.warmupMs} ms, measured ${settings.durationMs} ms each`);
    for (let pair = 1; pair <= settings.pairs; pair++) {
      runs.push(await turnRun('ours', pair, pinned, standIn));
      runs.push(await turnRun('peer', pair, pinned, standIn));
    }
  }

  let webchat: (Awaited<ReturnType<typeof runWebChatLoad>> & { first: LatencySummary; whole: LatencySummary; steps: number }) | undefined;
  if (settings.phases.has('webchat')) {
    const steps = script.slice(0, Math.min(script.length, settings.webchatSteps));
    log(`Web Chat: ${settings.webchatConversations} conversations over Direct Line + WebSocket, ${steps.length} turns each, think time ~${settings.webchatThinkMs} ms`);
    webchat = await withTarget('ours', pinned, [], async (target) => {
      const result = await runWebChatLoad({
        baseUrl: target.baseUrl,
        secret: DIRECTLINE_SECRET,
        conversations: settings.webchatConversations,
        script: steps,
        thinkMs: settings.webchatThinkMs,
      });
      return { ...result, first: summarise(result.firstReplyMs), whole: summarise(result.wholeAnswerMs), steps: steps.length };
    });
    log(`  first reply p50 ${fmt(webchat.first.p50)} / p95 ${fmt(webchat.first.p95)} / p99 ${fmt(webchat.first.p99)} ms, ${webchat.turns} turns, ${webchat.errors} errors`);
    for (const sample of webchat.errorSamples) log(`    error: ${sample}`);
  }

  let memory: { conversations: number; rssBeforeMb: number; rssAfterMb: number; heapBeforeMb: number; heapAfterMb: number; errors: number } | undefined;
  if (settings.phases.has('memory')) {
    log(`Memory: ${settings.memoryConversations} conversations started (first message each), RSS after a forced GC`);
    const preload = join(root, 'bench', 'lib', 'gc-on-signal.mjs');
    memory = await withTarget('ours', pinned, ['--expose-gc', '--import', preload], async (target) => {
      const firstStep = script.slice(0, 1);
      const load = (conversations: number, label: string) =>
        runTurnLoad({ kind: 'ours', baseUrl: target.baseUrl, standIn, concurrency: settings.concurrency, warmupMs: 0, durationMs: 0, script: firstStep, runLabel: label, conversations });
      await load(200, 'mem-warm');
      const before = await forcedGcMemory(target);
      const result = await load(settings.memoryConversations, 'mem');
      const after = await forcedGcMemory(target);
      return {
        conversations: settings.memoryConversations,
        rssBeforeMb: before.rss / 2 ** 20,
        rssAfterMb: after.rss / 2 ** 20,
        heapBeforeMb: before.heapUsed / 2 ** 20,
        heapAfterMb: after.heapUsed / 2 ** 20,
        errors: result.errors,
      };
    });
    log(`  RSS ${fmt(memory.rssBeforeMb)} → ${fmt(memory.rssAfterMb)} MB (+${fmt(memory.rssAfterMb - memory.rssBeforeMb)}), heap +${fmt(memory.heapAfterMb - memory.heapBeforeMb)} MB`);
  }

  const profiles: Record<string, ProfileSummary> = {};
  if (settings.profile) {
    const dir = join(root, 'bench', 'results', 'profiles');
    rmSync(dir, { recursive: true, force: true });
    for (const kind of ['ours', 'peer'] as const) {
      const kindDir = join(dir, kind);
      log(`Profiling ${kind} (--cpu-prof, ${kindDir})…`);
      const record = await turnRun(kind, 0, pinned, standIn, ['--cpu-prof', `--cpu-prof-dir=${kindDir}`]);
      const file = readdirSync(kindDir).find((f) => f.endsWith('.cpuprofile'));
      if (file) profiles[kind] = summariseProfile(join(kindDir, file), root, record.coldStartMs + settings.warmupMs);
    }
  }
  await standIn.stop();

  const rows = figureRows(runs);
  const report = renderReport({ started, machine, rows, runs, webchat, memory, profiles, checks });
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'latest.md'), report);
  writeFileSync(
    join(root, 'bench', 'results', 'latest.json'),
    `${JSON.stringify({ date: started.toISOString(), settings: { ...settings, phases: [...settings.phases] }, machine, figures: rows, runs, webchat: webchat && { ...webchat, firstReplyMs: undefined, wholeAnswerMs: undefined }, memory, profiles }, null, 2)}\n`,
  );
  process.stdout.write(`\n${report}\nWritten to bench/results/latest.md and latest.json.\n`);
}

async function forcedGcMemory(target: RunningTarget): Promise<{ rss: number; heapUsed: number }> {
  const seen = target.stderr.length;
  target.child.kill('SIGUSR2');
  const deadline = performance.now() + 30_000;
  for (;;) {
    const line = target.stderr.slice(seen).join('').split('\n').find((l) => l.startsWith('bench-memory '));
    if (line) {
      const parsed: unknown = JSON.parse(line.slice('bench-memory '.length));
      const rss: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'rss') : undefined;
      const heapUsed: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'heapUsed') : undefined;
      if (typeof rss !== 'number' || typeof heapUsed !== 'number') throw new Error(`bad memory report: ${line}`);
      return { rss, heapUsed };
    }
    if (performance.now() > deadline) throw new Error('the server did not report its memory after SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface ReportInput {
  started: Date;
  machine: { cpus: number; cpuModel: string; node: string; platform: string; loadAverageAtStart: number[]; pinning: string };
  rows: FigureRow[];
  runs: RunRecord[];
  webchat: { first: LatencySummary; whole: LatencySummary; turns: number; errors: number; seconds: number; steps: number } | undefined;
  memory: { conversations: number; rssBeforeMb: number; rssAfterMb: number; heapBeforeMb: number; heapAfterMb: number; errors: number } | undefined;
  profiles: Record<string, ProfileSummary>;
  checks: number;
}

function renderReport(input: ReportInput): string {
  const { machine, rows, webchat, memory, profiles } = input;
  const out: string[] = [];
  out.push(`### Benchmark, ${input.started.toISOString().slice(0, 16).replace('T', ' ')} UTC (${settings.mode} run)`);
  out.push('');
  out.push(
    `${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ${machine.platform}; load average at start ${machine.loadAverageAtStart.join(' ')}. ` +
      `Pinning: ${machine.pinning}.`,
  );
  if (rows.length > 0 && input.runs.length > 0) {
    out.push('');
    out.push(
      `**Turns over /api/messages** (Teams-shaped activities, replies POSTed to a local Bot Connector stand-in and matched by replyToId): ` +
        `${settings.concurrency} employees in a closed loop, each conversation ${input.checks + 2} turns ` +
        `(「${SEED_FIRST_LINE.slice(0, 25)}…」, 「具体的には?」, "not fixed" ×${input.checks} → ticket), then a new conversation. ` +
        `${settings.pairs} pairs run ours, peer, ours, peer…; warm-up ${settings.warmupMs / 1000} s, measured ${settings.durationMs / 1000} s each. ` +
        `Ours and peer: median of the runs; ratio: median of the pairs' ratios (each pair's in brackets).`,
    );
    out.push('');
    out.push('| figure | ours | peer (echo bot) | ratio ours/peer (pairs) | target | |');
    out.push('|---|---:|---:|---:|---|---|');
    for (const row of rows) {
      const unit = row.unit ? ` (${row.unit})` : '';
      const pairs = row.pairRatios.map((r) => fmt(r)).join(', ');
      const shortBy = row.met === false && row.target ? shortfall(row) : undefined;
      out.push(`| ${row.name}${unit} | ${fmt(row.ours)} | ${fmt(row.peer)} | ${fmt(row.ratio)} (${pairs}) | ${row.target ?? ''} | ${metCell(row.met, shortBy)} |`);
    }
  }
  if (webchat) {
    out.push('');
    out.push(
      `**Web Chat** (Direct Line 3.0 with the WebSocket stream): ${settings.webchatConversations} conversations at once, ${webchat.steps} turns each, ` +
        `an employee pause of ~${settings.webchatThinkMs / 1000} s (±50%) between answers; round trip from POST …/activities to the bot's reply on the socket.`,
    );
    out.push('');
    out.push('| figure | p50 (ms) | p95 (ms) | p99 (ms) | target | |');
    out.push('|---|---:|---:|---:|---|---|');
    const met = webchat.first.p99 <= 30;
    out.push(`| first reply | ${fmt(webchat.first.p50)} | ${fmt(webchat.first.p95)} | ${fmt(webchat.first.p99)} | p99 ≤ 30 ms | ${metCell(met, met ? undefined : `${fmt(webchat.first.p99 / 30)}× the target`)} |`);
    out.push(`| whole answer (next question or ticket) | ${fmt(webchat.whole.p50)} | ${fmt(webchat.whole.p95)} | ${fmt(webchat.whole.p99)} | | |`);
    out.push('');
    out.push(`${webchat.turns} turns in ${fmt(webchat.seconds)} s, ${webchat.errors} errors.`);
  }
  if (memory) {
    const growth = memory.rssAfterMb - memory.rssBeforeMb;
    out.push('');
    out.push(`**Memory**: ${memory.conversations.toLocaleString('en')} conversations started (the seed's first line each, over /api/messages), RSS after a forced full GC.`);
    out.push('');
    out.push('| RSS before (MB) | RSS after (MB) | growth (MB) | heap used growth (MB) | target | |');
    out.push('|---:|---:|---:|---:|---|---|');
    const met = growth <= 50;
    out.push(
      `| ${fmt(memory.rssBeforeMb)} | ${fmt(memory.rssAfterMb)} | ${fmt(growth)} | ${fmt(memory.heapAfterMb - memory.heapBeforeMb)} | ≤ 50 MB for 10,000 | ${metCell(met, met ? undefined : `${fmt(growth - 50)} MB over`)} |`,
    );
    if (memory.errors > 0) out.push(`\n${memory.errors} turns failed during the memory phase.`);
  }
  for (const [kind, profile] of Object.entries(profiles)) {
    out.push('');
    out.push(`**CPU profile, ${kind}** (self time under load, start-up and warm-up left out; ${fmt(profile.busyMs / 1000)} s busy):`);
    out.push('');
    out.push('| package / folder | % | function | % |');
    out.push('|---|---:|---|---:|');
    for (let i = 0; i < Math.max(profile.byPackage.length, profile.byFunction.length); i++) {
      const p = profile.byPackage[i];
      const f = profile.byFunction[i];
      out.push(`| ${p?.name ?? ''} | ${p ? fmt(p.percent, 1) : ''} | ${f ? `\`${f.name}\`` : ''} | ${f ? fmt(f.percent, 1) : ''} |`);
    }
  }
  out.push('');
  return out.join('\n');
}

/** How far a ratio is from its target, in words. */
function shortfall(row: FigureRow): string {
  const target = Number(row.target?.replace(/[^\d.]/g, ''));
  if (!Number.isFinite(target) || !Number.isFinite(row.ratio)) return '';
  return row.target?.startsWith('≥') ? `${fmt(target / row.ratio)}× short` : `${fmt(row.ratio / target)}× over`;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
