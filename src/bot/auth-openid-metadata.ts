import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { AuthenticationConstants, GovernmentConstants } from 'botframework-connector';
// Not part of the package's index: the per-URL signing-key cache lives on this class (see installTimedOpenIdMetadata).
import { JwtTokenExtractor } from 'botframework-connector/lib/auth/jwtTokenExtractor.js';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { BotFrameworkConfig } from '../config.js';
import { HdErrors } from '../errors.js';

/** Both fetches of one refresh (metadata document, then its JWKS) must finish within this. */
export const METADATA_FETCH_TIMEOUT_MS = 3000;
/** Signing keys are trusted for a day, like botbuilder does. */
const KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** A token with an unknown key id triggers a refresh at most this often, so forged kids cannot hammer the endpoint. */
const UNKNOWN_KID_REFRESH_MS = 5 * 60 * 1000;

interface SigningKey {
  kid: string;
  pem: string;
  endorsements?: string[];
}

/** The shape botbuilder's JwtTokenExtractor expects back from getKey(). */
interface OpenIdMetadataKey {
  key: string;
  endorsements?: string[];
}

function readJson(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not a JSON object`);
  return Object.fromEntries(Object.entries(value));
}

function readSigningKeys(jwks: unknown): SigningKey[] {
  const keys = readJson(jwks, 'the JWKS document').keys;
  if (!Array.isArray(keys)) throw new Error('the JWKS document has no "keys" array');
  const result: SigningKey[] = [];
  for (const entry of keys) {
    if (typeof entry !== 'object' || entry === null) continue;
    const jwk = readJson(entry, 'a JWKS key');
    const { kid, kty, n, e } = jwk;
    // botbuilder only verifies RS256/384/512: other key types are skipped, as botbuilder does.
    if (typeof kid !== 'string' || kty !== 'RSA' || typeof n !== 'string' || typeof e !== 'string') continue;
    const rsa: JsonWebKey = { kty, n, e };
    const pem = createPublicKey({ key: rsa, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    const endorsements = Array.isArray(jwk.endorsements) ? jwk.endorsements.filter((x): x is string => typeof x === 'string') : undefined;
    result.push(endorsements ? { kid, pem, endorsements } : { kid, pem });
  }
  return result;
}

/**
 * A drop-in for botbuilder's OpenIdMetadata (the signing-key cache behind channel token validation).
 * botbuilder's own fetches the metadata with no timeout: a metadata endpoint that accepts the connection and never
 * answers hangs every request for as long as the socket lives. This one aborts the fetch after
 * METADATA_FETCH_TIMEOUT_MS, shares one refresh between concurrent requests, never caches a failure, and reports
 * an unreachable endpoint as HD_ERR_AUTH_UNAVAILABLE (503) instead of a 500.
 */
export class TimedOpenIdMetadata {
  private keys: SigningKey[] = [];
  private loadedAt = 0;
  private lastAttempt = 0;
  private refreshing: Promise<void> | undefined;

  constructor(
    readonly url: string,
    private readonly logger: Logger,
    private readonly timeoutMs = METADATA_FETCH_TIMEOUT_MS,
  ) {}

  async getKey(keyId: string | undefined): Promise<OpenIdMetadataKey | null> {
    const now = Date.now();
    const stale = now - this.loadedAt > KEY_LIFETIME_MS;
    let key = this.findKey(keyId);
    if (stale || (!key && (this.keys.length === 0 || now - this.lastAttempt > UNKNOWN_KID_REFRESH_MS))) {
      try {
        await this.refresh();
      } catch (err) {
        // Keys we already hold stay good for a token signed with one of them; without one, nobody can be verified.
        if (!key) throw err;
        this.logger.warn({ err, url: this.url }, 'OpenID metadata refresh failed; using the keys cached earlier');
      }
      key = this.findKey(keyId);
    }
    return key ? (key.endorsements ? { key: key.pem, endorsements: key.endorsements } : { key: key.pem }) : null;
  }

  private findKey(keyId: string | undefined): SigningKey | undefined {
    return keyId === undefined ? undefined : this.keys.find((k) => k.kid === keyId);
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    this.lastAttempt = Date.now();
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const metadata = readJson(await this.fetchJson(this.url, signal), 'the OpenID metadata');
      const jwksUri = metadata.jwks_uri;
      if (typeof jwksUri !== 'string' || !/^https?:\/\//i.test(jwksUri)) throw new Error('the OpenID metadata has no http(s) "jwks_uri"');
      const keys = readSigningKeys(await this.fetchJson(jwksUri, signal));
      if (keys.length === 0) throw new Error('the JWKS document holds no RSA signing key');
      this.keys = keys;
      this.loadedAt = Date.now();
    } catch (err) {
      const reason = signal.aborted ? `no answer within ${this.timeoutMs} ms` : err instanceof Error ? err.message : String(err);
      this.logger.error({ url: this.url, reason }, 'could not load the Bot Framework signing keys');
      throw new HdErrors.AUTH_UNAVAILABLE('the signing keys could not be loaded');
    }
  }

  private async fetchJson(url: string, signal: AbortSignal): Promise<unknown> {
    const res = await fetch(url, { signal, headers: { accept: 'application/json' } });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`${url} answered ${res.status}`);
    }
    return res.json();
  }
}

/**
 * Puts a TimedOpenIdMetadata in botbuilder's per-URL key cache for every metadata URL this configuration can
 * validate tokens against (channel and Emulator; public and US government clouds), so botbuilder's validation
 * (issuer, audience, signature, endorsements, serviceUrl) runs on keys fetched with a timeout.
 * The cache is a private static of JwtTokenExtractor: if a botbuilder upgrade renames it, this returns false and
 * the caller's overall timeout is the only guard left.
 */
export function installTimedOpenIdMetadata(botFramework: BotFrameworkConfig, logger: Logger): boolean {
  const cache: unknown = Reflect.get(JwtTokenExtractor, 'openIdMetadataCache');
  if (!(cache instanceof Map)) {
    logger.warn('botbuilder has no openIdMetadataCache any more; signing-key fetches run without their own timeout');
    return false;
  }
  const urls = new Set(
    [
      botFramework.ToBotFromChannelOpenIdMetadataUrl,
      botFramework.ToBotFromEmulatorOpenIdMetadataUrl,
      AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
      AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
      GovernmentConstants.ToBotFromChannelOpenIdMetadataUrl,
      GovernmentConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    ].filter((u): u is string => typeof u === 'string' && u !== ''),
  );
  for (const url of urls) cache.set(url, new TimedOpenIdMetadata(url, logger));
  return true;
}
