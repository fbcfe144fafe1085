import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { ALICE, AGENT_ENV } from '../handoff/handoff-helpers.js';
import { buildApp, messageActivity, type TestApp } from '../helper.js';
import { allText, say } from '../bot/turn.js';
import {
  anyEncoding,
  anyString,
  badEncoding,
  controlString,
  encode,
  expectCoded4xx,
  fuzz,
  guarded,
  newTally,
  noise,
  notAnObject,
  notAString,
  percentEncode,
  printTallies,
  rowCounts,
  withField,
  withNoise,
  type Answer,
  type Encoding,
} from './hostile.js';

/**
 * Hostile input, generated: for every endpoint, at least 1,000 malformed requests (wrong types, missing fields, huge
 * strings, deep nesting, control characters, invalid UTF-8, prototype-pollution keys, wrong content types, bad
 * credentials). Each must get a 4xx with the coded JSON error body, within 5 s, and write nothing.
 */

const SECRET = 'fuzz-directline-secret-0123456789abcdef';
const ASSERTION_SECRET = 'fuzz-user-assertion-secret-0123456789';

interface Req {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  payload?: Buffer;
}

function describeReq(req: Req): string {
  const body = req.payload ? req.payload.toString('utf8') : '';
  const url = req.url.length > 200 ? `${req.url.slice(0, 200)}…` : req.url;
  return `${req.method} ${url} ${JSON.stringify(req.headers).slice(0, 300)} ${body.length > 300 ? `${body.slice(0, 300)}… (${body.length} chars)` : body}`;
}

/** A field and the values it must refuse. */
type Defect = readonly [path: string, bad: fc.Arbitrary<unknown>];
const missing = fc.constant(undefined);

/** A body that carries one defect, some noise, and goes out in any encoding (a bad encoding is a defect by itself). */
function badBody(base: Record<string, unknown>, defects: readonly Defect[]) {
  return fc
    .record({
      defect: fc.oneof(...defects.map(([path, bad]) => bad.map((value) => ({ path, value })))),
      noise,
      encoding: anyEncoding,
      seed: fc.nat(),
      shape: fc.constantFrom('object', 'object', 'object', 'array', 'string', 'number', 'null'),
    })
    .map(({ defect, noise: extra, encoding, seed, shape }) => {
      const body = withNoise(withField(base, defect.path, defect.value), extra);
      const wrapped = shape === 'object' ? body : shape === 'array' ? [body] : shape === 'string' ? JSON.stringify(body) : shape === 'number' ? 42 : null;
      return encode(wrapped, encoding, seed);
    });
}

/** A body that is fine apart from how it travels (wrong media type, broken UTF-8, cut short, nested too deep). */
function badlyEncoded(base: Record<string, unknown>) {
  return fc.record({ encoding: badEncoding, seed: fc.nat() }).map(({ encoding, seed }) => encode(base, encoding as Encoding, seed));
}

