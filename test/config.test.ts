import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});
