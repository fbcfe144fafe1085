import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCatalogLoadError, loadErrorCatalog } from '../../src/understanding/error-catalog.js';
import { buildRas, buildWin32, findIncludeDir, renderJson } from '../../scripts/generate-catalog.js';

const catalogDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../content/catalog');
const catalog = loadErrorCatalog();

test('the seed error: 13808 is ERROR_IPSEC_IKE_SA_REAPED, 0x000035F0, HRESULT 0x800735F0', () => {
  const entry = catalog.byCode(13808);
  assert.equal(entry?.name, 'ERROR_IPSEC_IKE_SA_REAPED');
  assert.equal(entry?.hex, '0x000035F0');
  assert.equal(entry?.hresult, '0x800735F0');
  assert.equal(entry?.family, 'ipsec-ike');
  assert.equal(entry?.source, 'winerror');
  assert.deepEqual(catalog.byName('ERROR_IPSEC_IKE_SA_REAPED'), entry);
  assert.deepEqual(catalog.byCode(0x35f0), entry);
});

test("the seed's title code 0x00003612 is a different error: ERROR_IPSEC_IKE_PROCESS_ERR_VENDOR (13842)", () => {
  const entry = catalog.byCode(0x3612);
  assert.equal(entry?.code, 13842);
  assert.equal(entry?.name, 'ERROR_IPSEC_IKE_PROCESS_ERR_VENDOR');
  assert.notEqual(entry?.code, catalog.byName('ERROR_IPSEC_IKE_SA_REAPED')?.code);
});

test('the IKE codes helpdesks see carry their winerror.h names', () => {
  const expected: Array<[number, string]> = [
    [13801, 'ERROR_IPSEC_IKE_AUTH_FAIL'],
    [13805, 'ERROR_IPSEC_IKE_TIMED_OUT'],
    [13806, 'ERROR_IPSEC_IKE_NO_CERT'],
  ];
  for (const [code, name] of expected) {
    const entry = catalog.byCode(code);
    assert.equal(entry?.name, name, `code ${code}`);
    assert.equal(entry?.family, 'ipsec-ike', `family of ${code}`);
  }
});

test('the VPN dialog codes carry their raserror.h names', () => {
  const expected: Array<[number, string]> = [
    [691, 'ERROR_AUTHENTICATION_FAILURE'],
    [789, 'ERROR_OAKLEY_GENERAL_PROCESSING'],
    [809, 'ERROR_VPN_TIMEOUT'],
    [812, 'ERROR_SERVER_POLICY'],
  ];
  for (const [code, name] of expected) {
    const entry = catalog.byCode(code);
    assert.equal(entry?.name, name, `code ${code}`);
    assert.equal(entry?.source, 'raserror', `source of ${code}`);
    assert.equal(entry?.family, 'ras', `family of ${code}`);
  }
  assert.equal(catalog.byName('ERROR_VPN_TIMEOUT')?.hex, '0x00000329');
});

test('where both headers use a code, the RAS meaning comes first and the other stays as an alias', () => {
  const names = catalog.aliases(731).map((e) => `${e.source}:${e.name}`);
  assert.deepEqual(names, ['raserror:ERROR_PROTOCOL_NOT_CONFIGURED', 'winerror:ERROR_WAIT_1']);
  assert.equal(catalog.byCode(731)?.name, 'ERROR_PROTOCOL_NOT_CONFIGURED');
});

test('an HRESULT maps back to its Win32 code, unsigned or signed', () => {
  assert.equal(catalog.byCode(0x800735f0)?.name, 'ERROR_IPSEC_IKE_SA_REAPED');
  assert.equal(catalog.byCode(0x800735f0 | 0)?.name, 'ERROR_IPSEC_IKE_SA_REAPED'); // -2147010064
  assert.equal(catalog.byCode(0x80070005)?.name, 'ERROR_ACCESS_DENIED');
  assert.equal(catalog.aliases(0x80070000 | 809)[0]?.name, 'ERROR_VPN_TIMEOUT');
  // Not Win32-based HRESULTs, or nonsense, find nothing.
  assert.equal(catalog.byCode(0x80040154), undefined);
  assert.equal(catalog.byCode(0x100000000), undefined);
  assert.equal(catalog.byCode(1.5), undefined);
  assert.equal(catalog.byCode(-1), undefined);
});

