/**
 * Generates content/catalog/win32.json and content/catalog/ras.json from the
 * public-domain mingw-w64 headers winerror.h and raserror.h.
 *
 *   tsx scripts/generate-catalog.ts [INCLUDE_DIR] [--fetch] [--out DIR]
 *
 * Where the headers come from, first match wins:
 *   1. INCLUDE_DIR argument, 2. env MINGW_INCLUDE,
 *   3. /usr/share/mingw-w64/include (package mingw-w64-common installed),
 *   4. /tmp/mingw-w64/usr/share/mingw-w64/include (a cached `dpkg -x`).
 * With --fetch and no headers found, the script runs `apt-get download
 * mingw-w64-common` and `dpkg -x` into /tmp/mingw-w64 (nothing is installed).
 *
 * What goes in:
 *   win32.json: every object-like macro of winerror.h whose value is a plain
 *     Win32 error code (0..0xFFFF and not typed as an HRESULT). That is every
 *     ERROR_* code, plus the other names that live in the same numeric space
 *     and that people do quote: WSA* (Winsock, 10000+), RPC_S_/RPC_X_/EPT_S_,
 *     DNS_*, WAIT_TIMEOUT, FRS_ERR_*, OR_*, APPMODEL_ERROR_*, … A deny-list is
 *     simpler and safer than an allow-list here: left out are bookkeeping
 *     macros (FACILITY_*, SEVERITY_*, …_BASE, …_FIRST, …_LAST, masks) and the
 *     zero-valued "success" spellings other than ERROR_SUCCESS and NO_ERROR.
 *     The two ERROR_* names that winerror.h defines as HRESULTs
 *     (ERROR_AUDITING_DISABLED, ERROR_ALL_SIDS_FILTERED = 0xC009000x) are left
 *     out: they are not Win32 codes.
 *   hresult.json: every other code of winerror.h: the HRESULTs (E_*, S_*, SEC_E_*,
 *     CERT_E_*, CRYPT_E_*, TRUST_E_*, CO_E_*, RPC_E_*, …, typed through
 *     _HRESULT_TYPEDEF_, an (HRESULT) cast or HRESULT_FROM_WIN32) and the two
 *     ERROR_* names with HRESULT values. Each carries its facility decoded:
 *     facility 7 (0x8007xxxx) gives the Win32 code it wraps; 9 and 11
 *     (0x8009xxxx, 0x800Bxxxx) are the security and certificate families.
 *     Same deny-list of bookkeeping macros (…_FIRST, …_LAST, FACILITY_*).
 *   ras.json: every ERROR_* / PENDING / WARNING_* macro of raserror.h in
 *     600..899, with RASBASE+n evaluated. Names under every WINVER branch are
 *     kept: the header defines some only for WINVER < 0x600 (pre-Vista) and
 *     some only for newer versions; they never share a number, and an old PC
 *     or server can still report them.
 * Families: see familyOf() below and content/catalog/families.yaml.
 * Aliases (several names, one code) are all kept; the loader treats the one
 * defined first in the header as primary, so each file keeps header order
 * within one code (sort is by code, then header position; `name` breaks no
 * ties because header order is the meaningful one).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type CatalogSource = 'winerror' | 'raserror';

export interface GeneratedEntry {
  name: string;
  code: number;
  hex: string;
  hresult: string | null;
  family: string;
  source: CatalogSource;
}

export interface GeneratedHresult {
  name: string;
  /** The HRESULT as an unsigned 32-bit number. */
  code: number;
  hex: string;
  /** Bits 16..28 of the HRESULT. */
  facility: number;
  /** FACILITY_* name from winerror.h, or null for a facility the header does not name. */
  facilityName: string | null;
  /** The Win32 code a facility-7 HRESULT wraps (HRESULT_FROM_WIN32), else null. */
  win32: number | null;
  /** True for failure codes (severity bit set); S_* / …_S_* / SEC_I_* are successes. */
  failure: boolean;
  family: string;
  source: 'winerror';
}

export interface MacroDefinition {
  name: string;
  /** 1-based line in the header */
  line: number;
  /** evaluated value, or undefined when the expression is not a constant we understand */
  value: number | undefined;
  /** true when the value went through _HRESULT_TYPEDEF_ or an (HRESULT)/(SCODE) cast */
  isHresult: boolean;
}

export const DEFAULT_INCLUDE_DIRS = [
  '/usr/share/mingw-w64/include',
  '/tmp/mingw-w64/usr/share/mingw-w64/include',
] as const;

const FETCH_ROOT = '/tmp/mingw-w64';

// ---------------------------------------------------------------------------
// Parsing: a tiny evaluator for the constant expressions the headers use.

