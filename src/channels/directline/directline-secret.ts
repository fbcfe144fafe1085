import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';

export const SECRET_FILE = 'directline-secret';
const MIN_LENGTH = 32;

/**
 * DIRECTLINE_SECRET from the environment, or the one kept in DATA_DIR (generated on first start).
 * Logs where it comes from, never the secret itself.
 */
export function resolveDirectLineSecret(configured: string, dataDir: string, log: FastifyBaseLogger): string {
  if (configured !== '') {
    if (configured.length < MIN_LENGTH) throw new Error(`DIRECTLINE_SECRET must be at least ${MIN_LENGTH} characters`);
    log.info('Direct Line secret taken from DIRECTLINE_SECRET');
    return configured;
  }
  const file = join(dataDir, SECRET_FILE);
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length < MIN_LENGTH) throw new Error(`${file} holds no usable Direct Line secret; delete it to generate a new one`);
    log.info({ file }, 'Direct Line secret read from the data folder');
    return stored;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  log.warn({ file }, 'DIRECTLINE_SECRET is not set: generated a Direct Line secret and saved it in the data folder');
  return secret;
}
