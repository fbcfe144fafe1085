import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { buildApp, ConnectorReceiver, type TestApp } from '../helper.js';
import {
  APP_ID,
  APP_PASSWORD,
  channelAuthEnv,
  ChannelTokenService,
  foreignKey,
  LoginAuthority,
  teamsMessage,
} from './bot-framework-stand-ins.js';

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

async function post(app: TestApp, activity: Record<string, unknown>, authorization?: string) {
  return app.app.inject({
    method: 'POST',
    url: '/api/messages',
    headers: authorization ? { authorization } : {},
    payload: activity,
  });
}

describe('Bot Framework channel authentication (local OpenID metadata, JWKS and login authority)', () => {
  const tokens = new ChannelTokenService();
  const login = new LoginAuthority();
  const receiver = new ConnectorReceiver();
  let serviceUrl = '';
  let app: TestApp;

  before(async () => {
    await tokens.start();
    await login.start();
    serviceUrl = await receiver.start();
    // MSAL only talks https; the test trusts the login stand-in's self-signed certificate, as an admin would with
    // NODE_EXTRA_CA_CERTS for a private cloud.
    https.globalAgent.options.ca = login.certificate;
    app = await buildApp(channelAuthEnv(tokens, login));
  });

  after(async () => {
    await app.close();
    await receiver.stop();
    await login.stop();
    await tokens.stop();
  });

  it('accepts a token signed by the channel key, and replies with a token from the login authority', async () => {
    const token = await tokens.token({ serviceUrl });
    const res = await post(app, teamsMessage(serviceUrl, 'ERROR_IPSEC_IKE_SA_REAPEDエラーが発生しました'), `Bearer ${token}`);
    assert.equal(res.statusCode, 200, res.body);
    await receiver.waitFor(() => receiver.texts().length > 0);
    const reply = receiver.received.find((r) => r.body.type === 'message');
    assert.ok(reply, 'the reply reached the Bot Connector stand-in');
    assert.match(reply.path, /^POST \/v3\/conversations\/a%3A1personal-chat-id\/activities/);
    assert.match(String(reply.body.text), /IKE/);

    // The outgoing half: a client-credentials token from ToChannelFromBotLoginUrl, then Bearer on the POST.
    const tokenRequest = login.tokenRequests[0];
    assert.ok(tokenRequest, 'the bot asked the login authority for a token');
    assert.equal(tokenRequest.get('grant_type'), 'client_credentials');
    assert.equal(tokenRequest.get('client_id'), APP_ID);
    assert.equal(tokenRequest.get('client_secret'), APP_PASSWORD);
    assert.equal(tokenRequest.get('scope'), 'https://api.botframework.com/.default');
    assert.equal(reply.headers.authorization, `Bearer ${login.issuedTokens[0]}`);
  });

  const forged: Array<[string, () => Promise<Record<string, unknown> | undefined>]> = [
    ['a token signed with another key under the same kid', async () => ({ key: await foreignKey() })],
    ['a token for another bot (wrong audience)', async () => ({ audience: 'another-bot-app-id' })],
    ['a token from another issuer', async () => ({ issuer: 'https://evil.example.com/issuer' })],
    ['an expired token', async () => ({ expiresAt: Math.floor(Date.now() / 1000) - 3600 })],
    ['no Authorization header', async () => undefined],
    // The Emulator's issuer, with no Emulator metadata configured beside the channel's: botbuilder would fetch keys
    // from an undefined URL (a 500); such a token can only be refused.
    [
      'a token with the Emulator issuer, signed by a rogue key',
      async () => ({ key: await foreignKey(), issuer: 'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/', claims: { ver: '1.0', appid: APP_ID } }),
    ],
    [
      'a token with the Emulator v2 issuer, signed by a rogue key',
      async () => ({ key: await foreignKey(), issuer: 'https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0', claims: { ver: '2.0', azp: APP_ID } }),
    ],
  ];
  for (const [name, forge] of forged) {
    it(`rejects ${name} with 401 HD_ERR_UNAUTHORIZED and runs no turn`, async () => {
      receiver.clear();
      const variant = await forge();
      const header = variant ? `Bearer ${await tokens.token({ serviceUrl, ...variant })}` : undefined;
      const res = await post(app, teamsMessage(serviceUrl, 'ERROR_IPSEC_IKE_SA_REAPED'), header);
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.json().code, 'HD_ERR_UNAUTHORIZED');
      assert.deepEqual(receiver.received, [], 'nothing was sent to the conversation');
    });
  }

  it('rejects a valid token presented for another serviceUrl with 401', async () => {
    receiver.clear();
    const token = await tokens.token({ serviceUrl: 'https://smba.trafficmanager.net/apac/' });
    const res = await post(app, teamsMessage(serviceUrl, 'ERROR_IPSEC_IKE_SA_REAPED'), `Bearer ${token}`);
    assert.equal(res.statusCode, 401, res.body);
    assert.equal(res.json().code, 'HD_ERR_UNAUTHORIZED');
    assert.deepEqual(receiver.received, []);
  });
});

