// Runs the bundled server (dist/server.cjs) with V8's code cache, so a restart does not parse and compile 9 MB of
// JavaScript again: `npm start` (scripts/start.mjs) and the Docker image run this file (copied to dist/run.mjs by
// scripts/bundle-server.mjs).
//
// The bundle is loaded the way Node loads any CommonJS module (same wrapper, require, __filename), but through
// vm.Script, which accepts a code cache. The first start of a build has none: 10 s after start-up, when the functions
// the server needed so far are compiled, it writes one to dist/code-cache/ (if that folder is writable; otherwise
// every start simply compiles, as before). Cache files are named after the bundle's build id, the Node version and
// the CPU architecture: V8 only checks the length of the source, so a cache must never meet another build.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

const here = import.meta.dirname;
const bundle = join(here, 'server.cjs');
const buildId = readFileSync(join(here, 'server.build-id'), 'utf8').trim();
const cacheDir = process.env.CODE_CACHE_DIR || join(here, 'code-cache');
const cacheFile = join(cacheDir, `server-${buildId}-${process.version}-${process.arch}.v8`);
/** Long enough for start-up and the first requests to have compiled what a start needs (the tests shorten it). */
const WRITE_AFTER_MS = Number(process.env.CODE_CACHE_WRITE_AFTER_MS) || 10_000;

let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(readFileSync(bundle, 'utf8')), {
  filename: bundle,
  cachedData,
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});

if (script.cachedDataRejected) {
  // Named after this very bundle and Node, it should always fit; say so when it does not, and write a new one.
  process.stderr.write(`the code cache ${cacheFile} does not fit this bundle; compiling it, a new cache follows\n`);
}
if (cachedData === undefined || script.cachedDataRejected) {
  setTimeout(() => {
    try {
      mkdirSync(cacheDir, { recursive: true });
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(temporary, script.createCachedData());
      // Atomic: several instances starting together each write their own file and rename it into place.
      renameSync(temporary, cacheFile);
      for (const name of readdirSync(cacheDir)) {
        if (name.endsWith('.v8') && join(cacheDir, name) !== cacheFile) rmSync(join(cacheDir, name), { force: true });
      }
    } catch {
      // A read-only installation: no cache, each start compiles the bundle as Node would.
    }
  }, WRITE_AFTER_MS).unref();
}

const module = new Module(bundle);
module.filename = bundle;
module.paths = Module._nodeModulePaths(dirname(bundle));
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