type Token =
  | { kind: 'num'; value: number }
  | { kind: 'ident'; value: string }
  | { kind: 'punct'; value: string };

function tokenize(expr: string): Token[] | undefined {
  const tokens: Token[] = [];
  const re = /\s*(?:(0[xX][0-9a-fA-F]+|\d+)[uUlL]*|([A-Za-z_]\w*)|(<<|>>|[()+\-|]))/y;
  let pos = 0;
  while (pos < expr.length) {
    if (/^\s*$/.test(expr.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(expr);
    if (!m) return undefined;
    if (m[1] !== undefined) tokens.push({ kind: 'num', value: Number(m[1]) });
    else if (m[2] !== undefined) tokens.push({ kind: 'ident', value: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: 'punct', value: m[3] });
    pos = re.lastIndex;
  }
  return tokens;
}

/** Type names that appear as casts in the headers. */
const CAST_TYPES = new Set(['HRESULT', 'SCODE', 'DWORD', 'LONG', 'long', 'unsigned', 'int', 'ULONG']);
const HRESULT_CASTS = new Set(['HRESULT', 'SCODE']);
/** Function-like wrappers that leave the value alone. */
const WRAPPERS = new Set(['__MSABI_LONG', '_HRESULT_TYPEDEF_', 'HRESULT_FROM_WIN32']);

/** HRESULT_FROM_WIN32 as winerror.h defines it: 0 and negatives unchanged, else 0x8007 in the high word. */
export function hresultFromWin32(code: number): number {
  return code <= 0 ? code : ((code & 0xffff) | 0x80070000) >>> 0;
}

interface Evaluated {
  value: number;
  isHresult: boolean;
}

class Evaluator {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly known: ReadonlyMap<string, MacroDefinition>,
  ) {}

  run(): Evaluated | undefined {
    const result = this.expression();
    if (!result || this.pos !== this.tokens.length) return undefined;
    return { value: result.value >>> 0, isHresult: result.isHresult };
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private isPunct(value: string, offset = 0): boolean {
    const t = this.tokens[this.pos + offset];
    return t !== undefined && t.kind === 'punct' && t.value === value;
  }

  private expression(): Evaluated | undefined {
    let left = this.unary();
    while (left) {
      const t = this.peek();
      if (!t || t.kind !== 'punct' || !['+', '-', '|', '<<'].includes(t.value)) break;
      this.pos++;
      const right = this.unary();
      if (!right) return undefined;
      const isHresult = left.isHresult || right.isHresult;
      if (t.value === '+') left = { value: left.value + right.value, isHresult };
      else if (t.value === '-') left = { value: left.value - right.value, isHresult };
      else if (t.value === '|') left = { value: (left.value | right.value) >>> 0, isHresult };
      else left = { value: (left.value << right.value) >>> 0, isHresult };
    }
    return left;
  }

  private unary(): Evaluated | undefined {
    const t = this.peek();
    if (!t) return undefined;
    if (t.kind === 'num') {
      this.pos++;
      return { value: t.value, isHresult: false };
    }
    if (t.kind === 'ident') {
      this.pos++;
      if (WRAPPERS.has(t.value)) {
        if (!this.isPunct('(')) return undefined;
        this.pos++;
        const inner = this.expression();
        if (!inner || !this.isPunct(')')) return undefined;
        this.pos++;
        if (t.value === 'HRESULT_FROM_WIN32') return { value: hresultFromWin32(inner.value), isHresult: true };
        return { value: inner.value, isHresult: inner.isHresult || t.value === '_HRESULT_TYPEDEF_' };
      }
      const ref = this.known.get(t.value);
      if (!ref || ref.value === undefined) return undefined;
      return { value: ref.value, isHresult: ref.isHresult };
    }
    if (t.value === '-') {
      this.pos++;
      const inner = this.unary();
      return inner && { value: -inner.value, isHresult: inner.isHresult };
    }
    if (t.value !== '(') return undefined;
    // A cast such as (HRESULT) or (unsigned long), or a parenthesised expression.
    const castTypes: string[] = [];
    let look = this.pos + 1;
    for (let tok = this.tokens[look]; tok?.kind === 'ident' && CAST_TYPES.has(tok.value); tok = this.tokens[look]) {
      castTypes.push(tok.value);
      look++;
    }
    const closing = this.tokens[look];
    if (castTypes.length > 0 && closing?.kind === 'punct' && closing.value === ')') {
      this.pos = look + 1;
      const inner = this.unary();
      if (!inner) return undefined;
      return { value: inner.value, isHresult: inner.isHresult || castTypes.some((c) => HRESULT_CASTS.has(c)) };
    }
    this.pos++;
    const inner = this.expression();
    if (!inner || !this.isPunct(')')) return undefined;
    this.pos++;
    return inner;
  }
}

/**
 * Reads every object-like `#define NAME value` in header order and evaluates
 * it against the macros defined before it. Function-like macros are skipped.
 * Conditional blocks are not interpreted: every branch is read (the headers
 * only use them for WINVER variants and for #ifndef guards).
 */
export function parseHeader(text: string): MacroDefinition[] {
  const known = new Map<string, MacroDefinition>();
  const ordered: MacroDefinition[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.replace(/\/\*.*?\*\//g, '').replace(/\/\/.*$/, '');
    const m = /^\s*#\s*define\s+([A-Za-z_]\w*)(\(?)(.*)$/.exec(line);
    if (!m || m[1] === undefined) return;
    if (m[2] === '(') return; // function-like macro
    const name = m[1];
    const body = (m[3] ?? '').trim();
    const tokens = body === '' ? undefined : tokenize(body);
    const evaluated = tokens && new Evaluator(tokens, known).run();
    const def: MacroDefinition = {
      name,
      line: index + 1,
      value: evaluated?.value,
      isHresult: evaluated?.isHresult ?? false,
    };
    const previous = known.get(name);
    if (previous) {
      if (previous.value !== def.value) {
        throw new Error(`${name} defined twice with different values (lines ${previous.line} and ${def.line})`);
      }
      return; // a repeated guard definition: keep the first
    }
    known.set(name, def);
    ordered.push(def);
  });
  return ordered;
}

// ---------------------------------------------------------------------------
// Selection and families.

const BOOKKEEPING_PREFIX = /^(FACILITY_|SEVERITY_|_)/;
const BOOKKEEPING_SUFFIX = /(_BASE|_FIRST|_LAST|_MASK|BASEERR)$/;
const SUCCESS_NAMES = new Set(['ERROR_SUCCESS', 'NO_ERROR']);

/** A macro of winerror.h that names a Win32 error code (value already known to be 0..0xFFFF). */
function isWin32Name(name: string, value: number): boolean {
  if (BOOKKEEPING_PREFIX.test(name) || BOOKKEEPING_SUFFIX.test(name)) return false;
  // Zero has many "success" spellings across subsystems; keep the two Win32 ones.
  if (value === 0) return SUCCESS_NAMES.has(name);
  return true;
}

function isRasName(name: string): boolean {
  return name.startsWith('ERROR_') || name.startsWith('WARNING_') || name === 'PENDING';
}

const NETWORK_NAME =
  /^(WSA|ERROR_(NETWORK_|NETNAME_|BAD_NET|NET_|UNEXP_NET_ERR|REM_NOT_LIST|DUP_NAME|CONNECTION_|HOST_UNREACHABLE|PORT_UNREACHABLE|PROTOCOL_UNREACHABLE|NO_NETWORK|BAD_REMOTE_ADAPTER|INCORRECT_ADDRESS|ADDRESS_ALREADY_ASSOCIATED|GRACEFUL_DISCONNECT))/;
const ACCOUNT_NAME = /^ERROR_[A-Z_]*(LOGON|PASSWORD|ACCOUNT)/;

/** Family of one code, decided from its primary (first-defined) name. */
export function familyOf(primaryName: string, code: number, source: CatalogSource): string {
  if (source === 'raserror') return 'ras';
  // 13800..13999 is IPsec's block. Its first part (13800..13909) is IKE/keying-module
  // negotiation; from 13910 on it is the data path (bad SPI, replay, DoS protection).
  if (code >= 13800 && code <= 13999 && /^ERROR_IPSEC_(IKE|KEY_MODULE)_/.test(primaryName)) return 'ipsec-ike';
  if (/^(ERROR|WARNING)_IPSEC_/.test(primaryName)) return 'ipsec';
  if (primaryName.startsWith('DNS_') || (code >= 9000 && code <= 9999)) return 'dns';
  if (/^(RPC_|EPT_S_)/.test(primaryName)) return 'rpc';
  if (NETWORK_NAME.test(primaryName) || (code >= 10000 && code <= 11999)) return 'network';
  if (ACCOUNT_NAME.test(primaryName)) return 'account';
  return 'general';
}

export function toHex(code: number): string {
  return `0x${code.toString(16).toUpperCase().padStart(8, '0')}`;
}

/** HRESULT_FROM_WIN32, as the header defines it, for 1..0xFFFF; null otherwise. */
export function hresultOf(code: number): string | null {
  if (code <= 0 || code > 0xffff) return null;
  return toHex((0x80070000 | code) >>> 0);
}

function buildEntries(defs: MacroDefinition[], source: CatalogSource): GeneratedEntry[] {
  const picked = defs.filter((d): d is MacroDefinition & { value: number } => {
    if (d.value === undefined || d.isHresult) return false;
    if (source === 'winerror') return d.value <= 0xffff && isWin32Name(d.name, d.value);
    return isRasName(d.name) && d.value >= 600 && d.value <= 899;
  });
  const order = new Map(picked.map((d, i) => [d.name, i]));
  picked.sort((a, b) => a.value - b.value || (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  const familyByCode = new Map<number, string>();
  return picked.map((d) => {
    let family = familyByCode.get(d.value);
    if (family === undefined) {
      family = familyOf(d.name, d.value, source);
      familyByCode.set(d.value, family);
    }
    return { name: d.name, code: d.value, hex: toHex(d.value), hresult: hresultOf(d.value), family, source };
  });
}

const FACILITY_WIN32 = 7;
const FACILITY_SECURITY = 9;
const FACILITY_CERT = 11;
/** Names in the security facility (9) that are about certificates, trust and the crypto message formats. */
const CERTIFICATE_NAME = /^(CERT_|CRYPT_|CERTSRV_|TRUST_|OSS_|XENROLL_|MSSIPOTF_|DIGSIG_|PERSIST_|CERTDB_)/;

/**
 * Family of one HRESULT. Facility 7 wraps a Win32 code and takes that code's family; the rest follow the
 * facility (with certificate names split off the security facility, since a VPN user meets those on their own).
 */
export function hresultFamilyOf(name: string, facility: number, win32Family: string | undefined): string {
  if (facility === FACILITY_WIN32) return win32Family ?? 'general';
  if (facility === FACILITY_CERT) return 'certificate';
  if (facility === FACILITY_SECURITY) return CERTIFICATE_NAME.test(name) ? 'certificate' : 'security';
  if (facility === 16) return 'smartcard'; // FACILITY_SCARD
  if (facility === 39 || facility === 40) return 'security'; // NAP (network access protection), TBS (TPM)
  if (facility === 50) return 'wfp'; // Windows Filtering Platform: the firewall and IPsec filters
  if (facility === 15) return 'device-setup'; // FACILITY_SETUPAPI
  if (facility >= 2169 && facility <= 2201) return 'graphics'; // Direct3D, DXGI, WIC, DirectWrite, Direct2D
  return 'com';
}

/** The HRESULTs of winerror.h (see the file comment), in value order, header order within one value. */
export function buildHresults(winerrorText: string): GeneratedHresult[] {
  const defs = parseHeader(winerrorText);
  const facilityNames = new Map<number, string>();
  for (const d of defs) {
    if (d.name.startsWith('FACILITY_') && d.value !== undefined && d.value <= 0x1fff && !facilityNames.has(d.value)) {
      facilityNames.set(d.value, d.name);
    }
  }
  const win32Family = new Map(buildEntries(defs, 'winerror').map((e) => [e.code, e.family]));
  const picked = defs.filter((d): d is MacroDefinition & { value: number } => {
    if (d.value === undefined) return false;
    if (BOOKKEEPING_PREFIX.test(d.name) || /_(FIRST|LAST)$/.test(d.name)) return false; // FWP_E_INVALID_NET_MASK is a code
    return d.isHresult || d.value > 0xffff;
  });
  const order = new Map(picked.map((d, i) => [d.name, i]));
  picked.sort((a, b) => a.value - b.value || (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  return picked.map((d) => {
    const facility = (d.value >>> 16) & 0x1fff;
    const win32 = facility === FACILITY_WIN32 ? d.value & 0xffff : null;
    return {
      name: d.name,
      code: d.value,
      hex: toHex(d.value),
      facility,
      facilityName: facilityNames.get(facility) ?? null,
      win32,
      failure: d.value >>> 31 === 1,
      family: hresultFamilyOf(d.name, facility, win32 === null ? undefined : win32Family.get(win32)),
      source: 'winerror',
    };
  });
}

export function buildWin32(winerrorText: string): GeneratedEntry[] {
  return buildEntries(parseHeader(winerrorText), 'winerror');
}

export function buildRas(raserrorText: string): GeneratedEntry[] {
  return buildEntries(parseHeader(raserrorText), 'raserror');
}

/** The exact text written to disk, so the drift test can compare byte for byte. */
export function renderJson(entries: ReadonlyArray<GeneratedEntry | GeneratedHresult>): string {
  return `${JSON.stringify(entries, null, 2)}\n`;
}

// ---------------------------------------------------------------------------
// Locating (and optionally fetching) the headers.

function hasHeaders(dir: string): boolean {
  return existsSync(join(dir, 'winerror.h')) && existsSync(join(dir, 'raserror.h'));
}

/** The include dir to use, or undefined when none holds both headers. */
export function findIncludeDir(explicit?: string): string | undefined {
  const candidates = [explicit, process.env.MINGW_INCLUDE, ...DEFAULT_INCLUDE_DIRS].filter(
    (d): d is string => typeof d === 'string' && d !== '',
  );
  return candidates.find(hasHeaders);
}

function newestDeb(dir: string): string | undefined {
  const debs = readdirSync(dir).filter((f) => f.startsWith('mingw-w64-common_') && f.endsWith('.deb'));
  return debs.sort().at(-1);
}

/** apt-get download + dpkg -x into /tmp/mingw-w64; installs nothing. */
function fetchHeaders(): string {
  const downloadDir = join(FETCH_ROOT, 'deb');
  mkdirSync(downloadDir, { recursive: true });
  const download = (): void => {
    execFileSync('apt-get', ['download', 'mingw-w64-common'], { cwd: downloadDir, stdio: 'inherit' });
  };
  try {
    download();
  } catch {
    // Usually an empty or stale package list on a fresh machine.
    process.stderr.write('apt-get download failed; running apt-get update once and retrying\n');
    execFileSync('apt-get', ['update'], { stdio: 'inherit' });
    download();
  }
  const deb = newestDeb(downloadDir);
  if (!deb) throw new Error(`apt-get download left no mingw-w64-common .deb in ${downloadDir}`);
  execFileSync('dpkg', ['-x', join(downloadDir, deb), FETCH_ROOT], { stdio: 'inherit' });
  const dir = join(FETCH_ROOT, 'usr/share/mingw-w64/include');
  if (!hasHeaders(dir)) throw new Error(`${deb} did not contain winerror.h and raserror.h`);
  return dir;
}

export function projectRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..');
}

function main(argv: string[]): void {
  let explicit: string | undefined;
  let outDir = join(projectRoot(), 'content/catalog');
  let fetch = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--fetch') fetch = true;
    else if (arg === '--out') outDir = resolve(argv[++i] ?? '');
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: generate-catalog [INCLUDE_DIR] [--fetch] [--out DIR]\n');
      return;
    } else if (arg !== undefined) explicit = arg;
  }
  // A dir the user named must hold the headers; only the defaults are searched quietly.
  const named = explicit ?? (process.env.MINGW_INCLUDE || undefined);
  if (named !== undefined && !hasHeaders(named)) {
    process.stderr.write(`${named} does not hold both winerror.h and raserror.h\n`);
    process.exitCode = 1;
    return;
  }
  let dir = findIncludeDir(named);
  if (!dir && fetch) dir = fetchHeaders();
  if (!dir) {
    process.stderr.write(
      'winerror.h/raserror.h not found. Pass the include dir, set MINGW_INCLUDE, or run with --fetch.\n',
    );
    process.exitCode = 1;
    return;
  }
  const win32 = buildWin32(readFileSync(join(dir, 'winerror.h'), 'utf8'));
  const hresults = buildHresults(readFileSync(join(dir, 'winerror.h'), 'utf8'));
  const ras = buildRas(readFileSync(join(dir, 'raserror.h'), 'utf8'));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'win32.json'), renderJson(win32));
  writeFileSync(join(outDir, 'hresult.json'), renderJson(hresults));
  writeFileSync(join(outDir, 'ras.json'), renderJson(ras));

  const codes = (entries: ReadonlyArray<{ code: number }>): number => new Set(entries.map((e) => e.code)).size;
  const perFamily = new Map<string, number>();
  for (const e of [...win32, ...hresults, ...ras]) perFamily.set(e.family, (perFamily.get(e.family) ?? 0) + 1);
  const lines = [
    `headers: ${dir}`,
    `win32.json: ${win32.length} names, ${codes(win32)} distinct codes (${win32.filter((e) => e.name.startsWith('ERROR_')).length} ERROR_* names)`,
    `hresult.json: ${hresults.length} names, ${codes(hresults)} distinct codes (${hresults.filter((e) => e.win32 !== null).length} wrap a Win32 code)`,
    `ras.json:   ${ras.length} names, ${codes(ras)} distinct codes`,
    `families:   ${[...perFamily].sort(([a], [b]) => a.localeCompare(b)).map(([f, n]) => `${f}=${n}`).join(' ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(resolve(invokedPath)).href) {
  main(process.argv.slice(2));
}
