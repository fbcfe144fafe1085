import { createHmac } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { HdErrors } from '../../errors.js';
import type { DirectLineUser } from './directline-store.js';

/** Web Chat refreshes every 15 minutes; a token lives twice as long. */
export const TOKEN_LIFETIME_SECONDS = 30 * 60;
/** The streamUrl carries its own short-lived credential: browsers cannot send headers on a WebSocket. */
export const STREAM_TOKEN_LIFETIME_SECONDS = 5 * 60;

const ISSUER = 'helpdesk-directline';
const CONVERSATION_AUDIENCE = 'directline:conversation';
const STREAM_AUDIENCE = 'directline:stream';

/** What a verified Direct Line token grants: one conversation, as one user. */
export interface TokenGrant {
  conversationId: string;
  user: DirectLineUser;
  /** When the first token of this chain of refreshes was issued (seconds since the epoch); absent: now. */
  chainStartedAt?: number;
}

/** A chain of refreshes ends this long after its first token unless the service is configured otherwise. */
export const DEFAULT_TOKEN_MAX_LIFETIME_SECONDS = 24 * 60 * 60;

export interface IssuedToken {
  token: string;
  expiresIn: number;
}

export interface TokenIssuer {
  /** A token for the grant; the chain's start (`chainStartedAt`) carries over, and no token outlives the chain. */
  issue(grant: TokenGrant): Promise<IssuedToken>;
  /** Verifies a conversation token; 403 (Direct Line's "token expired or invalid") otherwise. */
  verify(token: string): Promise<TokenGrant>;
  issueStream(conversationId: string): Promise<string>;
  /** Verifies a streamUrl credential for that conversation; 403 otherwise. */
  verifyStream(token: string, conversationId: string): Promise<void>;
}

function readString(payload: JWTPayload, key: string): string | undefined {
  const value = payload[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function forbidden(err: unknown): Error {
  if (err instanceof joseErrors.JWTExpired) return new HdErrors.FORBIDDEN('the Direct Line token has expired');
  return new HdErrors.FORBIDDEN('the Direct Line token is not valid');
}

/** Conversation tokens remembered as verified (per issuer, oldest forgotten first): a few hundred chats at once. */
const VERIFIED_CAPACITY = 1000;

/** Signs Direct Line tokens (HS256, jose) with a key derived from DIRECTLINE_SECRET: rotating the secret revokes them. */
export function createTokenIssuer(secret: string, maxLifetimeSeconds = DEFAULT_TOKEN_MAX_LIFETIME_SECONDS): TokenIssuer {
  const key = createHmac('sha256', secret).update('helpdesk directline token key v1').digest();
  /**
   * Web Chat sends the same token with every message of a conversation, and jose checks its signature through
   * WebCrypto (a job on the thread pool): about 0.5 ms of CPU per message, a tenth of a Web Chat turn. A token whose
   * signature and claims were checked is remembered by its exact text until it expires; only this issuer's key
   * could have signed it, and a new secret means a new issuer (and an empty memory).
   */
  const verified = new Map<string, { grant: TokenGrant; expiresAt: number }>();
  const remember = (token: string, grant: TokenGrant, expiresAt: unknown) => {
    if (typeof expiresAt !== 'number') return;
    verified.set(token, { grant, expiresAt });
    while (verified.size > VERIFIED_CAPACITY) {
      const oldest = verified.keys().next().value;
      if (oldest === undefined) break;
      verified.delete(oldest);
    }
  };
  const copy = (grant: TokenGrant): TokenGrant => ({ ...grant, user: { ...grant.user } });
  return {
    async issue(grant) {
      const now = Math.floor(Date.now() / 1000);
      const chainStartedAt = grant.chainStartedAt ?? now;
      const left = chainStartedAt + maxLifetimeSeconds - now;
      if (left <= 0) {
        throw new HdErrors.FORBIDDEN('this Direct Line token has reached its maximum lifetime; open the chat again for a new one');
      }
      const expiresIn = Math.min(TOKEN_LIFETIME_SECONDS, left);
      const token = await new SignJWT({
        conv: grant.conversationId,
        // Web Chat decodes the token and takes its `user` claim as the user id.
        user: grant.user.id,
        name: grant.user.name,
        ...(grant.user.email ? { email: grant.user.email } : {}),
        chain: chainStartedAt,
      })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(CONVERSATION_AUDIENCE)
        .setSubject(grant.user.id)
        .setIssuedAt(now)
        .setExpirationTime(now + expiresIn)
        .sign(key);
      return { token, expiresIn };
    },

    async verify(token) {
      const known = verified.get(token);
      // jose's rule: a token is expired from its `exp` second on. An expired one goes through jose for its error.
      if (known && known.expiresAt > Math.floor(Date.now() / 1000)) return copy(known.grant);
      if (known) verified.delete(token);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, { issuer: ISSUER, audience: CONVERSATION_AUDIENCE, algorithms: ['HS256'] }));
      } catch (err) {
        throw forbidden(err);
      }
      const conversationId = readString(payload, 'conv');
      const userId = readString(payload, 'user');
      if (!conversationId || !userId) throw new HdErrors.FORBIDDEN('the Direct Line token is not valid');
      const email = readString(payload, 'email');
      // Tokens from before chains were recorded start their chain at their own issue time.
      const chain = typeof payload.chain === 'number' ? payload.chain : typeof payload.iat === 'number' ? payload.iat : undefined;
      const grant: TokenGrant = {
        conversationId,
        user: { id: userId, name: readString(payload, 'name') ?? '', ...(email ? { email } : {}) },
        ...(chain !== undefined ? { chainStartedAt: chain } : {}),
      };
      remember(token, grant, payload.exp);
      return copy(grant);
    },

    async issueStream(conversationId) {
      return new SignJWT({ conv: conversationId })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(STREAM_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${STREAM_TOKEN_LIFETIME_SECONDS}s`)
        .sign(key);
    },

    async verifyStream(token, conversationId) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, { issuer: ISSUER, audience: STREAM_AUDIENCE, algorithms: ['HS256'] }));
      } catch (err) {
        throw forbidden(err);
      }
      if (readString(payload, 'conv') !== conversationId) throw new HdErrors.FORBIDDEN('this stream belongs to another conversation');
    },
  };
}
