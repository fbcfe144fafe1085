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

/** A typing indicator that goes out only if the answer is not ready in time; `stop` before the answer is sent. */
interface SlowTurnTyping {
  /** No typing from now on; resolves once one already on its way has been sent, so it never overtakes the answer. */
  stop(): Promise<void>;
}

/**
 * Every typing indicator is one more call to the channel (a POST through the Bot Connector for Teams), and most
 * answers are ready in a few milliseconds, long before "typing…" could be seen. Like botbuilder's
 * ShowTypingMiddleware, it is sent only when the answer takes longer than `delayMs` (0: right away, as before).
 * A failed indicator is only logged: the answer's own call reports a channel that is really down.
 */
function typingWhenSlow(context: TurnContext, delayMs: number, log: Logger): SlowTurnTyping {
  let inFlight: Promise<void> | undefined;
  const send = () => {
    inFlight = context.sendActivity({ type: 'typing' }).then(
      () => undefined,
      (err: unknown) => log.warn({ err }, 'the typing indicator could not be sent'),
    );
  };
  let timer: NodeJS.Timeout | undefined;
  if (delayMs <= 0) send();
  else timer = setTimeout(send, delayMs);
  return {
    async stop() {
      clearTimeout(timer);
      await inFlight;
    },
  };
}

/** The bot's turn logic: activity in, the runner's outputs rendered back to the same conversation. */
export function createHelpdeskBot(runner: Pick<TurnRunner, 'run'>, logger: Logger, typingDelayMs = 400) {
  const extensions: TurnExtension[] = [];
  const onTurn = async function onTurn(context: TurnContext): Promise<void> {
    for (const extension of extensions) {
      if (extension.intercept && (await extension.intercept(context))) return;
    }
    const input = readActivity(context.activity);
    if (!input) return;
    const log = logger.child({ conversationId: input.conversationId });
    const typing = input.kind === 'message' ? typingWhenSlow(context, typingDelayMs, log) : undefined;
    // Replies go out inside the conversation's slot of the runner's queue, so they keep the order of the turns. The
    // Direct Line keeps its history in our database: its replies commit with the turn (never zero, never two).
    let replies = 0;
    let result: TurnResult;
    try {
      result = await runner.run(
        input,
        async (turn) => {
          const activities = renderOutputs(turn.outputs, turn.locale, context.activity.channelId);
          await typing?.stop();
          if (activities.length > 0) await context.sendActivities(activities);
          replies = activities.length;
        },
        { inCommit: context.adapter instanceof DirectLineAdapter },
      );
    } finally {
      // A turn that failed (or had nothing to say) sends no late indicator either.
      await typing?.stop();
    }
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
