/**
 * Builds the Microsoft Teams app package (dist/teams-app.zip) from appPackage/.
 *
 *   MicrosoftAppId=<bot app id> PUBLIC_URL=https://helpdesk.example.com npm run teams:package
 *
 * Steps: read appPackage/manifest.json and its localization files, fill the `${{NAME}}`
 * placeholders, validate everything offline against Microsoft's JSON schemas (shipped in the
 * npm package @microsoft/app-manifest, one folder per manifest version), check the icons, and
 * zip manifest.json, the localization files, color.png and outline.png at the zip root.
 *
 * Optional env: TEAMS_APP_ID (defaults to MicrosoftAppId), TEAMS_PRIVACY_URL and
 * TEAMS_TERMS_URL (default to PUBLIC_URL), TEAMS_APP_VERSION (defaults to package.json version).
 * Flag: --out <file> (default dist/teams-app.zip). See docs/teams.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Ajv04 from 'ajv-draft-04';
import type { ErrorObject, ValidateFunction } from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { zipSync } from 'fflate';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_APP_PACKAGE_DIR = join(REPO_ROOT, 'appPackage');
export const DEFAULT_OUT_FILE = join(REPO_ROOT, 'dist', 'teams-app.zip');

/** Teams' icon requirements: colour 192×192, outline 32×32 with an alpha channel. */
const ICON_SIZES = { color: 192, outline: 32 } as const;
/** Fixed timestamp so that the same inputs always give the same zip bytes. */
const ZIP_MTIME = new Date('2025-01-01T00:00:00Z');
const PLACEHOLDER = /\$\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

export interface TeamsPackageOptions {
  /** Microsoft App ID of the bot (env MicrosoftAppId), a GUID. */
  botId: string;
  /** Public https base URL of this server (env PUBLIC_URL); the bot endpoint is <publicUrl>/api/messages. */
  publicUrl: string;
  /** Where to write the zip. */
  outFile: string;
  /** Teams app id; defaults to the bot id, which is what a bot-only app usually uses. */
  teamsAppId?: string;
  /** x.y.z; defaults to the version in package.json. Teams needs a higher version to update an installed app. */
  appVersion?: string;
  privacyUrl?: string;
  termsUrl?: string;
  /** Folder holding manifest.json, the localization files and the icons. */
  appPackageDir?: string;
}

export interface TeamsPackageResult {
  outFile: string;
  /** The filled-in manifest as written into the zip. */
  manifest: Record<string, unknown>;
  /** Names of the files at the zip root. */
  files: string[];
}

/** Raised with every problem found, so an admin can fix them all in one go. */
export class TeamsPackageError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(problems.length > 0 ? `${message}:\n  - ${problems.join('\n  - ')}` : message);
    this.name = 'TeamsPackageError';
  }
}

// ── Small helpers for untrusted JSON ──────────────────────────────────────────

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJsonObject(file: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TeamsPackageError(`cannot read ${file}`, [err instanceof Error ? err.message : String(err)]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new TeamsPackageError(`${file} is not valid JSON`, [err instanceof Error ? err.message : String(err)]);
  }
  if (!isObject(parsed)) throw new TeamsPackageError(`${file} must contain a JSON object`, []);
  return parsed;
}

/** Replaces `${{NAME}}` in every string value (never in keys), collecting unknown names. */
function fillPlaceholders(value: unknown, values: ReadonlyMap<string, string>, unknown: Set<string>): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (whole, name: string) => {
      const filled = values.get(name);
      if (filled === undefined) {
        unknown.add(name);
        return whole;
      }
      return filled;
    });
  }
  if (Array.isArray(value)) return value.map((item) => fillPlaceholders(item, values, unknown));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillPlaceholders(v, values, unknown)]));
  }
  return value;
}

// ── Schema validation ─────────────────────────────────────────────────────────

export type SchemaKind = 'manifest' | 'localization';

const SCHEMA_FILES: Record<SchemaKind, string> = {
  manifest: 'MicrosoftTeams.schema.json',
  localization: 'MicrosoftTeams.Localization.schema.json',
};

