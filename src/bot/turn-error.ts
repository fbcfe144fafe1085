import type { TurnContext } from 'botbuilder';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { message } from '../../dialogs/format.js';
import type { Messages } from '../content/schema.js';
import { conversationKey } from '../conversation/conversation-address.js';
import { isDatabaseUnavailable } from '../storage/database-errors.js';
import { TurnSupersededError } from '../storage/unit-of-work.js';
import { detectLocale, localeFromTag } from '../understanding/detect-locale.js';

export type TurnErrorHandler = (context: TurnContext, error: unknown) => Promise<void>;

/** A reply that never reached the channel: its deadline aborted it, or the HTTP client got no status back. */
function channelUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === 'AbortError' || (error.name === 'RestError' && Reflect.get(error, 'statusCode') === undefined);
}

/**
 * The one turn-error handler of every adapter (Bot Connector and Direct Line): log with the conversation key, and
 * apologise to the employee in their language (a database outage gets its own words: try again shortly).
 */
export function createTurnErrorHandler(messages: Messages, logger: Logger): TurnErrorHandler {
  return async (context, error) => {
    const activity = context.activity;
    // Another instance already answered this very message (a taken-over turn that finished twice): say nothing.
    if (error instanceof TurnSupersededError) {
      logger.info({ conversationId: conversationKey(activity.channelId, activity.conversation?.id ?? '') }, 'turn already answered by another run');
      return;
    }
    const locale = detectLocale(activity.text ?? '') ?? localeFromTag(activity.locale) ?? 'ja';
    const unavailable = isDatabaseUnavailable(error);
    logger.error(
      { err: error, conversationId: conversationKey(activity.channelId, activity.conversation?.id ?? ''), activityType: activity.type },
      unavailable ? 'turn failed: the database cannot be reached' : 'turn failed',
    );
    // The channel itself did not answer (the reply's deadline or its retries ran out): an apology would go the
    // same way and hold the request as long again.
    if (channelUnreachable(error)) return;
    try {
      // An outage is not the user's doing and not a bug to report: say so, and that trying again shortly will work.
      await context.sendActivity(message(messages, unavailable ? 'storageUnavailable' : 'turnError', locale));
    } catch (sendError) {
      logger.error({ err: sendError }, 'could not tell the user about the failed turn');
    }
  };
}
