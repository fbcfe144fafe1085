import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
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
  /** Backoff of what the bot sends to Teams on its own (staff cards, replies outside a turn) while the Bot Connector fails. */
  teamsRetry: { baseMs: number; maxMs: number };
  /** A typing indicator is sent only when a message's answer is not ready within this many ms (0: before every answer). */
  typingDelayMs: number;
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
  /** The admin dashboard, /metrics and how long a silent problem counts as in progress (issue 13). */
  analytics: AnalyticsConfig;
  /** Days transcripts and the Direct Line history are kept (0: for ever); purged hourly by one instance at a time. */
  retention: { transcriptDays: number; directLineDays: number };
}

export interface AnalyticsConfig {
  /** IT admins allowed into /admin and /api/admin (ADMIN_TOKENS: names and token hashes, as AGENT_TOKENS). */
  adminTokens: AgentCredential[];
  /** Bearer token for a remote Prometheus; empty means /metrics answers loopback clients only. */
  metricsToken: string;
  /** A problem with no answer from the employee for this long counts as abandoned (ABANDONED_AFTER_MINUTES). */
  abandonedAfterMinutes: number;
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

const Int = (minimum: number, maximum: number) => Type.Integer({ minimum, maximum });
const Flag = () => Type.Boolean();
const Text = (options: { pattern?: string; maxLength?: number; minLength?: number; hint: string }) => {
  const { hint, ...rest } = options;
  return Type.String({ ...rest, hint });
};

/**
 * Every environment variable the service reads (besides botbuilder's own keys), with its type and limits. The env is
 * converted (numbers, booleans) and validated against this schema first; an error names the variable and why.
 * Empty or unset variables take the defaults in loadConfig. Settings parsed by their feature (AGENT_TOKENS,
 * BUSINESS_HOURS, …) and lists (TRUST_PROXY, WEBCHAT_ALLOWED_ORIGINS, STAFF_TEAMS_AGENTS) are checked entry by entry.
 */
export const EnvSchema = Type.Object({
  HOST: Type.Optional(Type.String()),
  PORT: Type.Optional(Int(0, 65535)),
  DATA_DIR: Type.Optional(Type.String()),
  DATABASE_URL: Type.Optional(Text({ pattern: '^postgres(ql)?://', hint: 'must be a postgres:// connection string' })),
  DATABASE_STATEMENT_TIMEOUT_MS: Type.Optional(Int(200, 600_000)),
  CHANNEL_TIMEOUT_MS: Type.Optional(Int(500, 120_000)),
  TEAMS_RETRY_BASE_MS: Type.Optional(Int(10, 3_600_000)),
  TEAMS_RETRY_MAX_MS: Type.Optional(Int(10, 24 * 3_600_000)),
  TYPING_DELAY_MS: Type.Optional(Int(0, 10_000)),
  CONTENT_DIR: Type.Optional(Type.String()),
  LOG_LEVEL: Type.Optional(
    Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)), {
      hint: 'must be one of fatal, error, warn, info, debug, trace, silent',
    }),
  ),
  BODY_LIMIT: Type.Optional(Int(1024, 50 * 1024 * 1024)),
  ALLOW_UNAUTHENTICATED: Type.Optional(Flag()),
  TRUST_PROXY: Type.Optional(Type.String()),
  PUBLIC_URL: Type.Optional(Text({ pattern: '^https?://[^\\s]+$', hint: 'must be the public http(s) base URL of this server' })),
  AGENT_TOKENS: Type.Optional(Type.String()),
  ADMIN_TOKENS: Type.Optional(Type.String()),
  METRICS_TOKEN: Type.Optional(Text({ minLength: 16, pattern: '^\\S+$', hint: 'must be at least 16 characters with no spaces' })),
  ABANDONED_AFTER_MINUTES: Type.Optional(Int(1, 7 * 24 * 60)),
  BUSINESS_HOURS: Type.Optional(Type.String()),
  BUSINESS_HOLIDAYS: Type.Optional(Type.String()),
  BUSINESS_TZ: Type.Optional(Type.String()),
  STAFF_TEAMS_CHANNEL_ID: Type.Optional(Text({ pattern: '^19:[^\\s;]+$', hint: 'must be a Teams channel id like 19:…@thread.tacv2' })),
  STAFF_TEAMS_SERVICE_URL: Type.Optional(Text({ pattern: '^https?://[^\\s]+$', hint: 'must be an http(s) URL' })),
  STAFF_TEAMS_TENANT_ID: Type.Optional(Type.String()),
  STAFF_TEAMS_LOCALE: Type.Optional(Type.Union([Type.Literal('ja'), Type.Literal('en')], { hint: 'must be ja or en' })),
  STAFF_TEAMS_AGENTS: Type.Optional(Type.String()),
  WEBHOOK_URL: Type.Optional(Type.String()),
  WEBHOOK_SECRET: Type.Optional(Type.String()),
  WEBHOOK_RETRY_BASE_MS: Type.Optional(Int(10, 3_600_000)),
  WEBHOOK_RETRY_MAX_MS: Type.Optional(Int(10, 24 * 3_600_000)),
  WEBHOOK_TIMEOUT_MS: Type.Optional(Int(100, 120_000)),
  HANDOFF_EVENT_ENABLED: Type.Optional(Flag()),
  DIRECTLINE_SECRET: Type.Optional(Type.String()),
  DIRECTLINE_ACTIVITIES_PER_MINUTE: Type.Optional(Int(1, 100_000)),
  TRANSCRIPT_RETENTION_DAYS: Type.Optional(Int(0, 36_500)),
  DIRECTLINE_RETENTION_DAYS: Type.Optional(Int(0, 36_500)),
  DIRECTLINE_TOKEN_MAX_LIFETIME_HOURS: Type.Optional(Int(1, 24 * 30)),
  WEBCHAT_ANONYMOUS: Type.Optional(Flag()),
  WEBCHAT_TOKENS_PER_MINUTE: Type.Optional(Int(1, 100_000)),
  WEBCHAT_ALLOWED_ORIGINS: Type.Optional(Type.String()),
  WEBCHAT_TITLE: Type.Optional(Text({ maxLength: 80, hint: 'must be at most 80 characters' })),
  WEBCHAT_ACCENT: Type.Optional(Text({ pattern: '^#[0-9A-Fa-f]{6}$', hint: 'must be a colour like #0063B1' })),
  WEBCHAT_BOT_AVATAR_URL: Type.Optional(Text({ pattern: '^(https?://|/)[^\\s"\'<>]+$', hint: 'must be an http(s) URL or a path on this server' })),
  WEBCHAT_USER_ASSERTION_SECRET: Type.Optional(Text({ minLength: 32, hint: 'must be at least 32 characters' })),
});

