// `npm start`: run the compiled server from dist/, building it first only when the sources changed since the last
// build (see build-if-stale.mjs). The server runs in this same process: no TypeScript compiler, no second process.
import { buildIfStale } from './build-if-stale.mjs';

if (!buildIfStale()) process.exit(1);
await import('../dist/src/server.js');
