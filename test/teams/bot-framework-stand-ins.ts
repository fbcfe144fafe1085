import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

export const APP_ID = '6f1e3c55-2b7a-4d0e-9c1a-4f0b8d2e7a10';
export const APP_PASSWORD = 'local-client-secret-not-real';
export const TENANT_ID = 'contoso-test-tenant';
export const KID = 'local-signing-key-1';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
    req.on('end', () => resolve(data));
  });
}

function sendJson(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * A local stand-in for the Bot Framework's token service as the bot sees it: the OpenID metadata document and its
 * JWKS (one RSA key, endorsed for Teams), and a signer for channel tokens with that key.
 * `mode` switches it to answering nothing ('hang') or failing ('error').
 */
export class ChannelTokenService {
  mode: 'ok' | 'hang' | 'error' = 'ok';
  metadataRequests = 0;
  base = '';
  private server = createServer((req, res) => void this.handle(req, res));
  private privateKey: CryptoKey | undefined;
  private jwk: Record<string, unknown> = {};

  get metadataUrl(): string {
    return `${this.base}/v1/.well-known/openidconfiguration`;
  }

  get issuer(): string {
    return `${this.base}/issuer`;
  }

  async start(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    this.privateKey = privateKey;
    this.jwk = { ...(await exportJWK(publicKey)), kid: KID, use: 'sig', alg: 'RS256', endorsements: ['msteams', 'webchat', 'emulator'] };
    this.base = `http://127.0.0.1:${await listen(this.server)}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.mode === 'hang') return; // accepts the connection, never answers
    if (this.mode === 'error') return sendJson(res, { error: 'unavailable' }, 503);
    if (req.url === '/v1/.well-known/openidconfiguration') {
      this.metadataRequests++;
      return sendJson(res, { issuer: this.issuer, jwks_uri: `${this.base}/v1/keys`, id_token_signing_alg_values_supported: ['RS256'] });
    }
    if (req.url === '/v1/keys') return sendJson(res, { keys: [this.jwk] });
    sendJson(res, { error: 'not found' }, 404);
  }

  /** A channel token as the Bot Connector sends it; `overrides` forge one part of it. */
  async token(overrides: {
    serviceUrl: string;
    audience?: string;
    issuer?: string;
    expiresAt?: number;
    key?: CryptoKey;
    /** Extra claims (e.g. the Emulator's `ver`). */
    claims?: Record<string, unknown>;
  }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const key = overrides.key ?? this.privateKey;
    if (!key) throw new Error('start() first');
    return new SignJWT({ serviceurl: overrides.serviceUrl, ...overrides.claims })
      .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
      .setIssuer(overrides.issuer ?? this.issuer)
      .setAudience(overrides.audience ?? APP_ID)
      .setIssuedAt(now - 60)
      .setNotBefore(now - 60)
      .setExpirationTime(overrides.expiresAt ?? now + 3600)
      .sign(key);
  }

  async stop(): Promise<void> {
    await stop(this.server);
  }
}

/** Another RSA key: a token signed with it under KID has a valid shape and a wrong signature. */
export async function foreignKey(): Promise<CryptoKey> {
  return (await generateKeyPair('RS256')).privateKey;
}

/**
 * A local stand-in for the Entra ID login authority the bot gets its reply token from (ToChannelFromBotLoginUrl),
 * over https with a self-signed certificate made by openssl. Records each token request; issues a JWT.
 */
export class LoginAuthority {
  readonly tokenRequests: URLSearchParams[] = [];
  readonly issuedTokens: string[] = [];
  base = '';
  certificate = '';
  private dir = mkdtempSync(join(tmpdir(), 'helpdesk-login-'));
  private server: Server | undefined;
  private signingKey: CryptoKey | undefined;

  get authority(): string {
    return `${this.base}/${TENANT_ID}`;
  }

  async start(): Promise<void> {
    const keyFile = join(this.dir, 'key.pem');
    const certFile = join(this.dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
    ], { stdio: 'ignore' });
    this.certificate = readFileSync(certFile, 'utf8');
    this.signingKey = (await generateKeyPair('RS256')).privateKey;
    const handler: Handler = (req, res, body) => void this.handle(req, res, body);
    this.server = createHttpsServer({ key: readFileSync(keyFile), cert: this.certificate }, (req, res) => {
      void readBody(req).then((body) => handler(req, res, body));
    });
    this.base = `https://127.0.0.1:${await listen(this.server)}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path === `/${TENANT_ID}/v2.0/.well-known/openid-configuration`) {
      return sendJson(res, {
        issuer: `${this.authority}/v2.0`,
        token_endpoint: `${this.authority}/oauth2/v2.0/token`,
        authorization_endpoint: `${this.authority}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${this.authority}/oauth2/v2.0/logout`,
        jwks_uri: `${this.authority}/discovery/v2.0/keys`,
      });
    }
    if (req.method === 'POST' && path === `/${TENANT_ID}/oauth2/v2.0/token`) {
      const form = new URLSearchParams(body);
      this.tokenRequests.push(form);
      if (form.get('client_id') !== APP_ID || form.get('client_secret') !== APP_PASSWORD) {
        return sendJson(res, { error: 'invalid_client', error_description: 'bad client credentials' }, 401);
      }
      if (!this.signingKey) throw new Error('start() first');
      const accessToken = await new SignJWT({ appid: APP_ID })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
        .setIssuer(`${this.authority}/v2.0`)
        .setAudience('https://api.botframework.com')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(this.signingKey);
      this.issuedTokens.push(accessToken);
      return sendJson(res, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken });
    }
    sendJson(res, { error: 'not found' }, 404);
  }

  async stop(): Promise<void> {
    if (this.server) await stop(this.server);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The environment that points botbuilder at the local stand-ins (every parameterised value, as botbuilder wants). */
export function channelAuthEnv(tokens: ChannelTokenService, login: LoginAuthority | undefined): Record<string, string> {
  return {
    MicrosoftAppId: APP_ID,
    MicrosoftAppPassword: APP_PASSWORD,
    MicrosoftAppType: 'SingleTenant',
    MicrosoftAppTenantId: TENANT_ID,
    ToBotFromChannelOpenIdMetadataUrl: tokens.metadataUrl,
    ToBotFromChannelTokenIssuer: tokens.issuer,
    ToBotFromEmulatorOpenIdMetadataUrl: tokens.metadataUrl,
    ToChannelFromBotLoginUrl: login ? login.authority : 'https://127.0.0.1:9/unused',
    ToChannelFromBotOAuthScope: 'https://api.botframework.com',
    OAuthUrl: `${tokens.base}/oauth`,
    ValidateAuthority: 'false',
  };
}

/** A Teams personal-chat message, as the Bot Connector POSTs it. */
export function teamsMessage(serviceUrl: string, text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'message',
    id: `1700000000${Math.floor(Math.random() * 1e6)}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: { id: '29:1a2b3c-user', name: '山田 太郎', aadObjectId: '0f3e2d1c-aaaa-bbbb-cccc-111122223333' },
    conversation: { id: 'a:1personal-chat-id', conversationType: 'personal', tenantId: TENANT_ID },
    recipient: { id: `28:${APP_ID}`, name: 'IT Helpdesk' },
    text,
    textFormat: 'plain',
    locale: 'ja-JP',
    channelData: { tenant: { id: TENANT_ID } },
    ...extra,
  };
}
