import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { serverOptions } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has working defaults: 127.0.0.1:3978, ./data, SQLite', () => {
    const config = loadConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 3978);
    assert.match(config.dataDir, /[/\\]data$/);
    assert.equal(config.databaseUrl, '');
  });

  it('passes botbuilder keys through under their own names', () => {
    const config = loadConfig({ MicrosoftAppId: 'abc', MicrosoftAppPassword: 'pw', ToBotFromChannelTokenIssuer: 'https://issuer', HOST: '0.0.0.0' });
    assert.deepEqual(config.botFramework, { MicrosoftAppId: 'abc', MicrosoftAppPassword: 'pw', ToBotFromChannelTokenIssuer: 'https://issuer' });
  });

  it('refuses local mode (no app id) on a non-loopback address unless told to allow it', () => {
    assert.throws(() => loadConfig({ HOST: '0.0.0.0' }), (err: unknown) => err instanceof ConfigError && /MicrosoftAppId is empty/.test(err.message));
    assert.equal(loadConfig({ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED: 'true' }).host, '0.0.0.0');
    assert.equal(loadConfig({ HOST: '::1' }).host, '::1');
  });

  it('names the variable at fault', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT must be an integer/);
    assert.throws(() => loadConfig({ ALLOW_UNAUTHENTICATED: 'maybe' }), /ALLOW_UNAUTHENTICATED must be true or false/);
  });

  it('checks every variable against its schema, saying which one and why, without echoing secrets', () => {
    assert.throws(() => loadConfig({ WEBCHAT_ACCENT: 'blue' }), /^ConfigError: WEBCHAT_ACCENT must be a colour like #0063B1, got "blue"$/);
    assert.throws(() => loadConfig({ STAFF_TEAMS_LOCALE: 'fr' }), /STAFF_TEAMS_LOCALE must be ja or en, got "fr"/);
    assert.throws(() => loadConfig({ WEBHOOK_TIMEOUT_MS: '5' }), /WEBHOOK_TIMEOUT_MS must be an integer between 100 and 120000, got "5"/);
    assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/);
    assert.throws(
      () => loadConfig({ WEBCHAT_USER_ASSERTION_SECRET: 'too-short-secret' }),
      (err: unknown) => err instanceof ConfigError && /at least 32 characters$/.test(err.message) && !err.message.includes('too-short-secret'),
    );
    const config = loadConfig({ PORT: ' 8080 ', WEBCHAT_ANONYMOUS: 'off', DIRECTLINE_ACTIVITIES_PER_MINUTE: '30' });
    assert.deepEqual([config.port, config.webchat.anonymous, config.directline.activitiesPerMinute], [8080, false, 30]);
  });
});

describe('client addresses behind a proxy', () => {
  async function whoami(env: Record<string, string>, forwardedFor: string): Promise<string> {
    const app = Fastify(serverOptions(loadConfig(env), false));
    app.get('/whoami', async (request) => ({ ip: request.ip }));
    try {
      const res = await app.inject({ method: 'GET', url: '/whoami', headers: { 'x-forwarded-for': forwardedFor }, remoteAddress: '127.0.0.1' });
      return String(res.json().ip);
    } finally {
      await app.close();
    }
  }

  it('trusts no X-Forwarded-For by default, so a client cannot choose its own address for rate limits', async () => {
    assert.equal(await whoami({}, '10.9.9.9'), '127.0.0.1');
  });

  it('believes only the configured proxies', async () => {
    assert.equal(await whoami({ TRUST_PROXY: '127.0.0.1' }, '10.9.9.9'), '10.9.9.9');
    assert.equal(await whoami({ TRUST_PROXY: '192.0.2.0/24' }, '10.9.9.9'), '127.0.0.1');
    assert.equal(await whoami({ TRUST_PROXY: '1' }, '10.9.9.8, 10.9.9.9'), '10.9.9.9');
  });

  it('rejects a TRUST_PROXY it cannot read', () => {
    assert.throws(() => loadConfig({ TRUST_PROXY: 'everyone' }), /TRUST_PROXY must be/);
  });
});
