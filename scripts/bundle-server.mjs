// Last step of `npm run build`: bundles the compiled server (dist/src/server.js) and its dependencies into one file,
// dist/server.cjs, which `npm start` and the Docker image run through dist/run.mjs (scripts/run-bundle.mjs, which
// adds V8's code cache). Start-up is then one file to read and compile instead of about two thousand modules to
// resolve, read and link (botbuilder alone is several hundred): it halves the server's start-up CPU. CommonJS because
// only a script (not an ES module) can be given a code cache in Node 20. Nothing is minified, so stack traces keep
// their function names.
//
// Every bundled module keeps seeing its own location: `import.meta.url`, `__dirname` and `__filename` are replaced by
// the path of the original file, so the Web Chat and console assets, the Web Chat bundle and the packages that read
// files next to themselves find them exactly as before (they stay in dist/src and node_modules).
// Native and optional modules stay outside the bundle and are loaded from node_modules.
import { createHash } from 'node:crypto';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const started = Date.now();

/** Native add-ons and optional peers: loaded at run time from node_modules, never bundled. */
const EXTERNAL = ['better-sqlite3', 'pg-native', 'bufferutil', 'utf-8-validate'];

const keepOwnLocation = {
  name: 'keep-own-location',
  setup(bundle) {
    bundle.onLoad({ filter: /\.(c|m)?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const ext = extname(args.path);
      const loader = 'js';
      if (!/import\.meta\.url|__dirname|__filename/.test(text)) return { contents: text, loader };
      let contents = text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
      const declaresOwn = /\b(?:var|let|const)\s+(?:__dirname|__filename)\b/.test(contents);
      if (/__dirname|__filename/.test(contents) && ext !== '.mjs' && !declaresOwn) {
        // CommonJS modules are wrapped in a function by the bundler, so these stay local to the module.
        contents = `var __filename = ${JSON.stringify(args.path)}, __dirname = ${JSON.stringify(dirname(args.path))};\n${contents}`;
      }
      return { contents, loader };
    });
  },
};

await build({
  entryPoints: [join(root, 'dist', 'src', 'server.js')],
  outfile: join(root, 'dist', 'server.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: EXTERNAL,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [keepOwnLocation],
});
// Parse the shipped content once now, so the first start reads it from dist/.parsed-content.json.
const { loadContent } = await import(pathToFileURL(join(root, 'dist', 'src', 'content', 'load-content.js')).href);
loadContent(join(root, 'content'));
// …and the staff and dashboard texts, which their plugins read through the same cache.
const { loadStaffContent } = await import(pathToFileURL(join(root, 'dist', 'src', 'content', 'staff-content.js')).href);
loadStaffContent(join(root, 'content'));
const { loadAdminStrings } = await import(pathToFileURL(join(root, 'dist', 'src', 'analytics', 'admin-page.js')).href);
loadAdminStrings(join(root, 'content'));
// The build id names the code cache (scripts/run-bundle.mjs): a cache is only ever used with the bundle it was made from.
const bundled = await readFile(join(root, 'dist', 'server.cjs'));
await writeFile(join(root, 'dist', 'server.build-id'), `${createHash('sha256').update(bundled).digest('hex').slice(0, 16)}\n`);
await copyFile(join(root, 'scripts', 'run-bundle.mjs'), join(root, 'dist', 'run.mjs'));
// The ES module bundle of earlier builds.
await rm(join(root, 'dist', 'server.mjs'), { force: true });
await writeFile(join(root, 'dist', '.build-stamp'), `${new Date().toISOString()}\n`);
process.stdout.write(`bundled dist/server.cjs in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
