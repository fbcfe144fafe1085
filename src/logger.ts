import type { FastifyServerOptions } from 'fastify';

/**
 * Paths pino blanks out wherever they appear in a log line. Bot Framework and Direct Line tokens travel in the
 * Authorization header; secrets may sit in config objects or errors that get logged.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.authorization',
  '*.Authorization',
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'MicrosoftAppPassword',
  '*.MicrosoftAppPassword',
  'CertificatePrivateKey',
  '*.CertificatePrivateKey',
  'DIRECTLINE_SECRET',
  '*.DIRECTLINE_SECRET',
  'WEBHOOK_SECRET',
  '*.WEBHOOK_SECRET',
  'webhook.secret',
  '*.webhook.secret',
  'databaseUrl',
  '*.databaseUrl',
  'WEBCHAT_USER_ASSERTION_SECRET',
  '*.WEBCHAT_USER_ASSERTION_SECRET',
  'userAssertionSecret',
  '*.userAssertionSecret',
  'userAssertion',
  '*.userAssertion',
];

/** Query parameters that carry credentials (the Direct Line streamUrl's `t`); masked in logged URLs. */
const SECRET_QUERY = /([?&](?:t|token)=)[^&#]*/g;

/** A request URL fit for a log line. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[REDACTED]');
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

export function loggerOptions(level: string): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: {
      req: (request: LoggedRequest) => ({
        method: request.method,
        url: redactUrl(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  };
}
