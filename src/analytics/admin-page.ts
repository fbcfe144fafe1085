import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ContentError, parseContentYaml, validate } from '../content/load-content.js';
import { Localized } from '../content/schema.js';

const AdminStrings = Type.Record(Type.String({ pattern: '^[A-Za-z_]+$' }), Localized);

/** The dashboard's words (content/admin.yaml), both languages, checked like every other content file. */
export function loadAdminStrings(contentDir: string): Record<string, Localized> {
  const file = 'content/admin.yaml';
  let data: unknown;
  try {
    data = parseContentYaml(readFileSync(join(contentDir, 'admin.yaml'), 'utf8'));
  } catch (err) {
    throw new ContentError(`${file}: not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  return validate(AdminStrings, data, file);
}

/** Chart.js's own UMD build from node_modules: served by us, never from a CDN. */
function chartScript(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('chart.js');
  return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
}

const FILES = {
  html: readFileSync(new URL('./admin/admin.html', import.meta.url), 'utf8'),
  js: readFileSync(new URL('./admin/admin.js', import.meta.url), 'utf8'),
  css: readFileSync(new URL('./admin/admin.css', import.meta.url), 'utf8'),
};

/** Only our own scripts and styles; nothing inline, nothing from elsewhere, no framing. Downloads are blob: URLs. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** GET /admin: the admin dashboard (plain HTML, our script, Chart.js from node_modules; signs in with an admin token). */
export async function adminPage(app: FastifyInstance, opts: { contentDir: string }): Promise<void> {
  const strings = JSON.stringify(loadAdminStrings(opts.contentDir));
  const chart = chartScript();
  const headers = {
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  const send = (type: string, body: string, cache: string) => async (_request: unknown, reply: FastifyReply) =>
    reply.headers({ ...headers, 'cache-control': cache }).type(type).send(body);
  app.get('/admin', { schema: { hide: true } }, send('text/html; charset=utf-8', FILES.html, 'no-cache'));
  app.get('/admin/admin.js', { schema: { hide: true } }, send('text/javascript; charset=utf-8', FILES.js, 'no-cache'));
  app.get('/admin/admin.css', { schema: { hide: true } }, send('text/css; charset=utf-8', FILES.css, 'no-cache'));
  app.get('/admin/strings.json', { schema: { hide: true } }, send('application/json; charset=utf-8', strings, 'no-cache'));
  app.get('/admin/chart.umd.min.js', { schema: { hide: true } }, send('text/javascript; charset=utf-8', chart, 'public, max-age=86400'));
}
