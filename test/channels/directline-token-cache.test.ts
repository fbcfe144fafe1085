import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { createTokenIssuer, TOKEN_LIFETIME_SECONDS } from '../../src/channels/directline/directline-tokens.js';

/** A conversation token is checked once and then remembered; what it grants and when it ends stay the same. */
describe('Direct Line tokens remembered as verified', () => {
  afterEach(() => mock.timers.reset());
  const grant = { conversationId: 'webchat:abc', user: { id: 'dl_u1', name: 'Taro', email: 'taro@example.com' } };

  it('grants the same conversation and user every time the token comes back', async () => {
    const issuer = createTokenIssuer('cache-test-secret-0123456789abcdef');
    const { token } = await issuer.issue(grant);
    const first = await issuer.verify(token);
    const again = await issuer.verify(token);
    assert.deepEqual(again, first);
    assert.equal(again.conversationId, 'webchat:abc');
    assert.equal(again.user.email, 'taro@example.com');
    // Each caller gets its own copy: changing one cannot change what the next request is granted.
    again.user.name = 'someone else';
    assert.equal((await issuer.verify(token)).user.name, 'Taro');
  });

  it('refuses a remembered token once it has expired, with the expiry message', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const issuer = createTokenIssuer('cache-test-secret-0123456789abcdef');
    const { token } = await issuer.issue(grant);
    await issuer.verify(token);
    mock.timers.tick(TOKEN_LIFETIME_SECONDS * 1000);
    await assert.rejects(issuer.verify(token), /has expired/);
  });

  it('refuses a token signed with another secret, even one this process verified before', async () => {
    const old = createTokenIssuer('the-old-secret-0123456789abcdef');
    const { token } = await old.issue(grant);
    await old.verify(token);
    await assert.rejects(createTokenIssuer('the-new-secret-0123456789abcdef').verify(token), /not valid/);
  });
});
