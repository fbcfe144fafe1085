import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkContent } from '../../scripts/content-check.js';
import { projectRoot } from '../../src/project-root.js';

const root = projectRoot();

describe('npm run content:check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'content-check-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes the committed content and walks every runbook machine', () => {
    const report = checkContent(join(root, 'content'));
    assert.deepEqual(report.faults, []);
    assert.ok(report.runbooks >= 8);
    assert.ok(report.states > report.runbooks);
    // Audiences: the seed's runbook walks the employee through 4 checks and leaves 4 to IT.
    assert.deepEqual(report.audiences.find((a) => a.id === 'ipsec-ike-sa-reaped'), { id: 'ipsec-ike-sa-reaped', employee: 4, it: 4 });
  });

  it('keeps employees away from IT checks and holds the texts to the style guide', () => {
    const styled = mkdtempSync(join(tmpdir(), 'content-style-'));
    try {
      cpSync(join(root, 'content'), styled, { recursive: true });
      const file = join(styled, 'runbooks', 'vpn-general.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8')
          .replace(/audience: employee/g, 'audience: it')
          .replace('plainTitle:\n  ja: VPN がつながらない・不安定', 'plainTitle:\n  ja: VPN がつながらない?')
          .replace('signals: {', 'signals: {noSuchSignal: 1, '),
      );
      const messages = join(styled, 'messages.yaml');
      writeFileSync(messages, readFileSync(messages, 'utf8').replace('  en: Was this helpful?', '  en: Was this helpful？'));
      const faults = checkContent(styled).faults.map((f) => `${f.file.replace(/^.*content-style-[^/]+\//, '')}: ${f.field}: ${f.problem}`);
      const has = (pattern: RegExp) => assert.ok(faults.some((f) => pattern.test(f)), `${pattern}\n${faults.join('\n')}`);
      has(/vpn-general\.yaml: \/checks: no check with audience: employee/);
      has(/vpn-general\.yaml: \/plainTitle\/ja: half-width "\?"/);
      has(/vpn-general\.yaml: \/signals\/noSuchSignal/);
      has(/messages\.yaml: \/askHelpful\/en: "？" in English text/);
    } finally {
      rmSync(styled, { recursive: true, force: true });
    }
  });

  it('names the file and field of each fault and exits non-zero', () => {
    cpSync(join(root, 'content'), dir, { recursive: true });
    const file = join(dir, 'runbooks', 'ras-vpn-timeout.yaml');
    const broken = readFileSync(file, 'utf8')
      .replace('errors: [ERROR_VPN_TIMEOUT]', 'errors: [ERROR_VPN_TIMEOUT, ERROR_VPN_TIMEOUTT]')
      .replace('  ja: VPN サーバーから応答がない', '  ja: VPN サーバーから応答がない（エラー 809）')
      .replace(/(        - VPN 接続の「詳細オプション」で「VPN の種類」を確認します。\n)/, '$1        - 余分な手順です。\n');
    writeFileSync(file, broken);
    writeFileSync(join(dir, 'runbooks', 'broken.yaml'), 'id: Broken Id\nerrors: []\n');

    const faults = checkContent(dir).faults.map((f) => `${f.file.replace(/^.*content-check-[^/]+\//, '')}: ${f.field}`);
    assert.ok(faults.includes('runbooks/ras-vpn-timeout.yaml: /errors/1'), faults.join('\n'));
    assert.ok(faults.includes('runbooks/ras-vpn-timeout.yaml: /title/ja'), faults.join('\n'));
    assert.ok(faults.includes('runbooks/ras-vpn-timeout.yaml: /checks/3/specifics'), faults.join('\n'));
    assert.ok(faults.includes('runbooks/broken.yaml: /id'), faults.join('\n'));

    const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'content-check.ts'), dir], { encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /ras-vpn-timeout\.yaml: \/errors\/1: ERROR_VPN_TIMEOUTT is not in the error catalog/);
  });
});
