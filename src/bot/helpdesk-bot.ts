import type { TurnContext } from 'botbuilder';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { TurnRunner } from '../conversation/turn-runner.js';
import { readActivity } from './read-activity.js';
import { renderActivity } from './render-activity.js';

/** The bot's turn logic: activity in, the runner's outputs rendered back to the same conversation. */
export function createHelpdeskBot(runner: TurnRunner, logger: Logger) {
  return async function onTurn(context: TurnContext): Promise<void> {
    const input = readActivity(context.activity);
    if (!input) return;
    const log = logger.child({ conversationId: input.conversationId });
    if (input.kind === 'message') await context.sendActivity({ type: 'typing' });
    const result = await runner.run(input);
    const activities = result.outputs.flatMap((output) => {
      const activity = renderActivity(output, result.locale === 'ja' ? 'ja-JP' : 'en-US');
      return activity ? [activity] : [];
    });
    if (activities.length > 0) await context.sendActivities(activities);
    log.debug({ replies: activities.length, ticket: result.ticket?.number }, 'turn done');
  };
}