describe('hostile input, generated (fast-check)', () => {
  let t: TestApp;
  let db: Kysely<unknown>;
  let dl: { conversationId: string; token: string; stream: string };
  let otherToken: string;
  let ticketId: number;

  async function send(req: Req): Promise<Answer> {
    const res = await guarded(
      describeReq(req),
      t.app.inject({ method: req.method, url: req.url, headers: req.headers, ...(req.payload ? { payload: req.payload } : {}) }),
    );
    return { status: res.statusCode, body: res.body, contentType: String(res.headers['content-type'] ?? '') };
  }

  async function suite(endpoint: string, arbitrary: fc.Arbitrary<Req>): Promise<void> {
    const tally = newTally(endpoint);
    const before = await rowCounts(db);
    await fuzz(arbitrary, async (req) => expectCoded4xx(tally, await send(req), describeReq(req)), describeReq);
    assert.deepEqual(await rowCounts(db), before, `${endpoint}: refused requests wrote rows`);
    assert.equal(tally.status5xx, 0);
  }

  before(async () => {
    t = await buildApp({
      ...AGENT_ENV,
      DIRECTLINE_SECRET: SECRET,
      DIRECTLINE_ACTIVITIES_PER_MINUTE: '100000',
      WEBCHAT_TOKENS_PER_MINUTE: '100000',
      WEBCHAT_USER_ASSERTION_SECRET: ASSERTION_SECRET,
      // Some generated activities are valid once cleaned (a serviceUrl whose NUL is stripped): their turn really runs
      // and replies to an address that does not exist. The channel deadline bounds that, as it would in production.
      CHANNEL_TIMEOUT_MS: '1000',
    });
    db = t.app.storage.database.db as unknown as Kysely<unknown>;
    await t.app.listen({ port: 0, host: '127.0.0.1' });

    // A Direct Line conversation (greeted, so no turn is still writing), and a token of another one.
    const started = await t.app.inject({ method: 'POST', url: '/v3/directline/conversations', headers: { authorization: `Bearer ${SECRET}` } });
    assert.equal(started.statusCode, 201);
    const answer: { conversationId: string; token: string; streamUrl: string } = started.json();
    dl = { conversationId: answer.conversationId, token: answer.token, stream: new URL(answer.streamUrl).searchParams.get('t') ?? '' };
    for (let i = 0; i < 100; i++) {
      const history = await t.app.inject({ method: 'GET', url: `/v3/directline/conversations/${dl.conversationId}/activities`, headers: { authorization: `Bearer ${dl.token}` } });
      if ((history.json() as { activities: unknown[] }).activities.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const other = await t.app.inject({ method: 'POST', url: '/v3/directline/tokens/generate', headers: { authorization: `Bearer ${SECRET}` } });
    otherToken = (other.json() as { token: string }).token;

    // A ticket taken by alice: a well-formed agent message would be accepted, so only the defect can refuse it.
    await say(t.app, 'fuzz-ticket', 'ERROR_IPSEC_IKE_SA_REAPED');
    const text = allText(await say(t.app, 'fuzz-ticket', '担当者と話したい'));
    ticketId = Number(/HD-(\d{6})/.exec(text)?.[1]);
    assert.ok(ticketId > 0, text);
    const claimed = await t.app.inject({ method: 'POST', url: `/api/agent/tickets/${ticketId}/claim`, headers: { authorization: `Bearer ${ALICE}` } });
    assert.equal(claimed.statusCode, 200);
  });

  after(async () => {
    printTallies();
    await t?.close();
  });

  // ---------------------------------------------------------------- /api/messages (Teams, Emulator, Azure Direct Line)
  it('POST /api/messages', async () => {
    const base = messageActivity({ serviceUrl: 'http://127.0.0.1:9', conversationId: 'fuzz-msg', text: 'hi' });
    const idJunk = fc.oneof(controlString, fc.constantFrom(''), fc.integer({ min: 1_100, max: 5_000 }).map((n) => 'i'.repeat(n)));
    const defects: Defect[] = [
      ['type', fc.oneof(missing, notAString, idJunk, fc.constantFrom('message ', 'mess age', '<message>'))],
      ['conversation', fc.oneof(missing, notAnObject)],
      ['conversation.id', fc.oneof(missing, notAString, idJunk)],
      ['serviceUrl', fc.oneof(missing, notAString, controlString, fc.constantFrom('file:///etc/passwd', 'javascript:alert(1)', 'ftp://x', 'http://', 'http://a b', 'http://a\u0000 b', 'not a url'))],
      ['channelId', fc.oneof(notAString, idJunk, fc.constantFrom('a b', 'x'.repeat(65), 'ch/1'))],
      // Optional fields may be null (absent); any other wrong kind is refused.
      ['id', fc.oneof(notAString.filter((v) => v !== null), controlString)],
      ['replyToId', fc.oneof(notAString.filter((v) => v !== null), controlString)],
      ['locale', fc.oneof(notAString.filter((v) => v !== null), controlString, fc.constantFrom('x'.repeat(200)))],
      // Long text is read politely (test/faults/long-message.test.ts); only a text that is not a string is refused.
      ['text', notAString.filter((v) => v !== null)],
      ['from', notAnObject],
      ['from.id', fc.oneof(notAString.filter((v) => v !== null), idJunk)],
      ['recipient', notAnObject],
      ['recipient.id', notAString.filter((v) => v !== null)],
      ['membersAdded', fc.oneof(notAnObject.filter((v) => !Array.isArray(v)), fc.constant([1, 2]), fc.constant(['a']))],
      ['entities', fc.oneof(fc.constant('x'), fc.constant([null]), fc.constant([1]))],
      ['attachments', fc.oneof(fc.constant({}), fc.constant([false]))],
    ];
    await suite(
      'POST /api/messages',
      badBody(base, defects).map(({ headers, payload }) => ({ method: 'POST', url: '/api/messages', headers, payload })),
    );
  });

  // ---------------------------------------------------------------- Direct Line 3.0 REST
  const userDefects = (): Defect[] => {
    const badUserId = fc.oneof(notAString, controlString, fc.constantFrom('', ' ', 'a b', '<script>', "' OR 1=1 --", 'x'.repeat(129)));
    return [
      ['user', notAnObject],
      ['user.id', badUserId],
      ['user.name', fc.oneof(notAString, controlString, fc.constantFrom('n'.repeat(101)))],
      ['user.email', fc.oneof(notAString, fc.constantFrom('', 'no-at-sign', 'a b@c', '@', 'x@'))],
    ];
  };

  /** Credentials that must not open anything: none, junk, the wrong scheme, a stream token, a token of another conversation. */
  const badAuth = (forConversation: boolean) =>
    fc.oneof(
      fc.constant<Record<string, string>>({}),
      anyString.filter((s) => /^[\x20-\x7e]*$/.test(s)).map((s): Record<string, string> => ({ authorization: `Bearer ${s}x` })),
      fc.constantFrom<Record<string, string>>(
        { authorization: 'Basic dXNlcjpwYXNz' },
        { authorization: 'Bearer' },
        { authorization: `Bearer ${'e'.repeat(5000)}` },
        { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJjb252IjoieCJ9.' },
        { authorization: `bearer  ${SECRET}x` },
      ),
      fc.constant(null).map((): Record<string, string> => ({ authorization: `Bearer ${dl.stream}` })),
      ...(forConversation ? [fc.constant(null).map((): Record<string, string> => ({ authorization: `Bearer ${otherToken}` }))] : []),
    );

  const goodJson = (body: unknown) => encode(body, 'json', 0);

  it('POST /v3/directline/tokens/generate', async () => {
    const arbitrary = fc.oneof(
      badBody({ user: { id: 'dl_user-1', name: 'Taro' } }, userDefects()).map(({ headers, payload }) => ({ headers: { ...headers, authorization: `Bearer ${SECRET}` }, payload })),
      fc.tuple(badAuth(false), fc.constant(goodJson({ user: { id: 'u1' } }))).map(([auth, { headers, payload }]) => ({ headers: { ...headers, ...auth }, payload })),
      fc.constant(null).map(() => ({ headers: { ...goodJson({}).headers, authorization: `Bearer ${dl.token}` }, payload: goodJson({}).payload })),
    );
    await suite('POST /v3/directline/tokens/generate', arbitrary.map((r) => ({ method: 'POST' as const, url: '/v3/directline/tokens/generate', ...r })));
  });

  it('POST /v3/directline/tokens/refresh', async () => {
    const arbitrary = fc.oneof(
      badAuth(false),
      fc.constant<Record<string, string>>({ authorization: `Bearer ${SECRET}` }),
    );
    await suite('POST /v3/directline/tokens/refresh', arbitrary.map((auth) => ({ method: 'POST' as const, url: '/v3/directline/tokens/refresh', headers: auth })));
  });

  it('POST /v3/directline/conversations', async () => {
    const arbitrary = fc.oneof(
      badBody({ user: { id: 'dl_user-2', name: 'Hanako' }, locale: 'ja-JP' }, [
        ...userDefects(),
        ['locale', fc.oneof(notAString, controlString, fc.constantFrom('', 'ja_JP!', 'x'.repeat(40), '日本語'))],
      ]).map(({ headers, payload }) => ({ headers: { ...headers, authorization: `Bearer ${SECRET}` }, payload })),
      badlyEncoded({ locale: 'en-US' }).map(({ headers, payload }) => ({ headers: { ...headers, authorization: `Bearer ${SECRET}` }, payload })),
      badAuth(false).map((auth) => ({ headers: auth, payload: undefined })),
    );
    await suite('POST /v3/directline/conversations', arbitrary.map((r) => ({ method: 'POST' as const, url: '/v3/directline/conversations', ...r, ...(r.payload ? {} : { payload: undefined }) })).map(dropUndefinedPayload));
  });

  /** Conversation ids in the path that name nothing: control characters (percent-encoded), huge, traversal, unknown. */
  const badConversationId = fc.oneof(
    controlString.map(percentEncode),
    fc.constantFrom('..%2F..%2Fetc', '%00', 'x'.repeat(65), 'unknown-conversation', '%E3%81', '%FF', 'a%20b', '__proto__', 'constructor'),
  );

  const badWatermark = fc.oneof(
    controlString.map(percentEncode),
    fc.constantFrom('-1', 'abc', '1e5', '0x10', '9'.repeat(40), '1.5', '%FF', 'null', '[]'),
  );

  it('GET /v3/directline/conversations/:id', async () => {
    const arbitrary = fc.oneof(
      badAuth(true).map((auth) => ({ url: `/v3/directline/conversations/${dl.conversationId}`, headers: auth })),
      badConversationId.map((id) => ({ url: `/v3/directline/conversations/${id}`, headers: { authorization: `Bearer ${SECRET}` } })),
      badWatermark.map((w) => ({ url: `/v3/directline/conversations/${dl.conversationId}?watermark=${w}`, headers: { authorization: `Bearer ${dl.token}` } })),
    );
    await suite('GET /v3/directline/conversations/:id', arbitrary.map((r) => ({ method: 'GET' as const, ...r })));
  });

  it('POST /v3/directline/conversations/:id/activities', async () => {
    const base = {
      type: 'message',
      from: { id: 'dl_user', role: 'user' },
      text: 'hello',
      locale: 'ja-JP',
      channelData: { clientActivityID: 'client-1', clientTimestamp: new Date(0).toISOString() },
    };
    const defects: Defect[] = [
      ['type', fc.oneof(missing, notAString, controlString, fc.constantFrom('', 'Message', 'message ', 'conversationUpdate', 'invoke'))],
      ['text', fc.oneof(notAString, fc.integer({ min: 8_001, max: 50_000 }).map((n) => 'a'.repeat(n)), fc.constantFrom('', '   ', '\n\t'))],
      ['locale', fc.oneof(notAString, fc.constantFrom('x'.repeat(36)), controlString)],
      ['textFormat', fc.oneof(notAString, fc.constantFrom('x'.repeat(21)))],
      ['value', fc.integer({ min: 17, max: 2_000 }).map((depth) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown)],
      ['channelData', fc.oneof(notAnObject.filter((v) => typeof v !== 'object' || Array.isArray(v)))],
      ['channelData.clientActivityID', fc.oneof(notAString, fc.constantFrom('c'.repeat(201)), controlString)],
      ['channelData.clientTimestamp', fc.oneof(notAString, fc.constantFrom('t'.repeat(65)))],
    ];
    const url = `/v3/directline/conversations/${dl.conversationId}/activities`;
    const auth = { authorization: `Bearer ${dl.token}` };
    const arbitrary = fc.oneof(
      badBody(base, defects).map(({ headers, payload }) => ({ url, headers: { ...headers, ...auth }, payload })),
      badlyEncoded(base).map(({ headers, payload }) => ({ url, headers: { ...headers, ...auth }, payload })),
      badAuth(true).map((a) => ({ url, headers: { ...goodJson(base).headers, ...a }, payload: goodJson(base).payload })),
      badConversationId.map((id) => ({ url: `/v3/directline/conversations/${id}/activities`, headers: { ...goodJson(base).headers, authorization: `Bearer ${SECRET}` }, payload: goodJson(base).payload })),
    );
    await suite('POST /v3/directline/conversations/:id/activities', arbitrary.map((r) => ({ method: 'POST' as const, ...r })));
  });

  it('GET /v3/directline/conversations/:id/activities', async () => {
    const arbitrary = fc.oneof(
      badAuth(true).map((auth) => ({ url: `/v3/directline/conversations/${dl.conversationId}/activities`, headers: auth })),
      badConversationId.map((id) => ({ url: `/v3/directline/conversations/${id}/activities`, headers: { authorization: `Bearer ${SECRET}` } })),
      badWatermark.map((w) => ({ url: `/v3/directline/conversations/${dl.conversationId}/activities?watermark=${w}`, headers: { authorization: `Bearer ${dl.token}` } })),
    );
    await suite('GET /v3/directline/conversations/:id/activities', arbitrary.map((r) => ({ method: 'GET' as const, ...r })));
  });

  it('POST /v3/directline/conversations/:id/upload', async () => {
    const url = `/v3/directline/conversations/${dl.conversationId}/upload?userId=dl_user`;
    const file = {
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      payload: Buffer.from('--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--x--\r\n'),
    };
    const arbitrary = fc.oneof(
      badAuth(true).map((auth) => ({ url, headers: { ...file.headers, ...auth }, payload: file.payload })),
      badConversationId.map((id) => ({ url: `/v3/directline/conversations/${id}/upload`, headers: { ...file.headers, authorization: `Bearer ${SECRET}` }, payload: file.payload })),
      badlyEncoded({ a: 1 }).map(({ headers, payload }) => ({ url, headers: { ...headers, authorization: `Bearer ${dl.token}` }, payload })),
      fc.constant({ url, headers: { ...file.headers, authorization: `Bearer ${dl.token}` }, payload: file.payload }),
    );
    await suite('POST /v3/directline/conversations/:id/upload', arbitrary.map((r) => ({ method: 'POST' as const, ...r })));
  });

  // ---------------------------------------------------------------- Direct Line WebSocket upgrade
  it('GET /v3/directline/conversations/:id/stream (WebSocket upgrade)', async () => {
    const { port } = t.app.server.address() as AddressInfo;
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const upgrade = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': key };
    const path = (id: string, query: string) => `/v3/directline/conversations/${id}/stream${query}`;
    const arbitrary = fc.oneof(
      // No stream token, a junk one, a REST token, another conversation's stream token.
      fc.oneof(
        fc.constant(''),
        anyString.map((s) => `?t=${percentEncode(s)}`),
        fc.constant(null).map(() => `?t=${encodeURIComponent(dl.token)}`),
        fc.constant(null).map(() => `?t=${encodeURIComponent(otherToken)}`),
      ).map((query) => ({ url: path(dl.conversationId, query), headers: upgrade })),
      badConversationId.map((id) => ({ url: path(id, `?t=${encodeURIComponent(dl.stream)}`), headers: upgrade })),
      badWatermark.map((w) => ({ url: path(dl.conversationId, `?t=${encodeURIComponent(dl.stream)}&watermark=${w}`), headers: upgrade })),
      // A good stream token, but handshake headers no WebSocket client sends.
      fc
        .oneof(
          fc.constantFrom('', 'short', 'not base64!!!!!!!!!!!==', key.slice(1), `${key}x`).map((k) => ({ ...upgrade, 'sec-websocket-key': k })),
          fc.constantFrom('', '12', '99', 'thirteen').map((v) => ({ ...upgrade, 'sec-websocket-version': v })),
          fc.constant({ connection: 'keep-alive' }),
        )
        .map((headers) => ({ url: path(dl.conversationId, `?t=${encodeURIComponent(dl.stream)}`), headers })),
    );
    const tally = newTally('GET /v3/directline/conversations/:id/stream (upgrade)');
    const before = await rowCounts(db);
    await fuzz(arbitrary, async (req) => {
      const what = `GET ${req.url} ${JSON.stringify(req.headers)}`;
      const answer = await guarded(what, rawGet(port, req.url, req.headers));
      expectCoded4xx(tally, answer, what);
    }, (req) => `GET ${req.url} ${JSON.stringify(req.headers)}`);
    assert.deepEqual(await rowCounts(db), before);
  });

  // ---------------------------------------------------------------- the Web Chat page's token endpoint
  it('POST /api/webchat/token', async () => {
    const arbitrary = fc.oneof(
      badBody({ userAssertion: 'x.y.z' }, [
        ['userAssertion', fc.oneof(notAString, anyString, fc.constantFrom('', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'a.b.c'))],
      ]),
      badlyEncoded({}),
    );
    await suite('POST /api/webchat/token', arbitrary.map(({ headers, payload }) => ({ method: 'POST' as const, url: '/api/webchat/token', headers, payload })));
  });

  // ---------------------------------------------------------------- the agent API
  const badAgentAuth = fc.oneof(
    fc.constant<Record<string, string>>({}),
    anyString.filter((s) => /^[\x20-\x7e]*$/.test(s)).map((s): Record<string, string> => ({ authorization: `Bearer ${s}x` })),
    fc.constantFrom<Record<string, string>>({ authorization: `Basic ${Buffer.from(`alice:${ALICE}`).toString('base64')}` }, { authorization: `Bearer ${ALICE}x` }, { authorization: `Bearer ${SECRET}` }),
  );
  const badTicketId = fc.oneof(
    fc.constantFrom('0', '-1', '1.5', '1e3', 'abc', '9999999999', '0x10', '%00', 'null', '__proto__', ' 1'),
    controlString.map(percentEncode),
  );
  const agent = { authorization: `Bearer ${ALICE}` };

  it('GET /api/agent/tickets, /tickets/:id, /whoami, /stream', async () => {
    const arbitrary = fc.oneof(
      fc.tuple(badAgentAuth, fc.constantFrom('/api/agent/tickets', '/api/agent/whoami', '/api/agent/stream', '/api/agent/tickets/1')).map(([auth, url]) => ({ url, headers: auth })),
      fc.oneof(fc.constantFrom('bogus', 'QUEUED', '', 'queued,assigned'), controlString.map(percentEncode)).map((s) => ({ url: `/api/agent/tickets?status=${s}`, headers: agent })),
      badTicketId.map((id) => ({ url: `/api/agent/tickets/${id}`, headers: agent })),
    );
    await suite('GET /api/agent/…', arbitrary.map((r) => ({ method: 'GET' as const, ...r })));
  });

  it('POST /api/agent/tickets/:id/messages', async () => {
    const url = () => `/api/agent/tickets/${ticketId}/messages`;
    const arbitrary = fc.oneof(
      badBody({ text: 'hello from IT' }, [['text', fc.oneof(missing, notAString, fc.constantFrom(''), fc.integer({ min: 4_001, max: 40_000 }).map((n) => 'a'.repeat(n)))]]).map(
        ({ headers, payload }) => ({ url: url(), headers: { ...headers, ...agent }, payload }),
      ),
      badlyEncoded({ text: 'hello' }).map(({ headers, payload }) => ({ url: url(), headers: { ...headers, ...agent }, payload })),
      badAgentAuth.map((auth) => ({ url: url(), headers: { ...goodJson({ text: 'hi' }).headers, ...auth }, payload: goodJson({ text: 'hi' }).payload })),
      badTicketId.map((id) => ({ url: `/api/agent/tickets/${id}/messages`, headers: { ...goodJson({ text: 'hi' }).headers, ...agent }, payload: goodJson({ text: 'hi' }).payload })),
    );
    await suite('POST /api/agent/tickets/:id/messages', arbitrary.map((r) => ({ method: 'POST' as const, ...r })));
  });

  it('POST /api/agent/tickets/:id/claim, /resolve, /release', async () => {
    const action = fc.constantFrom('claim', 'resolve', 'release');
    const arbitrary = fc.oneof(
      fc.tuple(action, badAgentAuth).map(([a, auth]) => ({ url: `/api/agent/tickets/${ticketId}/${a}`, headers: auth, payload: undefined })),
      fc.tuple(action, badTicketId).map(([a, id]) => ({ url: `/api/agent/tickets/${id}/${a}`, headers: agent, payload: undefined })),
      badBody({ note: 'fixed' }, [['note', fc.oneof(notAString, fc.integer({ min: 4_001, max: 40_000 }).map((n) => 'n'.repeat(n)))]]).map(({ headers, payload }) => ({
        url: `/api/agent/tickets/${ticketId}/resolve`,
        headers: { ...headers, ...agent },
        payload,
      })),
    );
    await suite('POST /api/agent/tickets/:id/{claim,resolve,release}', arbitrary.map((r) => dropUndefinedPayload({ method: 'POST' as const, ...r })));
  });
});

function dropUndefinedPayload<T extends { payload?: Buffer | undefined }>(req: T): T {
  if (req.payload === undefined) delete req.payload;
  return req;
}

/** A raw HTTP GET (an upgrade request when the headers say so), answered with a status and body, never upgraded. */
function rawGet(port: number, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A fresh connection each time: the server closes an upgrade request's socket after refusing it.
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers, agent: false });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      reject(new Error(`upgraded: ${path}`));
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, contentType: String(res.headers['content-type'] ?? '') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
