import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCatalogLoadError, loadErrorCatalog } from '../../src/understanding/error-catalog.js';
import { buildHresults, buildRas, buildWin32, findIncludeDir, parseHeader, renderJson } from '../../scripts/generate-catalog.js';

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
  // Nonsense finds nothing.
  assert.equal(catalog.byCode(0x100000000), undefined);
  assert.equal(catalog.byCode(1.5), undefined);
  assert.equal(catalog.byCode(-1), undefined);
});

test('every HRESULT of winerror.h is there with its facility decoded', () => {
  const fail = catalog.byCode(0x80004005);
  assert.equal(fail?.name, 'E_FAIL');
  assert.equal(fail?.kind, 'hresult');
  assert.equal(fail?.family, 'com');
  assert.equal(catalog.byCode(0x80004005 | 0)?.name, 'E_FAIL', 'signed, as -2147467259');
  assert.equal(catalog.byCode(0x80040154)?.name, 'REGDB_E_CLASSNOTREG');
  const untrusted = catalog.byCode(0x800b0109);
  assert.equal(untrusted?.name, 'CERT_E_UNTRUSTEDROOT');
  assert.equal(untrusted?.facility, 11);
  assert.equal(untrusted?.family, 'certificate');
  assert.equal(catalog.byCode(0x80092013)?.name, 'CRYPT_E_REVOCATION_OFFLINE');
  assert.equal(catalog.byCode(0x80092013)?.family, 'certificate');
  assert.equal(catalog.byName('SEC_E_WRONG_PRINCIPAL')?.family, 'security');
  assert.equal(catalog.byName('SEC_E_WRONG_PRINCIPAL')?.facility, 9);
  // 0x8007xxxx is the Win32 code inside; the HRESULT spelling stays as an alias.
  assert.deepEqual(catalog.aliases(0x80070005).map((e) => e.name), ['ERROR_ACCESS_DENIED', 'E_ACCESSDENIED']);
  assert.equal(catalog.byName('E_ACCESSDENIED')?.win32, 5);
  assert.equal(catalog.byName('E_NOT_SUFFICIENT_BUFFER')?.hex, '0x8007007A');
  // The two ERROR_* names winerror.h types as HRESULTs are HRESULTs here.
  assert.equal(catalog.byName('ERROR_AUDITING_DISABLED')?.hex, '0xC0090001');
  // An HRESULT the header does not name still decodes to its facility and family.
  assert.equal(catalog.byCode(0x800b7777), undefined);
  assert.deepEqual(catalog.decode(0x800b7777), {
    value: 0x800b7777, hex: '0x800B7777', failure: true, facility: 11, win32: null, family: 'certificate',
  });
  assert.equal(catalog.decode(0x8007ffff)?.win32, 0xffff);
  assert.equal(catalog.decode(0x3612), undefined, 'a Win32 code is not an HRESULT');
  for (const id of ['certificate', 'security', 'com', 'wfp']) {
    assert.match(catalog.family(id)?.description.ja ?? '', /(です|ます)。/, id);
    assert.ok((catalog.family(id)?.description.en.length ?? 0) > 60, id);
  }
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
    for (const f of ['families.yaml', 'ras.json', 'win32.json', 'hresult.json']) copyFileSync(join(catalogDir, f), join(dir, f));
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
  const winerror = readFileSync(join(include, 'winerror.h'), 'utf8');
  const win32 = renderJson(buildWin32(winerror));
  const ras = renderJson(buildRas(readFileSync(join(include, 'raserror.h'), 'utf8')));
  assert.equal(readFileSync(join(catalogDir, 'win32.json'), 'utf8'), win32, 'win32.json is stale: run npm run catalog:generate');
  assert.equal(readFileSync(join(catalogDir, 'hresult.json'), 'utf8'), renderJson(buildHresults(winerror)), 'hresult.json is stale');
  // Every code winerror.h defines is in the catalog; only bookkeeping macros and extra spellings of 0 are not.
  const bookkeeping = /^(FACILITY_|SEVERITY_|_)|_(BASE|FIRST|LAST)$|^DNS_ERROR_MASK$|BASEERR$/;
  const missing = parseHeader(winerror)
    .filter((d) => d.value !== undefined && d.value !== 0 && !bookkeeping.test(d.name))
    .filter((d) => !catalog.byName(d.name))
    .map((d) => d.name);
  assert.deepEqual(missing, []);
  assert.ok(catalog.byName('S_OK') && catalog.byName('ERROR_SUCCESS'));
  assert.equal(readFileSync(join(catalogDir, 'ras.json'), 'utf8'), ras, 'ras.json is stale: run npm run catalog:generate');
});
