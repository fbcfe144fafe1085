import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import {
  DEFAULT_APP_PACKAGE_DIR,
  TeamsPackageError,
  buildTeamsPackage,
  validateAgainstSchema,
  validateManifest,
} from '../../scripts/build-teams-package.js';

const BOT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const PUBLIC_URL = 'https://helpdesk.example.com';

interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  pixels: Uint8Array;
}

/** Minimal PNG reader for 8-bit RGB/RGBA, non-interlaced: enough to check the icons Teams gets. */
function decodePng(png: Uint8Array): DecodedPng {
  const buf = Buffer.from(png);
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  let width = 0;
  let height = 0;
  let colorType = -1;
  const idat: Buffer[] = [];
  for (let offset = 8; offset < buf.length; ) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    const data = buf.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, 'bit depth 8');
      colorType = data[9] ?? -1;
      assert.equal(data[12], 0, 'not interlaced');
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    offset += 12 + length;
  }
  assert.ok(colorType === 2 || colorType === 6, `colour type ${colorType} is RGB or RGBA`);
  const channels = colorType === 6 ? 4 : 3;
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  const rows = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] ?? 0;
      const left = x >= channels ? (rows[y * stride + x - channels] ?? 0) : 0;
      const up = y > 0 ? (rows[(y - 1) * stride + x] ?? 0) : 0;
      const upLeft = x >= channels && y > 0 ? (rows[(y - 1) * stride + x - channels] ?? 0) : 0;
      let predictor = 0;
      if (filter === 1) predictor = left;
      else if (filter === 2) predictor = up;
      else if (filter === 3) predictor = Math.floor((left + up) / 2);
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        predictor = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      } else assert.equal(filter, 0, `row ${y}: unknown filter ${filter}`);
      rows[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  const pixels = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) pixels[i * 4 + c] = rows[i * channels + c] ?? 0;
    pixels[i * 4 + 3] = channels === 4 ? (rows[i * channels + 3] ?? 0) : 255;
  }
  return { width, height, pixels };
}

function parseJson(bytes: Uint8Array | undefined, name: string): Record<string, unknown> {
  assert.ok(bytes, `${name} is in the zip`);
  const parsed: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
  assert.ok(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), `${name} is a JSON object`);
  return Object.fromEntries(Object.entries(parsed));
}

