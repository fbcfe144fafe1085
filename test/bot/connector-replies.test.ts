import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConnectorClient, MicrosoftAppCredentials } from 'botframework-connector';
import { ConnectorCallError, ConnectorReplies } from '../../src/bot/connector-replies.js';

/** A Bot Connector stand-in whose next answers are scripted: [status, headers] per call, then 200 with an id. */
function connector() {
  const calls: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: unknown }> = [];
  const script: Array<[number, Record<string, string>]> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const [status, headers] = script.shift() ?? [200, {}];
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(status === 200 ? JSON.stringify({ id: `reply-${calls.length}` }) : '{"error":{"code":"BadArgument"}}');
    });
  });
  return { calls, script, server };
}

describe('replies POSTed straight to the Bot Connector', () => {
  const stand = connector();
  let serviceUrl = '';
  const replies = new ConnectorReplies(2000);
  before(async () => {
    await new Promise<void>((resolve) => stand.server.listen(0, '127.0.0.1', resolve));
    serviceUrl = `http://127.0.0.1:${(stand.server.address() as AddressInfo).port}/emea/`;
  });
  after(async () => {
    replies.close();
    stand.server.closeAllConnections();
    await new Promise((resolve) => stand.server.close(resolve));
  });
  const client = () => new ConnectorClient(new MicrosoftAppCredentials('', ''), { baseUri: serviceUrl });
  const activity = { type: 'message', text: 'こんにちは', conversation: { id: 'a:1;messageid=2', isGroup: false, conversationType: 'personal', name: '' }, replyToId: 'm 1' };

  it('uses the address ConnectorClient would: the serviceUrl path, the ids encoded, the body as JSON, no token in local mode', async () => {
    stand.calls.length = 0;
    assert.ok(replies.usable(client()));
    const response = await replies.send(client(), { ...activity });
    assert.deepEqual(response, { id: 'reply-1' });
    assert.equal(stand.calls[0]?.method, 'POST');
    assert.equal(stand.calls[0]?.url, '/emea/v3/conversations/a%3A1%3Bmessageid%3D2/activities/m%201');
    assert.deepEqual(stand.calls[0]?.body, activity);
    assert.equal(stand.calls[0]?.headers.authorization, undefined);
    assert.equal(stand.calls[0]?.headers['x-ms-conversation-id'], 'a:1;messageid=2');
  });

  it('updates a card in place with PUT', async () => {
    stand.calls.length = 0;
    await replies.update(client(), { type: 'message', id: 'card-7', conversation: activity.conversation });
    assert.equal(stand.calls[0]?.method, 'PUT');
    assert.equal(stand.calls[0]?.url, '/emea/v3/conversations/a%3A1%3Bmessageid%3D2/activities/card-7');
  });

  it('waits as long as a throttled channel asks (Retry-After) and tries again', async () => {
    stand.calls.length = 0;
    stand.script.push([429, { 'retry-after-ms': '20' }]);
    assert.deepEqual(await replies.send(client(), { ...activity }), { id: 'reply-2' });
    assert.equal(stand.calls.length, 2);
  });

  it('gives up on a refused activity at once, with the status the channel answered', async () => {
    stand.calls.length = 0;
    stand.script.push([400, {}]);
    await assert.rejects(replies.send(client(), { ...activity }), (err: unknown) => err instanceof ConnectorCallError && err.statusCode === 400);
    assert.equal(stand.calls.length, 1);
  });

  it('reports a channel that never answers as an AbortError after the deadline', async () => {
    const hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const quick = new ConnectorReplies(300);
    try {
      const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/`;
      const hungClient = new ConnectorClient(new MicrosoftAppCredentials('', ''), { baseUri: url });
      await assert.rejects(quick.send(hungClient, { ...activity }), (err: unknown) => err instanceof Error && err.name === 'AbortError');
    } finally {
      quick.close();
      hung.closeAllConnections();
      await new Promise((resolve) => hung.close(resolve));
    }
  });
});
