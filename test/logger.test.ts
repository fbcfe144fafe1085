import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import pino from 'pino';
import request from 'supertest';
import { loggerOptions } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, stream };
}

describe('logs never carry secrets', () => {
  it('redacts the Authorization header of a logged request', async () => {
    const { lines, stream } = capture();
    const options = loggerOptions('info');
    const app = Fastify({ loggerInstance: pino({ ...(typeof options === 'object' ? options : {}), level: 'info' }, stream) });
    app.get('/x', async (req) => {
      req.log.info({ headers: req.headers }, 'seen');
      return { ok: true };
    });
    await app.ready();
    await request(app.server).get('/x').set('authorization', 'Bearer super-secret-token-123').expect(200);
    await app.close();
    const all = lines.join('');
    assert.doesNotMatch(all, /super-secret-token-123/);
    assert.match(all, /\[REDACTED\]/);
  });

  it('redacts passwords, tokens and secrets in logged objects', () => {
    const { lines, stream } = capture();
    const options = loggerOptions('info');
    const log = pino({ ...(typeof options === 'object' ? options : {}) }, stream);
    log.info({ config: { MicrosoftAppPassword: 'pa55word', databaseUrl: 'postgres://u:pw@h/db' }, token: 'tok-abc', secret: 's3' }, 'cfg');
    const all = lines.join('');
    for (const secret of ['pa55word', 'postgres://u:pw@h/db', 'tok-abc', '"s3"']) assert.ok(!all.includes(secret), `${secret} leaked: ${all}`);
  });
});