describe('Teams app package', () => {
  let dir: string;
  let entries: Record<string, Uint8Array>;
  let manifest: Record<string, unknown>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'teams-app-'));
    const outFile = join(dir, 'out', 'teams-app.zip');
    const result = buildTeamsPackage({ botId: BOT_ID, publicUrl: `${PUBLIC_URL}/`, outFile, appVersion: '1.2.3' });
    assert.equal(result.outFile, outFile);
    entries = unzipSync(readFileSync(outFile));
    manifest = parseJson(entries['manifest.json'], 'manifest.json');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the manifest, the Japanese strings and both icons at the zip root', () => {
    assert.deepEqual(Object.keys(entries).sort(), ['color.png', 'ja-jp.json', 'manifest.json', 'outline.png']);
  });

  it('fills in the bot id, app id, public URL, host and version', () => {
    const bots = manifest['bots'];
    assert.ok(Array.isArray(bots));
    const bot: unknown = bots[0];
    assert.ok(typeof bot === 'object' && bot !== null && 'botId' in bot);
    assert.equal(bot.botId, BOT_ID);
    assert.equal(manifest['id'], BOT_ID);
    assert.equal(manifest['version'], '1.2.3');
    assert.deepEqual(manifest['validDomains'], ['helpdesk.example.com']);
    assert.deepEqual(manifest['developer'], {
      name: 'IT Helpdesk',
      websiteUrl: PUBLIC_URL,
      privacyUrl: PUBLIC_URL,
      termsOfUseUrl: PUBLIC_URL,
    });
  });

  it('leaves no ${{…}} placeholder in any text file', () => {
    for (const name of ['manifest.json', 'ja-jp.json']) {
      const text = Buffer.from(entries[name] ?? new Uint8Array()).toString('utf8');
      assert.ok(text.length > 0, `${name} is not empty`);
      assert.doesNotMatch(text, /\$\{\{/, name);
    }
  });

  it('passes Microsoft\'s JSON schema for its manifest version, offline', () => {
    assert.equal(manifest['manifestVersion'], '1.30');
    assert.deepEqual(validateManifest(manifest), []);
    const ja = parseJson(entries['ja-jp.json'], 'ja-jp.json');
    assert.deepEqual(validateAgainstSchema('localization', ja, '1.30'), []);
    assert.equal(ja['name.short'], 'ITヘルプデスク');
  });

  it('offers the bot to employees (personal) and to the IT staff channel (team)', () => {
    const bots = manifest['bots'];
    assert.ok(Array.isArray(bots));
    const bot: unknown = bots[0];
    assert.ok(typeof bot === 'object' && bot !== null && 'scopes' in bot && 'supportsFiles' in bot);
    assert.ok(Array.isArray(bot.scopes));
    assert.ok(bot.scopes.includes('personal') && bot.scopes.includes('team'));
    assert.equal(bot.supportsFiles, false);
  });

  it('has a 192×192 colour icon and a 32×32 outline icon', () => {
    const color = decodePng(entries['color.png'] ?? new Uint8Array());
    assert.deepEqual([color.width, color.height], [192, 192]);
    const outline = decodePng(entries['outline.png'] ?? new Uint8Array());
    assert.deepEqual([outline.width, outline.height], [32, 32]);
  });

  it('draws the outline icon in white on a transparent background only', () => {
    const { pixels } = decodePng(entries['outline.png'] ?? new Uint8Array());
    let transparent = 0;
    let opaque = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
      if (a === 0) transparent++;
      else assert.deepEqual([r, g, b], [255, 255, 255], `pixel ${i / 4} is white (alpha ${a})`);
      if (a === 255) opaque++;
    }
    assert.ok(transparent > 32 * 32 * 0.4, `mostly transparent background (${transparent} px)`);
    assert.ok(opaque > 32 * 4, `a visible glyph (${opaque} px fully white)`);
  });

  it('rejects a bot id that is not a GUID, naming the field', () => {
    assert.throws(
      () => buildTeamsPackage({ botId: 'helpdesk-bot', publicUrl: PUBLIC_URL, outFile: join(dir, 'bad.zip') }),
      (err: unknown) => {
        assert.ok(err instanceof TeamsPackageError);
        assert.ok(
          err.problems.some((p) => p.includes('/bots/0/botId') && p.includes('"helpdesk-bot"')),
          err.message,
        );
        return true;
      },
    );
    const bad = { ...manifest, bots: [{ botId: 'not-a-guid', scopes: ['personal'] }] };
    const problems = validateManifest(bad);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0] ?? '', /^\/bots\/0\/botId must match pattern/);
  });

  it('rejects a plain-http public URL with a message saying why', () => {
    assert.throws(
      () => buildTeamsPackage({ botId: BOT_ID, publicUrl: 'http://helpdesk.example.com', outFile: join(dir, 'x.zip') }),
      /PUBLIC_URL must use https/,
    );
  });

  it('reports unknown placeholders and localization keys that name nothing in the manifest', () => {
    const appPackageDir = join(dir, 'appPackage');
    cpSync(DEFAULT_APP_PACKAGE_DIR, appPackageDir, { recursive: true });
    const ja = parseJson(readFileSync(join(appPackageDir, 'ja-jp.json')), 'ja-jp.json');
    ja['bots[0].commandLists[0].commands[7].title'] = 'ないコマンド';
    ja['name.full'] = '${{NOT_A_SETTING}}';
    writeFileSync(join(appPackageDir, 'ja-jp.json'), JSON.stringify(ja));
    assert.throws(
      () => buildTeamsPackage({ botId: BOT_ID, publicUrl: PUBLIC_URL, outFile: join(dir, 'y.zip'), appPackageDir }),
      (err: unknown) => {
        assert.ok(err instanceof TeamsPackageError);
        assert.ok(err.problems.some((p) => p.includes('commands[7].title') && p.includes('names no text')), err.message);
        assert.ok(err.problems.some((p) => p.includes('${{NOT_A_SETTING}}')), err.message);
        return true;
      },
    );
  });
});
