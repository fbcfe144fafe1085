import { createHmac } from 'node:crypto';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';

/** How long a closed tab can come back to its conversation; the server also requires the ticket to be open still. */
export const RESUME_KEY_LIFETIME_SECONDS = 14 * 24 * 60 * 60;

const ISSUER = 'helpdesk-webchat';
const AUDIENCE = 'webchat:resume';

export interface ResumeGrant {
  conversationId: string;
  userId: string;
}

/**
 * A credential an anonymous Web Chat page keeps in localStorage, so that closing the tab does not lose a conversation
 * whose ticket is still open: the page trades it for a fresh Direct Line token of that same conversation. Signed
 * (HS256) with a key derived from the Direct Line secret, so rotating the secret revokes every key.
 */
export function createResumeKeys(secret: string) {
  const key = createHmac('sha256', secret).update('helpdesk webchat resume key v1').digest();
  return {
    async issue(grant: ResumeGrant): Promise<string> {
      return new SignJWT({ conv: grant.conversationId })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(grant.userId)
        .setIssuedAt()
        .setExpirationTime(`${RESUME_KEY_LIFETIME_SECONDS}s`)
        .sign(key);
    },
    /** The grant, or undefined for a key that is forged, expired or not a resume key. */
    async verify(resumeKey: string): Promise<ResumeGrant | undefined> {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(resumeKey, key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] }));
      } catch {
        return undefined;
      }
      const conversationId = typeof payload.conv === 'string' ? payload.conv : '';
      const userId = payload.sub ?? '';
      return conversationId && userId ? { conversationId, userId } : undefined;
    },
  };
}

export type ResumeKeys = ReturnType<typeof createResumeKeys>;