test('names are matched case-insensitively but exactly', () => {
  assert.equal(catalog.byName('error_ipsec_ike_sa_reaped')?.code, 13808);
  assert.equal(catalog.byName('Error_Vpn_Timeout')?.code, 809);
  assert.equal(catalog.byName('ERROR_IPSEC_IKE_SA'), undefined);
  assert.equal(catalog.byName('IPSEC_IKE_SA_REAPED'), undefined);
});

test('aliases keep every name of a code, the first defined in the header first', () => {
  const names = catalog.aliases(13).map((e) => e.name);
  assert.equal(names[0], 'ERROR_INVALID_DATA');
  assert.ok(names.length > 1, 'ERROR_INVALID_DATA has an alias');
  assert.equal(catalog.byCode(0)?.name, 'ERROR_SUCCESS');
  assert.equal(catalog.byCode(0)?.hresult, null);
  assert.deepEqual(catalog.aliases(65000), []);
  assert.equal(catalog.byCode(65000), undefined);
});

test('common non-ERROR_ names in the Win32 space are there too', () => {
  assert.equal(catalog.byCode(10060)?.name, 'WSAETIMEDOUT');
  assert.equal(catalog.byCode(10060)?.family, 'network');
  assert.equal(catalog.byCode(1722)?.name, 'RPC_S_SERVER_UNAVAILABLE');
  assert.equal(catalog.byCode(1722)?.family, 'rpc');
  assert.equal(catalog.byName('FACILITY_WIN32'), undefined);
});

test('every family used by an entry is described in Japanese and English', () => {
  const ike = catalog.family('ipsec-ike');
  assert.equal(ike?.id, 'ipsec-ike');
  assert.match(ike?.title.ja ?? '', /IKE/);
  assert.match(ike?.description.ja ?? '', /です|ます/);
  assert.ok((ike?.description.en.length ?? 0) > 40);
  assert.equal(catalog.family('no-such-family'), undefined);
  const seen = new Set<string>();
  for (let code = 0; code <= 0xffff; code++) for (const e of catalog.aliases(code)) seen.add(e.family);
  for (const id of seen) assert.ok(catalog.family(id), `family ${id} is described`);
  assert.ok(catalog.size > 2000, `size ${catalog.size}`);
});

test('a broken catalog file fails fast, naming the file and the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
  try {
    for (const f of ['families.yaml', 'ras.json', 'win32.json']) copyFileSync(join(catalogDir, f), join(dir, f));
    const ras: unknown = JSON.parse(readFileSync(join(dir, 'ras.json'), 'utf8'));
    assert.ok(Array.isArray(ras));
    ras[3] = { ...ras[3], hex: '0x0000FFFF' };
    writeFileSync(join(dir, 'ras.json'), JSON.stringify(ras));
    assert.throws(() => loadErrorCatalog(dir), (err: unknown) => {
      assert.ok(err instanceof ErrorCatalogLoadError);
      assert.match(err.message, /ras\.json: \/3\/hex/);
      return true;
    });
    ras[3] = { ...ras[3], code: '603' };
    writeFileSync(join(dir, 'ras.json'), JSON.stringify(ras));
    assert.throws(() => loadErrorCatalog(dir), /ras\.json: \/3\/code/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the committed JSON is exactly what the headers produce', (t) => {
  const include = findIncludeDir();
  if (!include) {
    t.skip('header not present');
    return;
  }
  const win32 = renderJson(buildWin32(readFileSync(join(include, 'winerror.h'), 'utf8')));
  const ras = renderJson(buildRas(readFileSync(join(include, 'raserror.h'), 'utf8')));
  assert.equal(readFileSync(join(catalogDir, 'win32.json'), 'utf8'), win32, 'win32.json is stale: run npm run catalog:generate');
  assert.equal(readFileSync(join(catalogDir, 'ras.json'), 'utf8'), ras, 'ras.json is stale: run npm run catalog:generate');
});
