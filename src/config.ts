import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { projectRoot } from './project-root.js';
import { parseAgentTokens, type AgentCredential } from './handoff/agent-tokens.js';
import { parseBusinessHours, type BusinessHours } from './handoff/business-hours.js';

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
  /** PostgreSQL: longest a statement may run, and the client's wait on a stalled link (plus a second). */
  databaseStatementTimeoutMs: number;
  contentDir: string;
  logLevel: string;
  bodyLimit: number;
  allowUnauthenticated: boolean;
  /**
   * Which X-Forwarded-For hops to believe for the client address (rate limits, logs): false (none, the default),
   * a number of hops, or the reverse proxies' addresses/CIDRs. Never "everyone": a client could pick its own address.
   */
  trustProxy: boolean | number | string[];
  publicUrl: string;
  botFramework: BotFrameworkConfig;
  /** How long one call to a channel (a reply to Teams through the Bot Connector) may take before it is given up. */
  channelTimeoutMs: number;
  /** IT staff allowed into the agent API and console (AGENT_TOKENS: names and token hashes only). */
  agentTokens: AgentCredential[];
  /** When IT answers (BUSINESS_HOURS, BUSINESS_HOLIDAYS, BUSINESS_TZ). */
  businessHours: BusinessHours;
  /** The IT staff channel in Teams (ticket cards, thread relay). Empty channelId: captured when the bot is installed in a team. */
  staffTeams: StaffTeamsConfig;
  /** The ITSM webhook; disabled when url is empty. */
  webhook: WebhookConfig;
  /** Send Bot Framework's handoff.initiate event on escalation (never to Teams). */
  handoffEventEnabled: boolean;
  /** The self-hosted Direct Line 3.0 for the Web Chat widget (issue 4). */
  directline: DirectLineConfig;
  /** The Web Chat page, its embed script and its token endpoint (issue 4). */
  webchat: WebChatConfig;
}

export interface DirectLineConfig {
  /** DIRECTLINE_SECRET; empty means "generate one in DATA_DIR on first start". */
  secret: string;
  /** Base of the WebSocket streamUrl (PUBLIC_URL); empty means "from the request's Host". */
  streamBaseUrl: string;
  /** Activities one token may post per minute. */
  activitiesPerMinute: number;
  /** A chain of refreshed tokens ends this long after its first token was issued (DIRECTLINE_TOKEN_MAX_LIFETIME_HOURS). */
  tokenMaxLifetimeSeconds: number;
}

export interface WebChatConfig {
  /** POST /api/webchat/token hands out tokens without a user assertion. */
  anonymous: boolean;
  /** Token requests per client address per minute. */
  tokensPerMinute: number;
  /** Origins allowed to embed the widget (frame-ancestors) and to call Direct Line from the browser (CORS). */
  allowedOrigins: string[];
  /** Empty: the localised default title. */
  title: string;
  accent: string;
  botAvatarUrl: string;
  /** HS256 key for the host site's signed user assertion; empty disables assertions. */
  userAssertionSecret: string;
}

export interface StaffTeamsConfig {
  channelId: string;
  serviceUrl: string;
  tenantId: string;
  /** Language of the cards and notes the bot posts to staff. */
  locale: 'ja' | 'en';
  /** Teams user (AAD object id) → console agent id, so one person is one agent in both views. */
  agents: ReadonlyMap<string, string>;
}

export interface WebhookConfig {
  url: string;
  secret: string;
  retryBaseMs: number;
  retryMaxMs: number;
  timeoutMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parsers that live next to their feature throw plain Errors; the config reports them as ConfigErrors. */
function wrapConfigError<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
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

function readTrustProxy(env: Env): boolean | number | string[] {
  const raw = env.TRUST_PROXY?.trim() ?? '';
  if (raw === '' || raw === 'false') return false;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address ?? '') === 6 ? 128 : 32));
    if (!address || isIP(address) === 0 || !okBits) {
      throw new ConfigError(`TRUST_PROXY must be a hop count or a comma-separated list of proxy addresses/CIDRs, got "${entry}"`);
    }
  }
  return entries;
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
    databaseStatementTimeoutMs: readInt(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 5000, 200, 600_000),
    contentDir: resolve(env.CONTENT_DIR?.trim() || resolve(root, 'content')),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    bodyLimit: readInt(env, 'BODY_LIMIT', 256 * 1024, 1024, 50 * 1024 * 1024),
    allowUnauthenticated,
    trustProxy: readTrustProxy(env),
    publicUrl,
    botFramework,
    channelTimeoutMs: readInt(env, 'CHANNEL_TIMEOUT_MS', 10_000, 500, 120_000),
    agentTokens: wrapConfigError(() => parseAgentTokens(env.AGENT_TOKENS)),
    businessHours: wrapConfigError(() => parseBusinessHours(env.BUSINESS_HOURS, env.BUSINESS_HOLIDAYS, env.BUSINESS_TZ)),
    staffTeams: readStaffTeams(env),
    webhook: readWebhook(env),
    handoffEventEnabled: readBool(env, 'HANDOFF_EVENT_ENABLED', false),
    directline: {
      secret: env.DIRECTLINE_SECRET?.trim() ?? '',
      streamBaseUrl: (env.PUBLIC_URL?.trim() ?? '').replace(/\/+$/, ''),
      activitiesPerMinute: readInt(env, 'DIRECTLINE_ACTIVITIES_PER_MINUTE', 60, 1, 100_000),
      tokenMaxLifetimeSeconds: readInt(env, 'DIRECTLINE_TOKEN_MAX_LIFETIME_HOURS', 24, 1, 24 * 30) * 3600,
    },
    webchat: readWebChat(env),
  };
}