/** Folder of Microsoft's published Teams schemas inside the installed @microsoft/app-manifest package. */
export function schemaDir(manifestVersion: string): string {
  if (!/^1\.\d+$/.test(manifestVersion)) {
    throw new TeamsPackageError(`unsupported manifestVersion "${manifestVersion}"`, [
      'expected a released version such as "1.30"',
    ]);
  }
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('@microsoft/app-manifest/package.json'));
  return join(pkgDir, 'build', 'json-schemas', 'teams', `v${manifestVersion}`);
}

const validators = new Map<string, ValidateFunction>();

function compiledSchema(kind: SchemaKind, manifestVersion: string): ValidateFunction {
  const file = join(schemaDir(manifestVersion), SCHEMA_FILES[kind]);
  const cached = validators.get(file);
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new TeamsPackageError(`no ${kind} schema for manifest version ${manifestVersion}`, [
      `${file} is missing; update @microsoft/app-manifest or use a manifestVersion it ships`,
    ]);
  }
  // Some of Microsoft's schemas use "\a" in regex patterns, which JavaScript rejects in
  // unicode mode (microsoft-teams-app-schema#190). Microsoft's own loader rewrites it the same way.
  const schema: unknown = JSON.parse(text.replace(/\\\\a/g, '\\\\u0007'));
  if (!isObject(schema)) throw new TeamsPackageError(`${file} is not a JSON schema object`, []);
  // The schemas are draft-04. Strict mode is off because they mix keywords ajv's strict mode
  // rejects (e.g. "type" next to "$ref"); unicode regexes are off because the localization schema
  // has patterns such as `\b]` that are only valid without the u flag.
  // `.default`: these are CommonJS packages, and under NodeNext the default import is module.exports.
  const ajv = new Ajv04.default({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats.default(ajv, ['uri', 'email', 'regex']);
  const validate = ajv.compile(schema);
  validators.set(file, validate);
  return validate;
}

function describeError(error: ErrorObject, document: unknown): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  let message = `${where} ${error.message ?? 'is invalid'}`;
  if (error.keyword === 'additionalProperties' && isObject(error.params)) {
    message += `: "${String(error.params['additionalProperty'])}"`;
  }
  const actual = valueAt(document, error.instancePath);
  if (typeof actual === 'string' || typeof actual === 'number' || typeof actual === 'boolean') {
    message += ` (got ${JSON.stringify(actual)})`;
  }
  return message;
}

/** Value at a JSON pointer such as /bots/0/botId, or undefined. */
function valueAt(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) current = current[Number(key)];
    else if (isObject(current)) current = current[key];
    else return undefined;
  }
  return current;
}

/**
 * Validates a manifest (or a localization file) against Microsoft's schema for its
 * manifestVersion. Returns readable problems naming the JSON pointer of each bad field; empty if valid.
 */
export function validateAgainstSchema(kind: SchemaKind, document: unknown, manifestVersion: string): string[] {
  const validate = compiledSchema(kind, manifestVersion);
  if (validate(document)) return [];
  return (validate.errors ?? []).map((error) => describeError(error, document));
}

export function validateManifest(manifest: unknown): string[] {
  if (!isObject(manifest) || typeof manifest['manifestVersion'] !== 'string') {
    return ['/manifestVersion must be a string such as "1.30"'];
  }
  const manifestVersion = manifest['manifestVersion'];
  const problems = validateAgainstSchema('manifest', manifest, manifestVersion);
  const schemaUrl = manifest['$schema'];
  if (typeof schemaUrl === 'string' && !schemaUrl.includes(`/v${manifestVersion}/`)) {
    problems.push(`/$schema points at another version than manifestVersion ${manifestVersion} (got "${schemaUrl}")`);
  }
  return problems;
}

/** A localization key such as bots[0].commandLists[1].commands[2].title must name a string in the manifest. */
function localizedKeyExists(manifest: JsonObject, key: string): boolean {
  let current: unknown = manifest;
  for (const part of key.split('.')) {
    const m = /^([A-Za-z0-9_]+)((?:\[\d+\])*)$/.exec(part);
    if (!m?.[1]) return false;
    current = isObject(current) ? current[m[1]] : undefined;
    for (const index of (m[2] ?? '').match(/\d+/g) ?? []) {
      current = Array.isArray(current) ? current[Number(index)] : undefined;
    }
  }
  return typeof current === 'string';
}

