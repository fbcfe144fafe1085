import type { TurnContext } from 'botbuilder';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { TurnResult, TurnRunner } from '../conversation/turn-runner.js';
import { DirectLineAdapter } from './directline-adapter.js';
import { readActivity } from './read-activity.js';
import { renderOutputs } from './render-activity.js';

/**
 * A plug-in to the turn (issue 5 part B): `intercept` takes an activity away from the employee dialog (the Teams staff
 * channel) by returning true; `afterTurn` runs once the replies went out (the handoff.initiate event on escalation).
 */
export interface TurnExtension {
  intercept?(context: TurnContext): Promise<boolean>;
  afterTurn?(context: TurnContext, result: TurnResult): Promise<void>;
}

/** The bot's turn logic: activity in, the runner's outputs rendered back to the same conversation. */
export function createHelpdeskBot(runner: TurnRunner, logger: Logger) {
  const extensions: TurnExtension[] = [];
  const onTurn = async function onTurn(context: TurnContext): Promise<void> {
    for (const extension of extensions) {
      if (extension.intercept && (await extension.intercept(context))) return;
    }
    const input = readActivity(context.activity);
    if (!input) return;
    const log = logger.child({ conversationId: input.conversationId });
    if (input.kind === 'message') await context.sendActivity({ type: 'typing' });
    // Replies go out inside the conversation's slot of the runner's queue, so they keep the order of the turns. The
    // Direct Line keeps its history in our database: its replies commit with the turn (never zero, never two).
    let replies = 0;
    const result = await runner.run(
      input,
      async (turn) => {
        const activities = renderOutputs(turn.outputs, turn.locale, context.activity.channelId);
        if (activities.length > 0) await context.sendActivities(activities);
        replies = activities.length;
      },
      { inCommit: context.adapter instanceof DirectLineAdapter },
    );
    for (const extension of extensions) await extension.afterTurn?.(context, result);
    log.info({ replies, ticket: result.ticket?.number }, 'turn done');
  };
  return Object.assign(onTurn, {
    /** Adds a TurnExtension; returns the function that removes it again. */
    use(extension: TurnExtension): () => void {
      extensions.push(extension);
      return () => {
        const at = extensions.indexOf(extension);
        if (at >= 0) extensions.splice(at, 1);
      };
    },
  });
}
