import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';

/** A server under test, started as its own process the way its users start it. */
export interface TargetSpec {
  name: 'ours' | 'peer';
  /** The script node runs (what `npm start` runs for ours; the peer's index.mjs). */
  script: string;
  env: Record<string, string>;
}

export interface StartOptions {
  /** Pin the process to this CPU with taskset (when taskset exists). */
  cpu?: number;
  nodeFlags?: string[];
  /** Where the process's stdout (its log) goes. */
  logFile: string;
  cwd: string;
  /** Answers the readiness probe (a message with deliveryMode expectReplies) must get. */
  probe: Record<string, unknown>;
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins this process (all its threads) to one CPU; the load generator and the Bot Connector stand-in live here. */
export function pinSelf(cpu: number): void {
  execFileSync('taskset', ['-a', '-cp', String(cpu), String(process.pid)], { stdio: 'ignore' });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc; NaN where there is no /proc. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3; utime and stime are fields 14 and 15 of the whole line.
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of a process in bytes, from /proc; NaN where there is no /proc. */
export function rssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export class RunningTarget {
  constructor(
    readonly spec: TargetSpec,
    /** What the process wrote to stderr (our server logs to stdout, which goes to logFile). */
    readonly stderr: string[],
    readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly coldStartMs: number,
    readonly logFile: string,
  ) {}

  get pid(): number {
    return this.child.pid ?? -1;
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  rssBytes(): number {
    return rssBytes(this.pid);
  }

  /** SIGTERM, then SIGKILL after 10 s; resolves once the process is gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

/**
 * Spawns the target and measures its cold start: from spawn until /api/messages first answers a real message with
 * 200 (the bot has loaded everything it needs to answer).
 */
export async function startTarget(spec: TargetSpec, options: StartOptions): Promise<RunningTarget> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const nodeArgs = [...(options.nodeFlags ?? []), spec.script];
  const pinned = options.cpu !== undefined;
  const command = pinned ? 'taskset' : process.execPath;
  const args = pinned ? ['-c', String(options.cpu), process.execPath, ...nodeArgs] : nodeArgs;
  const log = openSync(options.logFile, 'a');
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...spec.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, 'pipe'],
  });
  closeSync(log);
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => stderr.push(chunk));
  let exitCode: number | null | undefined;
  child.once('exit', (code) => (exitCode = code));

  const body = JSON.stringify(options.probe);
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`${spec.name} exited with ${exitCode} before answering:\n${stderr.join('')}\n${tail(options.logFile)}`);
    }
    if (performance.now() - started > 120_000) {
      child.kill('SIGKILL');
      throw new Error(`${spec.name} did not answer within 120 s`);
    }
    try {
      const res = await request(`${baseUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const coldStartMs = performance.now() - started;
  return new RunningTarget(spec, stderr, child, baseUrl, coldStartMs, options.logFile);
}

function tail(file: string): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
}

/** The node script `npm start` runs, read from package.json so the bench starts the service exactly that way. */
export function npmStartScript(root: string): string {
  const pkg: unknown = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const scripts: unknown = typeof pkg === 'object' && pkg !== null ? Reflect.get(pkg, 'scripts') : undefined;
  const start: unknown = typeof scripts === 'object' && scripts !== null ? Reflect.get(scripts, 'start') : undefined;
  const match = typeof start === 'string' ? /^node (\S+\.m?js)$/.exec(start.trim()) : null;
  if (!match?.[1]) throw new Error(`package.json "start" must be "node <script>" for the bench to start it the same way, got ${String(start)}`);
  return match[1];
}
