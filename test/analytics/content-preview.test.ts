import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { projectRoot } from '../../src/project-root.js';
import { tempDataDir } from '../helper.js';

const root = projectRoot();
const preview = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'content-preview.ts'), ...args], { cwd: root, encoding: 'utf8' });

describe('npm run content:preview', () => {
  const content = tempDataDir();
  after(() => content.cleanup());

  it('prints every path of a runbook in Japanese and English, as the employee reads it', () => {
    const run = preview('ras-vpn-timeout');
    assert.equal(run.status, 0, run.stderr);
    const [ja = '', en = ''] = run.stdout.split(/^=+ ras-vpn-timeout · English =+$/m);
    // 4 checks: fixed at each of them, none fixed, a person asked for.
    assert.equal(ja.match(/^--- 経路 \d\/6: /gm)?.length, 6);
    assert.equal(en.match(/^--- Path \d\/6: /gm)?.length, 6);
    assert.match(ja, /確認 3\/3：/);
    assert.match(ja, /表示されているのは ERROR_VPN_TIMEOUT（809 \/ 0x00000329）ですね。/);
    assert.match(ja, /社員: ［具体的には？］/);
    assert.match(ja, /チケット HD-000123 を作成しました。/);
    assert.match(en, /Check 3 of 3: /);
    assert.match(en, /Employee: ［Show me how］/);
    assert.match(en, /Employee: ［Talk to IT］/);
  });

  it('previews a new file before any reload, and names the file and field of a broken one', () => {
    cpSync(join(root, 'content'), content.dir, { recursive: true });
    cpSync(join(root, 'test', 'analytics', 'fixtures', 'ras-smart-card-required.yaml'), join(content.dir, 'runbooks', 'ras-smart-card-required.yaml'));
    const run = preview('ras-smart-card-required', content.dir);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /確認 2\/2：Windows がカードリーダーを認識しているか/);
    assert.match(run.stdout, /Check 2 of 2: Whether Windows sees the card reader/);

    writeFileSync(join(content.dir, 'runbooks', 'zz-broken.yaml'), 'id: zz-broken\nerrors: []\n');
    const broken = preview('ras-smart-card-required', content.dir);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /content\/runbooks\/zz-broken\.yaml: field "\/title"|zz-broken\.yaml: field "\//);

    const unknown = preview('no-such-runbook');
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /runbooks: .*ras-vpn-timeout/);
  });
});