function readWebChat(env: Env): WebChatConfig {
  const allowedOrigins = (env.WEBCHAT_ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean);
  for (const origin of allowedOrigins) {
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin) && !/^https?:\/\/\[[0-9A-Fa-f:]+\](:\d{1,5})?$/.test(origin)) {
      throw new ConfigError(`WEBCHAT_ALLOWED_ORIGINS entries must be origins like https://intranet.example.com, got "${origin}"`);
    }
  }
  const accent = env.WEBCHAT_ACCENT?.trim() || '#0063B1';
  if (!/^#[0-9A-Fa-f]{6}$/.test(accent)) throw new ConfigError(`WEBCHAT_ACCENT must be a colour like #0063B1, got "${accent}"`);
  const botAvatarUrl = env.WEBCHAT_BOT_AVATAR_URL?.trim() ?? '';
  if (botAvatarUrl !== '' && !/^(https?:\/\/|\/)[^\s"'<>]+$/i.test(botAvatarUrl)) {
    throw new ConfigError(`WEBCHAT_BOT_AVATAR_URL must be an http(s) URL or a path on this server, got "${botAvatarUrl}"`);
  }
  const userAssertionSecret = env.WEBCHAT_USER_ASSERTION_SECRET ?? '';
  if (userAssertionSecret !== '' && userAssertionSecret.length < 32) {
    throw new ConfigError('WEBCHAT_USER_ASSERTION_SECRET must be at least 32 characters');
  }
  const title = env.WEBCHAT_TITLE?.trim() ?? '';
  if (title.length > 80) throw new ConfigError('WEBCHAT_TITLE must be at most 80 characters');
  return {
    anonymous: readBool(env, 'WEBCHAT_ANONYMOUS', true),
    tokensPerMinute: readInt(env, 'WEBCHAT_TOKENS_PER_MINUTE', 10, 1, 100_000),
    allowedOrigins,
    title,
    accent,
    botAvatarUrl,
    userAssertionSecret,
  };
}

function readStaffTeams(env: Env): StaffTeamsConfig {
  const channelId = env.STAFF_TEAMS_CHANNEL_ID?.trim() ?? '';
  if (channelId !== '' && !/^19:[^\s;]+$/.test(channelId)) {
    throw new ConfigError(`STAFF_TEAMS_CHANNEL_ID must be a Teams channel id like 19:…@thread.tacv2, got "${channelId}"`);
  }
  const serviceUrl = (env.STAFF_TEAMS_SERVICE_URL?.trim() || 'https://smba.trafficmanager.net/teams/').replace(/\/*$/, '/');
  if (!/^https?:\/\/[^\s]+$/i.test(serviceUrl)) throw new ConfigError(`STAFF_TEAMS_SERVICE_URL must be an http(s) URL, got "${serviceUrl}"`);
  const locale = env.STAFF_TEAMS_LOCALE?.trim() || 'ja';
  if (locale !== 'ja' && locale !== 'en') throw new ConfigError(`STAFF_TEAMS_LOCALE must be ja or en, got "${locale}"`);
  const agents = new Map<string, string>();
  for (const entry of (env.STAFF_TEAMS_AGENTS ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^([A-Za-z0-9._-]+)=([0-9a-fA-F-]{8,64})$/.exec(entry);
    if (!match?.[1] || !match[2]) throw new ConfigError(`STAFF_TEAMS_AGENTS entries must look like alice=<AAD object id>, got "${entry}"`);
    agents.set(match[2].toLowerCase(), match[1]);
  }
  return { channelId, serviceUrl, tenantId: env.STAFF_TEAMS_TENANT_ID?.trim() ?? '', locale, agents };
}

function readWebhook(env: Env): WebhookConfig {
  const url = env.WEBHOOK_URL?.trim() ?? '';
  const secret = env.WEBHOOK_SECRET ?? '';
  if (url !== '') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError('WEBHOOK_URL must be an http(s) URL');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ConfigError('WEBHOOK_URL must be an http(s) URL');
    if (secret.length < 16) throw new ConfigError('WEBHOOK_SECRET must be set to at least 16 characters when WEBHOOK_URL is set');
  }
  const retryBaseMs = readInt(env, 'WEBHOOK_RETRY_BASE_MS', 2000, 10, 3_600_000);
  return {
    url,
    secret,
    retryBaseMs,
    retryMaxMs: Math.max(retryBaseMs, readInt(env, 'WEBHOOK_RETRY_MAX_MS', 10 * 60_000, 10, 24 * 3_600_000)),
    timeoutMs: readInt(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
  };
}
