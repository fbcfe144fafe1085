import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DatabaseUnavailableError, isDatabaseUnavailable } from '../../src/storage/database-errors.js';

function withCode(message: string, code: string, name = 'Error', cause?: unknown): Error {
  const err = new Error(message, cause === undefined ? undefined : { cause });
  err.name = name;
  Object.assign(err, { code });
  return err;
}

test('a database that cannot be reached is told apart from a channel that cannot be reached', () => {
  // The pool could not connect, the server went away, our own readiness deadline.
  assert.equal(isDatabaseUnavailable(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')), true);
  assert.equal(isDatabaseUnavailable(withCode('terminating connection due to administrator command', '57P01')), true);
  assert.equal(isDatabaseUnavailable(new Error('query failed', { cause: withCode('read ECONNRESET', 'ECONNRESET') })), true);
  assert.equal(isDatabaseUnavailable(new DatabaseUnavailableError('no answer within 2 s')), true);
  // The Bot Connector refused the reply: same network code, but the database is fine (no "try again later" apology).
  const refused = withCode('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED', 'RestError', withCode('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED'));
  assert.equal(isDatabaseUnavailable(refused), false);
  // A wrong query is a bug, not an outage.
  assert.equal(isDatabaseUnavailable(withCode('relation "nope" does not exist', '42P01')), false);
});
