import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadStaffContent } from '../../src/content/staff-content.js';
import { ContentError } from '../../src/content/load-content.js';
import { projectRoot } from '../../src/project-root.js';

const CONTENT = join(projectRoot(), 'content');
const CONSOLE = join(projectRoot(), 'src', 'handoff', 'console');

describe('console words in content/ (ja and en, every key the page uses)', () => {
  const content = loadStaffContent(CONTENT);

  it('has every key that agent.html and agent.js use, in both languages', () => {
    const html = readFileSync(join(CONSOLE, 'agent.html'), 'utf8');
    const js = readFileSync(join(CONSOLE, 'agent.js'), 'utf8');
    const used = new Set<string>();
    for (const m of html.matchAll(/data-t(?:-[a-z-]+)?="([^"]+)"/g)) used.add(m[1] ?? '');
    for (const m of js.matchAll(/\bt\('([a-zA-Z.]+)'/g)) used.add(m[1] ?? '');
    // Keys built from a value: every value the API can send.
    const families: Record<string, string[]> = {
      status: ['queued', 'assigned', 'resolved', 'cancelled'],
      outcome: ['fixed', 'not_fixed', 'skipped', 'unsure', 'not_run'],
      reason: ['checks_failed', 'user_request'],
      event: ['created', 'assigned', 'message', 'released', 'resolved', 'reopened', 'cancelled', 'rated', 'note', 'transferred'],
      language: ['ja', 'en'],
      channel: ['msteams', 'webchat', 'emulator'],
    };
    for (const [family, values] of Object.entries(families)) {
      assert.ok(js.includes(`\`${family}.\${`), `agent.js builds ${family}.* keys`);
      for (const value of values) used.add(`${family}.${value}`);
    }
    assert.ok(used.size > 60, `found ${used.size} keys`);
    const missing = [...used].filter((key) => !content.console[key]);
    assert.deepEqual(missing, []);
    for (const [key, value] of Object.entries(content.console)) {
      assert.ok(value.ja.trim() && value.en.trim(), `${key} has both languages`);
      // Half-width only inside commands such as "npm run agent:token".
      assert.doesNotMatch(value.ja, /[?!()]|(?<![a-z]):(?![a-z])/, `${key}: Japanese uses full-width ？！：（）`);
    }
  });

  it('fails fast with the file and field when a canned reply uses an unknown placeholder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'helpdesk-content-'));
    try {
      cpSync(CONTENT, dir, { recursive: true });
      const file = join(dir, 'canned-replies.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('{user}、IT 担当の', '{username}、IT 担当の'));
      assert.throws(() => loadStaffContent(dir), (err: unknown) => err instanceof ContentError && /canned-replies\.yaml: field "\/0\/text\/ja": unknown placeholder \{username\}/.test(err.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the staff card words of both languages side by side', () => {
    assert.equal(content.staffCard.ja.take, '担当する');
    assert.equal(content.staffCard.en.take, 'Take');
    assert.match(content.staffCard.ja.guest, /\{number\}/);
    assert.match(content.staffCard.en.guest, /\{number\}/);
  });
});
