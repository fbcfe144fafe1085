import {
  ActivityTypes,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type InvokeResponse,
  type ResourceResponse,
  type TurnContext,
} from 'botbuilder';
import {
  EmulatorValidation,
  type AuthenticateRequestResult,
  type BotFrameworkAuthentication,
  type ClaimsIdentity,
  type ConnectorClient,
  type ConnectorFactory,
} from 'botframework-connector';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { HdErrors } from '../errors.js';
import type { BotFrameworkConfig } from '../config.js';
import { createPrivateCloudCredentials } from './auth-credentials.js';
import { installTimedOpenIdMetadata } from './auth-openid-metadata.js';
import { authenticateChannelRequest } from './auth-request.js';
import { ConnectorReplies } from './connector-replies.js';
import { ReusedConnectorClients } from './reused-connector-clients.js';
import type { TurnErrorHandler } from './turn-error.js';

/** Activities CloudAdapter handles without calling the channel (a pause, the invoke response, a trace). */
const LOCAL_TYPES = new Set<string>(['delay', ActivityTypes.InvokeResponse, ActivityTypes.Trace]);

/**
 * CloudAdapter with its turn entry point made public, so the HTTP route keeps the invoke response and errors.
 * Authentication runs first, on its own, under a deadline and with coded errors (401 / 503); the turn only starts
 * once the request is known to come from the channel. Activities go to the Bot Connector as plain JSON requests
 * (connector-replies.ts) with the turn's connector client's token, instead of through that client's pipeline.
 */
export class HelpdeskAdapter extends CloudAdapter {
  constructor(
    private readonly auth: BotFrameworkAuthentication,
    private readonly log: Logger,
    /** False when this configuration has nowhere to fetch the Emulator's signing keys from. */
    private readonly emulatorTokens: boolean,
    private readonly replies?: ConnectorReplies,
  ) {
    super(auth);
  }

  private directClient(context: TurnContext): ConnectorClient | undefined {
    const client = context.turnState.get<ConnectorClient | undefined>(this.ConnectorClientKey);
    return this.replies?.usable(client) ? client : undefined;
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const client = this.directClient(context);
    if (!client || !this.replies || activities.length === 0) return super.sendActivities(context, activities);
    const responses: ResourceResponse[] = [];
    // One after another, as CloudAdapter sends them: the channel shows them in this order.
    for (const activity of activities) {
      if (LOCAL_TYPES.has(activity.type ?? '')) {
        responses.push(...(await super.sendActivities(context, [activity])));
        continue;
      }
      delete activity.id;
      responses.push(await this.replies.send(client, activity));
    }
    return responses;
  }

  override async updateActivity(context: TurnContext, activity: Partial<Activity>): Promise<ResourceResponse | void> {
    const client = this.directClient(context);
    if (!client || !this.replies) return super.updateActivity(context, activity);
    return this.replies.update(client, activity);
  }

  async handleActivity(
    authHeader: string,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    // botbuilder would try to load the keys from an undefined URL (a 500): a token it cannot check is refused.
    if (!this.emulatorTokens && authHeader && EmulatorValidation.isTokenFromEmulator(authHeader)) {
      this.log.info({ channelId: activity.channelId }, 'channel request rejected: an Emulator token, and no Emulator metadata is configured');
      throw new HdErrors.UNAUTHORIZED('the channel token was rejected');
    }
    const authenticated = await authenticateChannelRequest(this.auth, activity, authHeader, this.log);
    return this.processActivity(authenticated, activity, logic);
  }
}

/**
 * Every call a connector client makes to a channel (replies, updates, proactive messages) ends after
 * `channelTimeoutMs`: a serviceUrl that accepts the connection and never answers must not hold a turn, and its
 * HTTP request, forever. botbuilder replaces any request policies given in its options, so the deadline is added
 * to each client's pipeline as the factory makes it.
 */