// ── Icons ───────────────────────────────────────────────────────────────────

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width, height and colour type from a PNG's IHDR chunk. */
export function readPngHeader(png: Uint8Array): { width: number; height: number; colorType: number } {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length < 33 || !buf.subarray(0, 8).equals(PNG_SIGNATURE) || buf.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error('not a PNG file');
  }
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), colorType: buf.readUInt8(25) };
}

function checkIcon(kind: keyof typeof ICON_SIZES, name: string, png: Uint8Array): string[] {
  let header: ReturnType<typeof readPngHeader>;
  try {
    header = readPngHeader(png);
  } catch {
    return [`${name} (icons.${kind}) is not a PNG file`];
  }
  const problems: string[] = [];
  const size = ICON_SIZES[kind];
  if (header.width !== size || header.height !== size) {
    problems.push(`${name} (icons.${kind}) must be ${size}×${size} pixels, is ${header.width}×${header.height}`);
  }
  // Colour types 4 and 6 carry alpha; Teams needs a transparent background for the outline icon.
  if (kind === 'outline' && header.colorType !== 4 && header.colorType !== 6) {
    problems.push(`${name} (icons.outline) must have an alpha channel (transparent background)`);
  }
  return problems;
}

// ── Building ────────────────────────────────────────────────────────────────

function normalisePublicUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new TeamsPackageError('PUBLIC_URL is not a URL', [`got "${raw}"; expected e.g. https://helpdesk.example.com`]);
  }
  if (url.protocol !== 'https:') {
    throw new TeamsPackageError('PUBLIC_URL must use https', [
      `got "${raw}"; Teams only talks to bots and links over https`,
    ]);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new TeamsPackageError('PUBLIC_URL must be a plain base URL', [`got "${raw}"; drop the query, fragment or credentials`]);
  }
  return url;
}

function packageVersion(): string {
  const pkg = readJsonObject(join(REPO_ROOT, 'package.json'));
  const version = pkg['version'];
  if (typeof version !== 'string') throw new TeamsPackageError('package.json has no "version"', []);
  return version;
}

