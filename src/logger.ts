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
];

export function loggerOptions(level: string): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
  };
}
