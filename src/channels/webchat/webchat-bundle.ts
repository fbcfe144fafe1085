import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback, constants } from 'node:zlib';
import { createHash } from 'node:crypto';

const gzip = promisify(gzipCallback);

export interface WebChatBundle {
  version: string;
  /** The URL path the page loads it from; versioned, so it can be cached for a year. */
  path: string;
  etag: string;
  raw: Buffer;
  /** Compressed once, on first use (3.9 MB → about 0.9 MB). */
  gzipped(): Promise<Buffer>;
}

/**
 * The official Web Chat bundle from node_modules. Its package `exports` hide ./dist, so it is found next to the
 * resolved entry point instead.
 *
 * React and ReactDOM (our own dependencies, their UMD builds) go in front of it in the same file: the bundle uses
 * `window.React`/`window.ReactDOM` when they exist (Web Chat's documented way to bring your own React), and the page
 * needs `React.createElement` to draw an IT staff member's name and initials on their messages.
 */
export function loadWebChatBundle(): WebChatBundle {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('botframework-webchat');
  const file = join(dirname(entry), '..', 'dist', 'webchat.js');
  const react = readFileSync(join(dirname(require.resolve('react/package.json')), 'umd', 'react.production.min.js'));
  const reactDom = readFileSync(join(dirname(require.resolve('react-dom/package.json')), 'umd', 'react-dom.production.min.js'));
  const raw = Buffer.concat([react, Buffer.from('\n;\n'), reactDom, Buffer.from('\n;\n'), readFileSync(file)]);
  const pkg: unknown = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'));
  const version = typeof pkg === 'object' && pkg !== null && typeof Reflect.get(pkg, 'version') === 'string' ? String(Reflect.get(pkg, 'version')) : 'unknown';
  const reactPkg: unknown = JSON.parse(readFileSync(require.resolve('react/package.json'), 'utf8'));
  const reactVersion = typeof reactPkg === 'object' && reactPkg !== null ? String(Reflect.get(reactPkg, 'version') ?? 'unknown') : 'unknown';
  const etag = `"${createHash('sha256').update(raw).digest('base64url').slice(0, 27)}"`;
  let compressed: Promise<Buffer> | undefined;
  return {
    version,
    path: `/webchat/assets/webchat-${version}-react-${reactVersion}.js`,
    etag,
    raw,
    gzipped() {
      compressed ??= gzip(raw, { level: constants.Z_BEST_COMPRESSION });
      return compressed;
    },
  };
}