class TimedBotFrameworkAuthentication extends ConfigurationBotFrameworkAuthentication {
  channelTimeoutMs = 10_000;
  logger: Logger | undefined;

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.timed(super.createConnectorFactory(claimsIdentity));
  }

  /** A turn's replies use the factory that comes with its authentication result. */
  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    const result = await super.authenticateRequest(activity, authHeader);
    return result.connectorFactory ? { ...result, connectorFactory: this.timed(result.connectorFactory) } : result;
  }

  private timed(inner: ConnectorFactory): ConnectorFactory {
    const ms = this.channelTimeoutMs;
    const logger = this.logger;
    return {
      async create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
        const client = await inner.create(serviceUrl, audience);
        if (!addDeadline(client, ms)) logger?.warn('the connector client has no pipeline to add a deadline to; replies to channels run without one');
        return client;
      },
    };
  }
}

interface PipelineLike {
  addPolicy(policy: { name: string; sendRequest(request: { timeout: number }, next: (request: { timeout: number }) => Promise<unknown>): Promise<unknown> }): void;
}

function isPipeline(value: unknown): value is PipelineLike {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'addPolicy') === 'function';
}

function addDeadline(client: ConnectorClient, ms: number): boolean {
  const inner: unknown = Reflect.get(client, 'client');
  const pipeline: unknown = typeof inner === 'object' && inner !== null ? Reflect.get(inner, 'pipeline') : undefined;
  if (!isPipeline(pipeline)) return false;
  pipeline.addPolicy({
    name: 'helpdeskChannelDeadline',
    sendRequest: (request, next) => {
      request.timeout = ms;
      return next(request);
    },
  });
  return true;
}

/** Settings that make botbuilder use exactly the values given (and no cloud's defaults) when any one is set. */
const PARAMETERISED_KEYS = [
  'ToChannelFromBotLoginUrl',
  'ToChannelFromBotOAuthScope',
  'ToBotFromChannelTokenIssuer',
  'OAuthUrl',
  'ToBotFromChannelOpenIdMetadataUrl',
  'ToBotFromEmulatorOpenIdMetadataUrl',
  'CallerId',
] as const;

/**
 * Whether Emulator-issued tokens can be checked: with a cloud's defaults they can (botbuilder knows the Emulator's
 * metadata URL); with explicit settings only when ToBotFromEmulatorOpenIdMetadataUrl is among them.
 */
function acceptsEmulatorTokens(botFramework: BotFrameworkConfig): boolean {
  const value = (key: (typeof PARAMETERISED_KEYS)[number]): string => {
    const v: unknown = Reflect.get(botFramework, key);
    return typeof v === 'string' ? v.trim() : '';
  };
  const parameterised = PARAMETERISED_KEYS.some((key) => value(key) !== '');
  return !parameterised || value('ToBotFromEmulatorOpenIdMetadataUrl') !== '';
}

/**
 * The one CloudAdapter of the process. Its authentication is built from botbuilder's own configuration keys,
 * taken from the environment as they are (MicrosoftAppId, ToBotFromChannelOpenIdMetadataUrl, …).
 * An empty MicrosoftAppId is botbuilder's local mode: no channel authentication, replies without a token.
 */
export function createAdapter(
  botFramework: BotFrameworkConfig,
  onTurnError: TurnErrorHandler,
  logger: Logger,
  channelTimeoutMs = 10_000,
): HelpdeskAdapter {
  if (botFramework.MicrosoftAppId) installTimedOpenIdMetadata(botFramework, logger);
  const timed = new TimedBotFrameworkAuthentication({ ...botFramework }, createPrivateCloudCredentials(botFramework));
  timed.channelTimeoutMs = channelTimeoutMs;
  timed.logger = logger;
  // One connector client per serviceUrl, made (and given its deadline) once, instead of one per turn.
  const auth = new ReusedConnectorClients(timed);
  const adapter = new HelpdeskAdapter(auth, logger, acceptsEmulatorTokens(botFramework), new ConnectorReplies(channelTimeoutMs));
  adapter.onTurnError = onTurnError;
  return adapter;
}
