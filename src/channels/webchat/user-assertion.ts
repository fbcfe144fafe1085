import { errors as joseErrors, jwtVerify } from 'jose';
import { HdErrors } from '../../errors.js';

/** The employee the host site vouches for. */
export interface AssertedUser {
  id: string;
  name: string;
  email?: string;
}

/**
 * Verifies the host site's signed user assertion: an HS256 JWT with the shared WEBCHAT_USER_ASSERTION_SECRET,
 * carrying `sub` (the user id), optional `name` and `email`, and an expiry.
 */
export async function verifyUserAssertion(assertion: string, secret: string): Promise<AssertedUser> {
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp'],
      clockTolerance: 30,
    }));
  } catch (err) {
    throw new HdErrors.FORBIDDEN(err instanceof joseErrors.JWTExpired ? 'the user assertion has expired' : 'the user assertion is not valid');
  }
  const id = payload.sub;
  const name: unknown = payload.name;
  const email: unknown = payload.email;
  if (typeof id !== 'string' || !/^[^\s<>"'`]{1,128}$/.test(id) || id.startsWith('dl_')) throw new HdErrors.FORBIDDEN('the user assertion has no usable "sub"');
  if (name !== undefined && (typeof name !== 'string' || name.length > 100)) throw new HdErrors.FORBIDDEN('the user assertion "name" is not valid');
  if (email !== undefined && (typeof email !== 'string' || !/^[^\s@]{1,64}@[^\s@]{1,255}$/.test(email))) {
    throw new HdErrors.FORBIDDEN('the user assertion "email" is not valid');
  }
  return { id, name: typeof name === 'string' ? name : '', ...(typeof email === 'string' ? { email } : {}) };
}
