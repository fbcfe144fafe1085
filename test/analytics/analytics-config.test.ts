import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { hashToken } from '../../src/handoff/agent-tokens.js';

describe('admin and metrics configuration', () => {
  it('has safe defaults: nobody in /admin, /metrics for loopback only, 30 minutes to abandonment', () => {
    const { analytics } = loadConfig({});
    assert.deepEqual(analytics.adminTokens, []);
    assert.equal(analytics.metricsToken, '');
    assert.equal(analytics.abandonedAfterMinutes, 30);
  });

  it('reads ADMIN_TOKENS in the AGENT_TOKENS format, METRICS_TOKEN and ABANDONED_AFTER_MINUTES', () => {
    const { analytics } = loadConfig({
      ADMIN_TOKENS: `carol:${hashToken('t').toString('hex')}`,
      METRICS_TOKEN: 'a-long-enough-metrics-token',
      ABANDONED_AFTER_MINUTES: '45',
    });
    assert.deepEqual(analytics.adminTokens.map((a) => a.name), ['carol']);
    assert.equal(analytics.metricsToken, 'a-long-enough-metrics-token');
    assert.equal(analytics.abandonedAfterMinutes, 45);
  });

  it('names the variable at fault', () => {
    assert.throws(() => loadConfig({ ADMIN_TOKENS: 'carol:not-a-hash' }), (err: unknown) => err instanceof ConfigError && /^ADMIN_TOKENS entry for "carol"/.test(err.message));
    assert.throws(() => loadConfig({ METRICS_TOKEN: 'short' }), /METRICS_TOKEN must be at least 16 characters/);
    assert.throws(() => loadConfig({ ABANDONED_AFTER_MINUTES: '0' }), /ABANDONED_AFTER_MINUTES must be an integer between 1 and 10080/);
  });
});
