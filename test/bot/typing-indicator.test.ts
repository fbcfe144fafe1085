import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestAdapter, type Activity } from 'botbuilder';
import { pino } from 'pino';
import { createHelpdeskBot } from '../../src/bot/helpdesk-bot.js';
import type { Deliver, TurnResult, UserInput } from '../../src/conversation/turn-runner.js';

/** A runner whose answer takes `ms` to be ready: the turn's storage and dialog, as slow as a test needs. */
function runnerTaking(ms: number) {
  return {
    async run(_input: UserInput, deliver?: Deliver<TurnResult>): Promise<TurnResult> {
      await sleep(ms);
      const result: TurnResult = { outputs: [{ type: 'say', text: 'the answer' }], locale: 'en' };
      await deliver?.(result);
      return result;
    },
  };
}

/** What the employee's channel receives for one message, in order: the activity types and texts. */
async function received(answerMs: number, typingDelayMs: number): Promise<string[]> {
  const bot = createHelpdeskBot(runnerTaking(answerMs), pino({ level: 'silent' }), typingDelayMs);
  const sent: string[] = [];
  const adapter = new TestAdapter(async (context) => {
    context.onSendActivities(async (_ctx, activities: Partial<Activity>[], next) => {
      sent.push(...activities.map((a) => (a.type === 'typing' ? 'typing' : `${a.type}: ${a.text ?? ''}`)));
      return next();
    });
    await bot(context);
  });
  await adapter.send('my VPN drops');
  return sent;
}

describe('the typing indicator', () => {
  it('is not sent when the answer is ready at once (it could not be seen, and costs a call to the channel)', async () => {
    assert.deepEqual(await received(0, 300), ['message: the answer']);
  });

  it('goes out before the answer when the answer takes longer than the delay', async () => {
    assert.deepEqual(await received(400, 50), ['typing', 'message: the answer']);
  });

  it('goes out before every answer with a delay of 0', async () => {
    assert.deepEqual(await received(0, 0), ['typing', 'message: the answer']);
  });

  it('is never sent after the turn ended', async () => {
    const sent = await received(0, 30);
    await sleep(80);
    assert.deepEqual(sent, ['message: the answer']);
  });
});
