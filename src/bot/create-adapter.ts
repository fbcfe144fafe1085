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
import { createPrivateCloudCredentials } from './auth-credentials.js';
import { installTimedOpenIdMetadata } from './auth-openid-metadata.js';
import { authenticateChannelRequest } from './auth-request.js';

/**
 * CloudAdapter with its turn entry point made public, so the HTTP route keeps the invoke response and errors.
 * Authentication runs first, on its own, under a deadline and with coded errors (401 / 503); the turn only starts
 * once the request is known to come from the channel.
 */
export class HelpdeskAdapter extends CloudAdapter {
  constructor(
    private readonly auth: ConfigurationBotFrameworkAuthentication,
    private readonly log: Logger,
  ) {
    super(auth);
  }

  async handleActivity(
    authHeader: string,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    const authenticated = await authenticateChannelRequest(this.auth, activity, authHeader, this.log);
    return this.processActivity(authenticated, activity, logic);
  }
}

/**
 * The one CloudAdapter of the process. Its authentication is built from botbuilder's own configuration keys,
 * taken from the environment as they are (MicrosoftAppId, ToBotFromChannelOpenIdMetadataUrl, …).
 * An empty MicrosoftAppId is botbuilder's local mode: no channel authentication, replies without a token.
 */
export function createAdapter(botFramework: BotFrameworkConfig, messages: Messages, logger: Logger): HelpdeskAdapter {
  if (botFramework.MicrosoftAppId) installTimedOpenIdMetadata(botFramework, logger);
  const auth = new ConfigurationBotFrameworkAuthentication({ ...botFramework }, createPrivateCloudCredentials(botFramework));
  const adapter = new HelpdeskAdapter(auth, logger);
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
