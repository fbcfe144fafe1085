import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { projectRoot } from './project-root.js';

/** botbuilder's own configuration keys, passed through untouched to ConfigurationBotFrameworkAuthentication. */
export const BOT_FRAMEWORK_KEYS = [
  'MicrosoftAppId',
  'MicrosoftAppPassword',
  'MicrosoftAppType',
  'MicrosoftAppTenantId',
  'ToBotFromChannelOpenIdMetadataUrl',
  'ToBotFromChannelTokenIssuer',
  'ToBotFromEmulatorOpenIdMetadataUrl',
  'ToChannelFromBotLoginUrl',
  'ToChannelFromBotOAuthScope',
  'ValidateAuthority',
  'ChannelService',
  'OAuthUrl',
  'CallerId',
  'CertificateThumbprint',
  'CertificatePrivateKey',
] as const;

export type BotFrameworkKey = (typeof BOT_FRAMEWORK_KEYS)[number];
export type BotFrameworkConfig = Partial<Record<BotFrameworkKey, string>>;

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL connection string; when empty, SQLite in dataDir is used. */
  databaseUrl: string;
  contentDir: string;
  logLevel: string;
  bodyLimit: number;
  allowUnauthenticated: boolean;
  publicUrl: string;
  botFramework: BotFrameworkConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function readInt(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function readBool(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${key} must be true or false, got "${env[key]}"`);
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/** Reads and validates the whole configuration from the environment. Throws ConfigError naming the variable at fault. */
export function loadConfig(env: Env = process.env): Config {
  const botFramework: BotFrameworkConfig = {};
  for (const key of BOT_FRAMEWORK_KEYS) {
    const value = env[key];
    if (value !== undefined && value !== '') botFramework[key] = value;
  }
  const host = env.HOST?.trim() || '127.0.0.1';
  const allowUnauthenticated = readBool(env, 'ALLOW_UNAUTHENTICATED', false);
  if (!botFramework.MicrosoftAppId && !isLoopback(host) && !allowUnauthenticated) {
    throw new ConfigError(
      `MicrosoftAppId is empty (local mode, no channel authentication) but HOST=${host} is not a loopback address. ` +
        'Set MicrosoftAppId/MicrosoftAppPassword, bind to 127.0.0.1, or set ALLOW_UNAUTHENTICATED=true if you really mean it.',
    );
  }
  const root = projectRoot();
  const port = readInt(env, 'PORT', 3978, 0, 65535);
  const publicUrl = (env.PUBLIC_URL?.trim() || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  return {
    host,
    port,
    dataDir: resolve(env.DATA_DIR?.trim() || resolve(root, 'data')),
    databaseUrl: env.DATABASE_URL?.trim() ?? '',
    contentDir: resolve(env.CONTENT_DIR?.trim() || resolve(root, 'content')),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    bodyLimit: readInt(env, 'BODY_LIMIT', 256 * 1024, 1024, 50 * 1024 * 1024),
    allowUnauthenticated,
    publicUrl,
    botFramework,
  };
}
