import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp, type TestApp } from './helper.js';

/** What a browser is told about every kind of answer: no sniffing, no framing but where framing is the point. */
describe('security headers', () => {
  let t: TestApp;
  before(async () => {
    t = await buildApp({ WEBCHAT_ALLOWED_ORIGINS: 'https://intranet.example.co.jp' });
  });
  after(async () => {
    await t.close();
  });

  for (const url of ['/embed.js', '/webchat/page.js', '/healthz', '/api/agent/tickets', '/no-such-page']) {
    it(`${url} is never sniffed and never framed`, async () => {
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
    });
  }

  it('/embed.js may be loaded by intranet pages on other origins', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/embed.js' });
    assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
  });

  it('/docs has a script policy of its own, cannot be framed, and does not force HTTPS on an intranet', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/static/index.html' });
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });
});
