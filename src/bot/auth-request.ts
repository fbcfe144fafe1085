import { AuthenticationError, type AuthenticateRequestResult, type BotFrameworkAuthentication } from 'botframework-connector';
import type { Activity } from 'botbuilder';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { HdErrors } from '../errors.js';

/** The whole authentication step (key fetch included) gives up after this; well under the channel's own retry window. */
export const AUTH_TIMEOUT_MS = 4000;

/** jsonwebtoken's verify() errors, which botbuilder lets through untyped (a bad signature would otherwise be a 500). */
const TOKEN_ERROR_NAMES = new Set(['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError']);
/** Errors of an HTTP client that could not reach the metadata endpoint. */
const NETWORK_ERROR_NAMES = new Set(['FetchError', 'AbortError', 'TimeoutError']);
const NETWORK_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

class AuthTimeoutError extends Error {
  override name = 'AuthTimeoutError';
}

function isCodedError(err: unknown): err is Error & { code: string } {
  return err instanceof Error && typeof Reflect.get(err, 'code') === 'string' && String(Reflect.get(err, 'code')).startsWith('HD_ERR_');
}

/** Turns whatever botbuilder's authentication threw into our coded 401 or 503; anything else stays a 500. */
export function classifyAuthError(err: unknown): Error {
  if (isCodedError(err)) return err;
  if (err instanceof AuthTimeoutError) return new HdErrors.AUTH_UNAVAILABLE('no answer in time');
  if (err instanceof AuthenticationError) {
    return err.statusCode >= 500
      ? new HdErrors.AUTH_UNAVAILABLE('the signing keys could not be loaded')
      : new HdErrors.UNAUTHORIZED('the channel token was rejected');
  }
  if (err instanceof Error) {
    if (TOKEN_ERROR_NAMES.has(err.name)) return new HdErrors.UNAUTHORIZED('the channel token was rejected');
    const code: unknown = Reflect.get(err, 'code');
    if (NETWORK_ERROR_NAMES.has(err.name) || (typeof code === 'string' && NETWORK_ERROR_CODES.has(code))) {
      return new HdErrors.AUTH_UNAVAILABLE('the signing keys could not be loaded');
    }
  }
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Runs botbuilder's request authentication (issuer, audience, signature, expiry, endorsements, serviceUrl claim)
 * under a deadline, and answers in our error codes: 401 for a token that is wrong, 503 when the keys to check it
 * cannot be had. A timed-out attempt keeps no hold on later requests: its outcome is dropped.
 */
export async function authenticateChannelRequest(
  auth: BotFrameworkAuthentication,
  activity: Activity,
  authHeader: string,
  logger: Logger,
  timeoutMs = AUTH_TIMEOUT_MS,
): Promise<AuthenticateRequestResult> {
  let timer: NodeJS.Timeout | undefined;
  const attempt = auth.authenticateRequest(activity, authHeader);
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AuthTimeoutError(`authentication took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([attempt, deadline]);
  } catch (err) {
    attempt.catch(() => undefined);
    const classified = classifyAuthError(err);
    const status = Reflect.get(classified, 'statusCode');
    const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    if (status === 401) logger.info({ channelId: activity.channelId, reason: detail }, 'channel request rejected');
    else logger.error({ channelId: activity.channelId, reason: detail }, 'channel request could not be authenticated');
    throw classified;
  } finally {
    clearTimeout(timer);
  }
}