export type EnvSettings = Static<typeof EnvSchema>;

/** Variables whose value is a secret: never repeated in an error message. */
const SECRET_VARIABLES = new Set(['DATABASE_URL', 'WEBHOOK_SECRET', 'DIRECTLINE_SECRET', 'WEBCHAT_USER_ASSERTION_SECRET', 'AGENT_TOKENS', 'ADMIN_TOKENS', 'METRICS_TOKEN']);
/** Values kept as they are (a secret may start or end with a space); everything else is trimmed. */
const UNTRIMMED = new Set(['WEBHOOK_SECRET', 'WEBCHAT_USER_ASSERTION_SECRET']);

function whyInvalid(key: string, schema: TSchema, raw: string): string {
  const got = SECRET_VARIABLES.has(key) ? '' : `, got "${raw}"`;
  if (schema.type === 'integer') return `${key} must be an integer between ${String(schema.minimum)} and ${String(schema.maximum)}${got}`;
  if (schema.type === 'boolean') return `${key} must be true or false${got}`;
  const hint: unknown = schema.hint;
  return `${key} ${typeof hint === 'string' ? hint : 'is not valid'}${got}`;
}

/** The env converted to the schema's types and validated; throws ConfigError naming the variable and why. */
export function readEnv(env: Env): EnvSettings {
  const values: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(EnvSchema.properties)) {
    const raw = env[key];
    const text = raw === undefined ? '' : UNTRIMMED.has(key) ? raw : raw.trim();
    if (text === '') continue;
    let value: unknown = text;
    if (schema.type === 'integer') value = /^-?\d{1,16}$/.test(text) ? Number(text) : text;
    else if (schema.type === 'boolean') {
      const word = text.toLowerCase();
      value = ['1', 'true', 'yes', 'on'].includes(word) ? true : ['0', 'false', 'no', 'off'].includes(word) ? false : text;
    }
    if (!Value.Check(schema, value)) throw new ConfigError(whyInvalid(key, schema, raw ?? ''));
    values[key] = value;
  }
  if (!Value.Check(EnvSchema, values)) throw new ConfigError('the configuration does not match its schema');
  return values;
}

