import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createActor } from 'xstate';
import { createConversationMachine } from '../../dialogs/conversation.machine.js';
import type { BotOutput } from '../../dialogs/types.js';
import { loadContent } from '../../src/content/load-content.js';
import { projectRoot } from '../../src/project-root.js';

const content = loadContent(join(projectRoot(), 'content'));

function waitingOnTicket(ticketNumber: string) {
  const actor = createActor(createConversationMachine(content), { input: { locale: 'ja' } });
  const said: BotOutput[] = [];
  actor.on('*', (output) => said.push(output));
  actor.start();
  actor.send({ type: 'REQUEST_HUMAN' });
  actor.send({ type: 'SKIP_DESCRIPTION' });
  actor.send({ type: 'TICKET_CREATED', ticketNumber });
  return { actor, said };
}

describe('staff events reach only the ticket the employee is waiting on', () => {
  it('an agent joining the current ticket starts the live chat', () => {
    const { actor, said } = waitingOnTicket('HD-000001');
    actor.send({ type: 'AGENT_JOINED', ticketNumber: 'HD-000001', agentName: 'alice' });
    assert.equal(actor.getSnapshot().value, 'withAgent');
    assert.ok(said.some((o) => o.type === 'say' && o.text.includes('alice')));
  });

  it('late news about a ticket the employee has left (started over) does not pull them back', () => {
    const { actor, said } = waitingOnTicket('HD-000002');
    actor.send({ type: 'START_OVER' });
    const before = said.length;
    actor.send({ type: 'AGENT_JOINED', ticketNumber: 'HD-000002', agentName: 'alice' });
    actor.send({ type: 'TICKET_RESOLVED', ticketNumber: 'HD-000002', agentName: 'alice', note: null });
    assert.equal(actor.getSnapshot().value, 'idle');
    assert.equal(said.length, before, 'nothing is said about the abandoned ticket');
  });
});
