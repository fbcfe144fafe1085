// `npm start`: run the compiled server (dist/server.cjs through dist/run.mjs, see bundle-server.mjs and run-bundle.mjs), building it first only when the
// sources changed since the last build (see build-if-stale.mjs). The server runs in this same process: no TypeScript
// compiler, no second process.
import { pathToFileURL } from 'node:url';
import { buildIfStale, SERVER_BUNDLE } from './build-if-stale.mjs';

if (!buildIfStale()) process.exit(1);
await import(pathToFileURL(SERVER_BUNDLE).href);
