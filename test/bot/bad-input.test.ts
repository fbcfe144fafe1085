import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { buildApp, messageActivity, type TestApp } from '../helper.js';
import { allText, say } from './turn.js';

describe('bad input on /api/messages', () => {
  let t: TestApp;
  before(async () => {
    t = await buildApp({ BODY_LIMIT: '16384' });
    await say(t.app, 'bad-1', 'ERROR_IPSEC_IKE_SA_REAPED');
  });
  after(async () => t.close());

  const post = () => request(t.app.server).post('/api/messages');

  it('a body that is not JSON gets 400 HD_ERR_BAD_JSON', async () => {
    const res = await post().set('content-type', 'application/json').send('{"type": "message",').expect(400);
    assert.equal(res.body.code, 'HD_ERR_BAD_JSON');
  });

  it('an empty object gets 400 HD_ERR_BAD_ACTIVITY', async () => {
    const res = await post().send({}).expect(400);
    assert.equal(res.body.code, 'HD_ERR_BAD_ACTIVITY');
    assert.match(res.body.message, /"type" is required/);
  });

  it('an activity with no type gets 400', async () => {
    const activity = messageActivity({ serviceUrl: 'http://127.0.0.1:9', conversationId: 'bad-1', text: 'hi' });
    delete activity.type;
    const res = await post().send(activity).expect(400);
    assert.equal(res.body.code, 'HD_ERR_BAD_ACTIVITY');
  });

  it('a JSON array or a string gets 400', async () => {
    assert.equal((await post().send([1, 2]).expect(400)).body.code, 'HD_ERR_BAD_ACTIVITY');
    assert.equal((await post().set('content-type', 'application/json').send('"hello"').expect(400)).body.code, 'HD_ERR_BAD_ACTIVITY');
  });

  it('a serviceUrl that is not http(s) gets 400', async () => {
    const activity = messageActivity({ serviceUrl: 'file:///etc/passwd', conversationId: 'bad-1', text: 'hi' });
    assert.equal((await post().send(activity).expect(400)).body.code, 'HD_ERR_BAD_ACTIVITY');
  });

  it('fields of the wrong shape get 400 instead of an apology from a failed turn', async () => {
    const base = messageActivity({ serviceUrl: 'http://127.0.0.1:9', conversationId: 'bad-1', text: 'hi' });
    for (const [key, value] of [
      ['membersAdded', 'x'],
      ['channelId', 42],
      ['entities', [1, 2]],
      ['from', 'someone'],
      ['text', { nested: true }],
      ['recipient', { id: 42 }],
      ['from', { id: 'u', name: ['x'] }],
    ] as const) {
      const res = await post().send({ ...base, [key]: value }).expect(400);
      assert.equal(res.body.code, 'HD_ERR_BAD_ACTIVITY');
      assert.match(res.body.message, new RegExp(key));
    }
  });

  it('an activity with no channelId gets 400, not an apology from a turn that cannot be stored', async () => {
    const activity = messageActivity({ serviceUrl: 'http://127.0.0.1:9', conversationId: 'bad-1', text: 'hi' });
    delete activity.channelId;
    const res = await post().send(activity).expect(400);
    assert.equal(res.body.code, 'HD_ERR_BAD_ACTIVITY');
    assert.equal(res.body.error, 'Bad Request');
    assert.match(res.body.message, /channelId/);
  });

  it('an oversized body gets 413 HD_ERR_BODY_TOO_LARGE', async () => {
    const activity = messageActivity({ serviceUrl: 'http://127.0.0.1:9', conversationId: 'bad-1', text: 'x'.repeat(20_000) });
    const res = await post().send(activity).expect(413);
    assert.equal(res.body.code, 'HD_ERR_BODY_TOO_LARGE');
  });

  it('another content type gets 415', async () => {
    const res = await post().set('content-type', 'application/xml').send('<a/>').expect(415);
    assert.equal(res.body.code, 'HD_ERR_UNSUPPORTED_MEDIA');
    assert.equal(res.body.error, 'Unsupported Media Type');
  });

  it('unknown activity types are ignored with 200', async () => {
    const activity = { ...messageActivity({ serviceUrl: 'http://127.0.0.1:9', conversationId: 'bad-1' }), type: 'somethingNew' };
    await post().send(activity).expect(200);
  });

  it('unknown routes get a coded 404', async () => {
    const res = await request(t.app.server).get('/nope').expect(404);
    assert.equal(res.body.code, 'HD_ERR_NOT_FOUND');
  });

  it('none of it lost the conversation: it continues at the same check', async () => {
    const text = allText(await say(t.app, 'bad-1', 'まだ解決しない'));
    assert.match(text, /確認 2\/4/);
    const health = await request(t.app.server).get('/readyz').expect(200);
    assert.equal(health.body.status, 'ready');
  });
});

describe('a channel that accepts replies and never answers', () => {
  let hung: Server;
  let serviceUrl = '';
  before(async () => {
    hung = createServer(() => undefined); // reads the request, never writes a byte back
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    serviceUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
  });
  after(async () => {
    hung.closeAllConnections();
    await new Promise((resolve) => hung.close(resolve));
  });

  it('does not hold /api/messages open: the reply is given up after CHANNEL_TIMEOUT_MS', { timeout: 30_000 }, async () => {
    const t = await buildApp({ CHANNEL_TIMEOUT_MS: '1000' });
    try {
      const activity = messageActivity({ serviceUrl, conversationId: 'hung-1', text: 'ERROR_IPSEC_IKE_SA_REAPED', channelId: 'msteams' });
      // Without a deadline this request stays open as long as the socket lives (minutes); the test's own timeout
      // is the failure here, not a speed measurement.
      const res = await request(t.app.server).post('/api/messages').send(activity);
      assert.equal(res.status, 200);
      const health = await request(t.app.server).get('/healthz').expect(200);
      assert.equal(health.body.status, 'ok');
    } finally {
      await t.close();
    }
  });
});

describe('small things a browser asks for', () => {
  it('serves a favicon instead of a 404 in every browser console', async () => {
    const t = await buildApp();
    try {
      const res = await request(t.app.server).get('/favicon.ico').expect(200);
      assert.equal(res.headers['content-type'], 'image/png');
      assert.ok(Buffer.isBuffer(res.body) && res.body.subarray(1, 4).toString('latin1') === 'PNG');
    } finally {
      await t.close();
    }
  });
});
