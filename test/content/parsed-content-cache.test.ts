import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadContent } from '../../src/content/load-content.js';
import { projectRoot } from '../../src/project-root.js';

/**
 * Start-up reads parsed runbooks from a cache keyed by each file's text. An admin who edits a runbook must see the
 * edit on the next start, and a broken edit must still stop start-up with the file and field at fault.
 */
describe('parsed content cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'helpdesk-content-'));
  const contentDir = join(dir, 'content');
  const cacheFile = join(dir, 'cache', 'parsed-content.json');
  cpSync(join(projectRoot(), 'content'), contentDir, { recursive: true });
  const runbookFile = join(contentDir, 'runbooks', 'ipsec-ike-sa-reaped.yaml');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same content from the cache as from the YAML', () => {
    const parsed = loadContent(contentDir, cacheFile);
    const cached = loadContent(contentDir, cacheFile);
    assert.deepEqual([...cached.runbooks], [...parsed.runbooks]);
    assert.deepEqual(cached.messages, parsed.messages);
    assert.equal(cached.hash, parsed.hash);
  });

  it('reads an edited runbook anew on the next start', () => {
    loadContent(contentDir, cacheFile);
    const original = readFileSync(runbookFile, 'utf8');
    writeFileSync(runbookFile, original.replace('ja: VPN（IPsec/IKE）の接続が確立前に打ち切られた', 'ja: VPN の接続が途中で切れた'));
    const edited = loadContent(contentDir, cacheFile);
    assert.equal(edited.runbooks.get('ipsec-ike-sa-reaped')?.title.ja, 'VPN の接続が途中で切れた');
    writeFileSync(runbookFile, original);
    assert.equal(loadContent(contentDir, cacheFile).runbooks.get('ipsec-ike-sa-reaped')?.title.ja, 'VPN（IPsec/IKE）の接続が確立前に打ち切られた');
  });

  it('still stops start-up on a wrong field, naming the file and the field', () => {
    const original = readFileSync(runbookFile, 'utf8');
    writeFileSync(runbookFile, original.replace('id: ipsec-ike-sa-reaped', 'id: 42'));
    try {
      assert.throws(() => loadContent(contentDir, cacheFile), /ipsec-ike-sa-reaped\.yaml: field "\/id"/);
    } finally {
      writeFileSync(runbookFile, original);
    }
  });

  it('works when the cache cannot be written (a read-only installation)', () => {
    const unwritable = join(runbookFile, 'not-a-directory', 'cache.json');
    const content = loadContent(contentDir, unwritable);
    assert.ok(content.runbooks.has('ipsec-ike-sa-reaped'));
  });
});
