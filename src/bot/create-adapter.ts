import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { message } from '../../dialogs/format.js';
import type { Messages } from '../content/schema.js';
import type { BotFrameworkConfig } from '../config.js';
import { detectLocale, localeFromTag } from '../understanding/detect-locale.js';

/** CloudAdapter with its turn entry point made public, so the HTTP route keeps the invoke response and errors. */
export class HelpdeskAdapter extends CloudAdapter {
  handleActivity(
    authHeader: string,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(authHeader, activity, logic);
  }
}

/**
 * The one CloudAdapter of the process. Its authentication is built from botbuilder's own configuration keys,
 * taken from the environment as they are (MicrosoftAppId, ToBotFromChannelOpenIdMetadataUrl, …).
 * An empty MicrosoftAppId is botbuilder's local mode: no channel authentication, replies without a token.
 */
export function createAdapter(botFramework: BotFrameworkConfig, messages: Messages, logger: Logger): HelpdeskAdapter {
  const auth = new ConfigurationBotFrameworkAuthentication({ ...botFramework });
  const adapter = new HelpdeskAdapter(auth);
  adapter.onTurnError = async (context: TurnContext, error: unknown) => {
    const activity = context.activity;
    const locale = detectLocale(activity.text ?? '') ?? localeFromTag(activity.locale) ?? 'ja';
    logger.error(
      { err: error, conversationId: `${activity.channelId}:${activity.conversation?.id ?? ''}`, activityType: activity.type },
      'turn failed',
    );
    try {
      await context.sendActivity(message(messages, 'turnError', locale));
    } catch (sendError) {
      logger.error({ err: sendError }, 'could not tell the user about the failed turn');
    }
  };
  return adapter;
}