export function buildTeamsPackage(options: TeamsPackageOptions): TeamsPackageResult {
  const appPackageDir = options.appPackageDir ?? DEFAULT_APP_PACKAGE_DIR;
  const url = normalisePublicUrl(options.publicUrl);
  const publicUrl = url.href.replace(/\/+$/, '');
  const appVersion = options.appVersion ?? packageVersion();
  if (!/^\d+\.\d+\.\d+$/.test(appVersion)) {
    throw new TeamsPackageError('the app version must be three numbers, x.y.z', [
      `got "${appVersion}"; Teams rejects pre-release suffixes (set TEAMS_APP_VERSION)`,
    ]);
  }
  const values = new Map<string, string>([
    ['BOT_ID', options.botId.trim()],
    ['TEAMS_APP_ID', (options.teamsAppId ?? options.botId).trim()],
    ['PUBLIC_URL', publicUrl],
    ['PUBLIC_HOST', url.hostname],
    ['PRIVACY_URL', options.privacyUrl ?? publicUrl],
    ['TERMS_URL', options.termsUrl ?? publicUrl],
    ['APP_VERSION', appVersion],
  ]);

  const unknownPlaceholders = new Set<string>();
  const filled = fillPlaceholders(readJsonObject(join(appPackageDir, 'manifest.json')), values, unknownPlaceholders);
  if (!isObject(filled)) throw new TeamsPackageError('manifest.json must contain a JSON object', []);
  const manifest = filled;

  const problems = validateManifest(manifest).map((p) => `manifest.json: ${p}`);
  const manifestVersion = typeof manifest['manifestVersion'] === 'string' ? manifest['manifestVersion'] : '';

  const files: Record<string, Uint8Array> = {
    'manifest.json': Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'),
  };

  // Localization files named in localizationInfo, validated against their own schema.
  const localizationInfo = manifest['localizationInfo'];
  const languageFiles: string[] = [];
  if (isObject(localizationInfo)) {
    if (typeof localizationInfo['defaultLanguageFile'] === 'string') languageFiles.push(localizationInfo['defaultLanguageFile']);
    const additional = localizationInfo['additionalLanguages'];
    if (Array.isArray(additional)) {
      for (const entry of additional) {
        if (isObject(entry) && typeof entry['file'] === 'string') languageFiles.push(entry['file']);
      }
    }
  }
  for (const name of languageFiles) {
    const localized = fillPlaceholders(readJsonObject(join(appPackageDir, name)), values, unknownPlaceholders);
    if (manifestVersion) {
      problems.push(...validateAgainstSchema('localization', localized, manifestVersion).map((p) => `${name}: ${p}`));
    }
    if (isObject(localized)) {
      for (const key of Object.keys(localized)) {
        if (key === '$schema' || key === 'localizationKeys') continue;
        if (!localizedKeyExists(manifest, key)) problems.push(`${name}: "${key}" names no text in manifest.json`);
      }
    }
    files[name] = Buffer.from(`${JSON.stringify(localized, null, 2)}\n`, 'utf8');
  }

  const icons = manifest['icons'];
  for (const kind of ['color', 'outline'] as const) {
    const name = isObject(icons) ? icons[kind] : undefined;
    if (typeof name !== 'string') continue; // the schema already reported it
    let png: Buffer;
    try {
      png = readFileSync(join(appPackageDir, name));
    } catch {
      problems.push(`${name} (icons.${kind}) is missing from ${appPackageDir}; run npm run icons`);
      continue;
    }
    problems.push(...checkIcon(kind, name, png));
    files[name] = png;
  }

  for (const name of unknownPlaceholders) {
    problems.push(`unknown placeholder \${{${name}}}; known: ${[...values.keys()].join(', ')}`);
  }
  if (problems.length > 0) throw new TeamsPackageError('the Teams app package is not valid', problems);

  const zip = zipSync(
    Object.fromEntries(Object.entries(files).map(([name, data]) => [name, [data, { mtime: ZIP_MTIME }]])),
    { level: 9 },
  );
  mkdirSync(dirname(options.outFile), { recursive: true });
  writeFileSync(options.outFile, zip);
  return { outFile: options.outFile, manifest, files: Object.keys(files) };
}

// ── Command line ────────────────────────────────────────────────────────────

function main(): void {
  const { values: flags } = parseArgs({ options: { out: { type: 'string' } }, allowPositionals: false });
  const env = process.env;
  const missing = ['MicrosoftAppId', 'PUBLIC_URL'].filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    throw new TeamsPackageError(`missing environment variable${missing.length > 1 ? 's' : ''}`, [
      ...missing.map((name) =>
        name === 'MicrosoftAppId'
          ? 'MicrosoftAppId: the Application (client) ID of the bot\'s Entra app registration'
          : 'PUBLIC_URL: the public https base URL of this server, e.g. https://helpdesk.example.com',
      ),
      'see docs/teams.md',
    ]);
  }
  const optional = (name: string): string | undefined => env[name]?.trim() || undefined;
  const result = buildTeamsPackage({
    botId: env['MicrosoftAppId'] ?? '',
    publicUrl: env['PUBLIC_URL'] ?? '',
    outFile: resolve(flags.out ?? DEFAULT_OUT_FILE),
    teamsAppId: optional('TEAMS_APP_ID'),
    appVersion: optional('TEAMS_APP_VERSION'),
    privacyUrl: optional('TEAMS_PRIVACY_URL'),
    termsUrl: optional('TEAMS_TERMS_URL'),
  });
  process.stdout.write(
    `wrote ${result.outFile} (${result.files.join(', ')}), manifest ${String(result.manifest['manifestVersion'])}, ` +
      `app version ${String(result.manifest['version'])}\n`,
  );
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`teams:package: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