function readTrustProxy(raw: string): boolean | number | string[] {
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
  const e = readEnv(env);
  const host = e.HOST || '127.0.0.1';
  const allowUnauthenticated = e.ALLOW_UNAUTHENTICATED ?? false;
  if (!botFramework.MicrosoftAppId && !isLoopback(host) && !allowUnauthenticated) {
    throw new ConfigError(
      `MicrosoftAppId is empty (local mode, no channel authentication) but HOST=${host} is not a loopback address. ` +
        'Set MicrosoftAppId/MicrosoftAppPassword, bind to 127.0.0.1, or set ALLOW_UNAUTHENTICATED=true if you really mean it.',
    );
  }
  const root = projectRoot();
  const port = e.PORT ?? 3978;
  const publicUrl = (e.PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  return {
    host,
    port,
    dataDir: resolve(e.DATA_DIR || resolve(root, 'data')),
    databaseUrl: e.DATABASE_URL ?? '',
    databaseStatementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS ?? 5000,
    contentDir: resolve(e.CONTENT_DIR || resolve(root, 'content')),
    logLevel: e.LOG_LEVEL ?? 'info',
    bodyLimit: e.BODY_LIMIT ?? 256 * 1024,
    allowUnauthenticated,
    trustProxy: readTrustProxy(e.TRUST_PROXY ?? ''),
    publicUrl,
    botFramework,
    channelTimeoutMs: e.CHANNEL_TIMEOUT_MS ?? 10_000,
    teamsRetry: { baseMs: e.TEAMS_RETRY_BASE_MS ?? 2000, maxMs: Math.max(e.TEAMS_RETRY_BASE_MS ?? 2000, e.TEAMS_RETRY_MAX_MS ?? 10 * 60_000) },
    typingDelayMs: e.TYPING_DELAY_MS ?? 400,
    agentTokens: wrapConfigError(() => parseAgentTokens(e.AGENT_TOKENS)),
    businessHours: wrapConfigError(() => parseBusinessHours(e.BUSINESS_HOURS, e.BUSINESS_HOLIDAYS, e.BUSINESS_TZ)),
    staffTeams: readStaffTeams(e),
    webhook: readWebhook(e),
    handoffEventEnabled: e.HANDOFF_EVENT_ENABLED ?? false,
    directline: {
      secret: e.DIRECTLINE_SECRET ?? '',
      streamBaseUrl: (e.PUBLIC_URL ?? '').replace(/\/+$/, ''),
      activitiesPerMinute: e.DIRECTLINE_ACTIVITIES_PER_MINUTE ?? 60,
      tokenMaxLifetimeSeconds: (e.DIRECTLINE_TOKEN_MAX_LIFETIME_HOURS ?? 24) * 3600,
    },
    webchat: readWebChat(e),
    analytics: {
      adminTokens: wrapConfigError(() => parseAgentTokens(e.ADMIN_TOKENS, 'ADMIN_TOKENS')),
      metricsToken: e.METRICS_TOKEN ?? '',
      abandonedAfterMinutes: e.ABANDONED_AFTER_MINUTES ?? 30,
    },
    retention: {
      transcriptDays: e.TRANSCRIPT_RETENTION_DAYS ?? 0,
      directLineDays: e.DIRECTLINE_RETENTION_DAYS ?? 0,
    },
  };
}

function readWebChat(e: EnvSettings): WebChatConfig {
  const allowedOrigins = (e.WEBCHAT_ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean);
  for (const origin of allowedOrigins) {
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin) && !/^https?:\/\/\[[0-9A-Fa-f:]+\](:\d{1,5})?$/.test(origin)) {
      throw new ConfigError(`WEBCHAT_ALLOWED_ORIGINS entries must be origins like https://intranet.example.com, got "${origin}"`);
    }
  }
  return {
    anonymous: e.WEBCHAT_ANONYMOUS ?? true,
    tokensPerMinute: e.WEBCHAT_TOKENS_PER_MINUTE ?? 10,
    allowedOrigins,
    title: e.WEBCHAT_TITLE ?? '',
    accent: e.WEBCHAT_ACCENT ?? '#0063B1',
    botAvatarUrl: e.WEBCHAT_BOT_AVATAR_URL ?? '',
    userAssertionSecret: e.WEBCHAT_USER_ASSERTION_SECRET ?? '',
  };
}

function readStaffTeams(e: EnvSettings): StaffTeamsConfig {
  const agents = new Map<string, string>();
  for (const entry of (e.STAFF_TEAMS_AGENTS ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const match = /^([A-Za-z0-9._-]+)=([0-9a-fA-F-]{8,64})$/.exec(entry);
    if (!match?.[1] || !match[2]) throw new ConfigError(`STAFF_TEAMS_AGENTS entries must look like alice=<AAD object id>, got "${entry}"`);
    agents.set(match[2].toLowerCase(), match[1]);
  }
  return {
    channelId: e.STAFF_TEAMS_CHANNEL_ID ?? '',
    serviceUrl: (e.STAFF_TEAMS_SERVICE_URL || 'https://smba.trafficmanager.net/teams/').replace(/\/*$/, '/'),
    tenantId: e.STAFF_TEAMS_TENANT_ID ?? '',
    locale: e.STAFF_TEAMS_LOCALE ?? 'ja',
    agents,
  };
}

function readWebhook(e: EnvSettings): WebhookConfig {
  const url = e.WEBHOOK_URL ?? '';
  const secret = e.WEBHOOK_SECRET ?? '';
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
  const retryBaseMs = e.WEBHOOK_RETRY_BASE_MS ?? 2000;
  return {
    url,
    secret,
    retryBaseMs,
    retryMaxMs: Math.max(retryBaseMs, e.WEBHOOK_RETRY_MAX_MS ?? 10 * 60_000),
    timeoutMs: e.WEBHOOK_TIMEOUT_MS ?? 10_000,
  };
}
