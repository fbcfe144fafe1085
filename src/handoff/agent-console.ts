import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { loadStaffContent } from '../content/staff-content.js';

/** JSON that is safe inside a <script type="application/json"> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

const FILES = {
  html: readFileSync(new URL('./console/agent.html', import.meta.url), 'utf8'),
  js: readFileSync(new URL('./console/agent.js', import.meta.url), 'utf8'),
  css: readFileSync(new URL('./console/agent.css', import.meta.url), 'utf8'),
};

/** Only our own script and style; nothing inline, nothing from elsewhere, no framing. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * GET /agent: the IT staff console (plain HTML and one script, served by us; signs in with the agent token). Its
 * words (content/console.yaml, both languages) travel inside the page as a JSON data block, so it never shows keys.
 */
export async function agentConsole(app: FastifyInstance, opts: { contentDir: string }): Promise<void> {
  const text = loadStaffContent(opts.contentDir).console;
  const html = FILES.html.replace('__CONSOLE_TEXT__', () => scriptJson(text));
  const headers = {
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };
  app.get('/agent', { schema: { hide: true } }, async (_request, reply) =>
    reply.headers(headers).type('text/html; charset=utf-8').send(html),
  );
  app.get('/agent/console.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.headers(headers).type('text/javascript; charset=utf-8').send(FILES.js),
  );
  app.get('/agent/console.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.headers(headers).type('text/css; charset=utf-8').send(FILES.css),
  );
}
