import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** One IT staff member allowed into the agent API and console. Only the SHA-256 of their token is configured. */
export interface AgentCredential {
  /** Shown to employees ("alice from IT has joined"), and the agent's id. */
  name: string;
  sha256: Buffer;
}

/**
 * AGENT_TOKENS="alice:<sha256 hex>,bob:<sha256 hex>" (ADMIN_TOKENS has the same format). Throws an Error naming the
 * variable and the bad entry.
 */
export function parseAgentTokens(text: string | undefined, variable = 'AGENT_TOKENS'): AgentCredential[] {
  const agents: AgentCredential[] = [];
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.lastIndexOf(':');
    const name = entry.slice(0, Math.max(at, 0)).trim();
    const hex = entry.slice(at + 1).trim();
    if (at < 1 || name === '' || name.length > 64 || /[<>&"'\u0000-\u001f]/.test(name)) {
      throw new Error(`${variable} entry "${entry.slice(0, 40)}" must look like alice:<sha256 hex of the token>`);
    }
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new Error(`${variable} entry for "${name}" must carry the 64-digit SHA-256 hex of the token (npm run agent:token -- ${name})`);
    }
    if (agents.some((a) => a.name === name)) throw new Error(`${variable} names "${name}" twice`);
    agents.push({ name, sha256: Buffer.from(hex, 'hex') });
  }
  return agents;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** A fresh random token (256 bits, URL-safe) and its config entry. */
export function newAgentToken(name: string): { token: string; entry: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, entry: `${name}:${hashToken(token).toString('hex')}` };
}

/**
 * The agent a bearer token belongs to, or undefined. Compares the token's hash with every configured hash in
 * constant time, and always with all of them, so timing tells nothing about which entry came close.
 */
export function findAgent(agents: readonly AgentCredential[], token: string): AgentCredential | undefined {
  const presented = hashToken(token);
  let found: AgentCredential | undefined;
  for (const agent of agents) {
    if (timingSafeEqual(presented, agent.sha256) && !found) found = agent;
  }
  return found;
}
