// Compiles the server to dist/ when the TypeScript sources are newer than the last build, so `npm start` runs
// compiled JavaScript and never compiles TypeScript at start-up. Run by `npm install` (the `prepare` script) and by
// `npm start` (scripts/start.mjs); a fresh build costs nothing but a walk over the sources' modification times.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const STAMP = join(root, 'dist', '.build-stamp');
/** Held while one process builds: several instances started at once from one checkout build once, not on top of each other. */
const LOCK = join(root, 'dist', '.build-lock');
/** Everything `npm run build` reads: the sources it compiles or copies, its settings, and the dependencies it bundles. */
const INPUT_DIRS = ['src', 'dialogs'];
const INPUT_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/copy-assets.mjs', 'scripts/bundle-server.mjs', 'scripts/run-bundle.mjs'];
/** What `npm start` runs: the loader of the bundled server (dist/server.cjs) with its code cache. */
export const SERVER_BUNDLE = join(root, 'dist', 'run.mjs');

function newestInput() {
  let newest = 0;
  for (const dir of INPUT_DIRS) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
    }
  }
  for (const file of INPUT_FILES) newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  return newest;
}

/** Why dist/ must be rebuilt, or undefined when it is up to date (or cannot be built here, as in a pruned image). */
export function staleReason() {
  if (!INPUT_DIRS.every((dir) => existsSync(join(root, dir)))) return undefined;
  if (!existsSync(SERVER_BUNDLE) || !existsSync(STAMP)) return 'dist/ has not been built yet';
  return newestInput() > statSync(STAMP).mtimeMs ? 'the sources changed since the last build' : undefined;
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** True when the process that wrote the lock is gone (killed mid-build): its lock may be taken over. */
function lockIsStale() {
  try {
    const pid = Number(readFileSync(LOCK, 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return true;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err?.code !== 'EPERM';
  }
}

/** Takes the build lock, waiting while another process builds; false when the wait was given up. */
function takeLock() {
  mkdirSync(join(root, 'dist'), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (let said = false; Date.now() < deadline; ) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (err) {
      if (err?.code !== 'EEXIST') throw err;
      if (lockIsStale()) {
        rmSync(LOCK, { force: true });
        continue;
      }
      if (!said) process.stderr.write('Another process is building the server; waiting for it…\n');
      said = true;
      sleepSync(250);
    }
  }
  return false;
}

/** Builds when needed; returns false (after printing the compiler's output) when the build fails. */
export function buildIfStale() {
  if (!staleReason()) return true;
  if (!takeLock()) {
    process.stderr.write(`Gave up waiting for ${LOCK}; remove it if no build is running.\n`);
    return false;
  }
  try {
    // Whoever held the lock may have just built what this process needs.
    return build();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

function build() {
  const reason = staleReason();
  if (!reason) return true;
  if (!existsSync(join(root, 'node_modules', 'typescript'))) {
    process.stderr.write(`${reason}, but TypeScript is not installed (npm install without --omit=dev builds it)\n`);
    return existsSync(SERVER_BUNDLE);
  }
  process.stderr.write(`Building the server once (${reason})…\n`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    process.stderr.write('The TypeScript build failed (see above); `npm start` runs only a clean build.\n');
    return false;
  }
  // Copies the page and console assets, then bundles dist/server.cjs (with its loader, dist/run.mjs) and writes the stamp.
  for (const step of ['copy-assets.mjs', 'bundle-server.mjs']) {
    const done = spawnSync(process.execPath, [join(root, 'scripts', step)], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (done.status !== 0) {
      process.stderr.write(`The build step scripts/${step} failed.\n`);
      return false;
    }
  }
  process.stderr.write(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // As `npm install`'s prepare step: an install without devDependencies (no TypeScript) must not fail for it;
  // `npm start` then reports what is missing.
  if (staleReason() && !existsSync(join(root, 'node_modules', 'typescript'))) {
    process.stderr.write('Not building dist/ now: TypeScript is not installed (npm install without --omit=dev builds it).\n');
    process.exit(0);
  }
  process.exit(buildIfStale() ? 0 : 1);
}
