/**
 * npm run agent:token -- alice
 * Prints a fresh token for one IT staff member (give it to them) and the AGENT_TOKENS entry holding only its hash
 * (add it to the server's configuration). The name is what employees see when this person joins their chat.
 */
import { newAgentToken } from '../src/handoff/agent-tokens.js';

const name = process.argv.slice(2).join(' ').trim();
if (name === '' || name.length > 64 || /[,:<>&"'\u0000-\u001f]/.test(name)) {
  process.stderr.write('usage: npm run agent:token -- <name>   (the name employees see; no commas or colons)\n');
  process.exit(2);
}
const { token, entry } = newAgentToken(name);
process.stdout.write(
  [
    `Token for ${name} (give it to them; it is shown only now and cannot be recovered):`,
    `  ${token}`,
    '',
    'Add this entry to AGENT_TOKENS for IT staff, or to ADMIN_TOKENS for an admin of /admin (comma-separated, one entry per person; delete it to revoke):',
    `  ${entry}`,
    '',
  ].join('\n'),
);