describe('Bot Framework channel authentication with no Emulator metadata configured', () => {
  const tokens = new ChannelTokenService();
  const receiver = new ConnectorReceiver();
  let serviceUrl = '';
  let app: TestApp;

  before(async () => {
    await tokens.start();
    serviceUrl = await receiver.start();
    const { ToBotFromEmulatorOpenIdMetadataUrl: _unset, ...env } = channelAuthEnv(tokens, undefined);
    app = await buildApp(env);
  });
  after(async () => {
    await app.close();
    await receiver.stop();
    await tokens.stop();
  });

  for (const [version, issuer, claims] of [
    ['1.0', 'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/', { ver: '1.0', appid: APP_ID }],
    ['2.0', 'https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0', { ver: '2.0', azp: APP_ID }],
  ] as const) {
    it(`refuses an Emulator-issued (v${version}) token with 401, not a 500`, async () => {
      receiver.clear();
      const token = await tokens.token({ serviceUrl, issuer, key: await foreignKey(), claims });
      const res = await post(app, teamsMessage(serviceUrl, 'ERROR_IPSEC_IKE_SA_REAPED'), `Bearer ${token}`);
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.json().code, 'HD_ERR_UNAUTHORIZED');
      assert.equal(res.json().error, 'Unauthorized');
      assert.deepEqual(receiver.received, []);
    });
  }

  it('still accepts the channel\'s own tokens', async () => {
    const res = await post(app, teamsMessage(serviceUrl, 'help'), `Bearer ${await tokens.token({ serviceUrl })}`);
    assert.equal(res.statusCode, 200, res.body);
  });
});

describe('Bot Framework channel authentication when the metadata endpoint fails', () => {
  const receiver = new ConnectorReceiver();
  let serviceUrl = '';

  before(async () => {
    serviceUrl = await receiver.start();
  });
  after(async () => {
    await receiver.stop();
  });

  it('answers 503 HD_ERR_AUTH_UNAVAILABLE when the metadata endpoint is unreachable', async () => {
    const tokens = new ChannelTokenService();
    await tokens.start();
    const env = { ...channelAuthEnv(tokens, undefined), ToBotFromChannelOpenIdMetadataUrl: `http://127.0.0.1:${await closedPort()}/v1/.well-known/openidconfiguration` };
    const app = await buildApp(env);
    try {
      const res = await post(app, teamsMessage(serviceUrl, 'help'), `Bearer ${await tokens.token({ serviceUrl })}`);
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().code, 'HD_ERR_AUTH_UNAVAILABLE');
    } finally {
      await app.close();
      await tokens.stop();
    }
  });

  it('answers 503 when the metadata endpoint fails, and recovers once it answers again', async () => {
    const tokens = new ChannelTokenService();
    await tokens.start();
    const app = await buildApp(channelAuthEnv(tokens, undefined));
    try {
      tokens.mode = 'error';
      const failed = await post(app, teamsMessage(serviceUrl, 'help'), `Bearer ${await tokens.token({ serviceUrl })}`);
      assert.equal(failed.statusCode, 503, failed.body);
      tokens.mode = 'ok';
      // Local mode for replies is off (app id set, login authority unused): only the status matters here.
      const recovered = await post(app, teamsMessage(serviceUrl, 'help'), `Bearer ${await tokens.token({ serviceUrl })}`);
      assert.equal(recovered.statusCode, 200, recovered.body);
    } finally {
      await app.close();
      await tokens.stop();
    }
  });

  it('answers 503 within 5 s when the metadata endpoint never answers, and a later request succeeds', { timeout: 30_000 }, async () => {
    const tokens = new ChannelTokenService();
    await tokens.start();
    const app = await buildApp(channelAuthEnv(tokens, undefined));
    try {
      tokens.mode = 'hang';
      const token = await tokens.token({ serviceUrl });
      const started = Date.now();
      const [first, second] = await Promise.all([
        post(app, teamsMessage(serviceUrl, 'help'), `Bearer ${token}`),
        post(app, teamsMessage(serviceUrl, 'help'), `Bearer ${token}`),
      ]);
      const elapsed = Date.now() - started;
      assert.equal(first.statusCode, 503, first.body);
      assert.equal(second.statusCode, 503, second.body);
      assert.equal(first.json().code, 'HD_ERR_AUTH_UNAVAILABLE');
      // The deadline is the behaviour under test: the channel retries, so the answer must come before it gives up.
      assert.ok(elapsed < 5000, `answered after ${elapsed} ms`);

      tokens.mode = 'ok';
      const later = await post(app, teamsMessage(serviceUrl, 'help'), `Bearer ${token}`);
      assert.equal(later.statusCode, 200, later.body);
      assert.equal(tokens.metadataRequests, 1, 'the hung fetch was abandoned; the later request fetched the keys afresh');
    } finally {
      await app.close();
      await tokens.stop();
    }
  });
});
