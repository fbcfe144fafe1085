/** Telling "the database cannot be reached right now" apart from a query that is wrong. */

/** Error codes of a database that cannot be reached (as opposed to a query that is wrong). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, terminated by pg_terminate_backend.
  '57P01',
  '57P02',
  '57P03',
  '57014',
  // PostgreSQL connection exceptions (class 08).
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const UNREACHABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error',
  'Connection terminated unexpectedly',
  'database is locked',
];

/** True for errors that mean "the database cannot be reached right now", so callers can answer 503 / a polite retry. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = Reflect.get(e, 'cause'), depth++) {
    if (e.name === 'DatabaseUnavailableError') return true;
    // A call to a channel (the Bot Connector's RestError) fails with the same network codes; it is not the database.
    if (e.name === 'RestError') return false;
    const code: unknown = Reflect.get(e, 'code');
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    if (UNREACHABLE_MESSAGES.some((m) => e instanceof Error && e.message.includes(m))) return true;
  }
  return false;
}

/** Raised by our own deadlines (the readiness ping). */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

