import { ActivityTypes, type Activity, type TurnContext } from 'botbuilder';
import {
  AuthenticationConstants,
  ClaimsIdentity,
  ConnectorClient,
  ConnectorFactory,
  MicrosoftAppCredentials,
  type AuthenticateRequestResult,
  type ConnectorClientOptions,
} from 'botframework-connector';
import type { HelpdeskAdapter } from './create-adapter.js';

/** Channel id of every activity the self-hosted Direct Line hands to the bot. */
export const WEBCHAT_CHANNEL_ID = 'webchat';

/** One user-side activity from the Direct Line store, as the bot should see it. */
export interface DirectLineInbound {
  type: 'message' | 'conversationUpdate';
  id: string;
  timestamp: string;
  conversationId: string;
  user: { id: string; name: string; email?: string };
  locale: string;
  text?: string;
  value?: unknown;
  channelData?: unknown;
}

/** Receives what the bot sends (already plain JSON, as the Bot Connector would get it) and returns the stored id. */
export type DeliverToDirectLine = (conversationId: string, activity: Record<string, unknown>) => Promise<string>;

export interface DirectLineBridgeOptions {
  adapter: HelpdeskAdapter;
  logic: (context: TurnContext) => Promise<void>;
  /** MicrosoftAppId ('' in local mode); the claims carry it so the adapter accepts the turn when it is set. */
  appId: string;
  botName: string;
  /** The serviceUrl the bot sees on Direct Line activities (our own Direct Line base). */
  serviceUrl: string;
  deliver: DeliverToDirectLine;
}

export interface DirectLineBridge {
  /** Runs one bot turn on the shared adapter (middleware, turn-error handler and all); replies go to deliver(). */
  runTurn(activity: DirectLineInbound): Promise<void>;
}

type HttpClient = NonNullable<ConnectorClientOptions['httpClient']>;
type HttpRequest = Parameters<HttpClient['sendRequest']>[0];
type HttpResponse = Awaited<ReturnType<HttpClient['sendRequest']>>;

const ACTIVITY_PATH = /\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?(?:\?.*)?$/;

function readJsonBody(body: unknown): Record<string, unknown> | undefined {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.fromEntries(Object.entries(value));
}

/**
 * The Bot Connector REST client's transport, replaced: instead of an HTTP call, the bot's reply goes straight into
 * the Direct Line store, in the order and at the moment the bot sends it (typing indicators and delays included).
 */
class InProcessHttpClient implements HttpClient {
  constructor(private readonly deliver: DeliverToDirectLine) {}

  async sendRequest(request: HttpRequest): Promise<HttpResponse> {
    const answer = (status: number, body: unknown): HttpResponse => ({
      request,
      status,
      headers: request.headers,
      bodyAsText: JSON.stringify(body),
      parsedBody: body,
    });
    const match = ACTIVITY_PATH.exec(new URL(request.url).pathname);
    const conversationId = match?.[1] ? decodeURIComponent(match[1]) : undefined;
    if (!conversationId) return answer(404, { error: { code: 'NotFound', message: 'the self-hosted Direct Line only receives activities' } });
    if (request.method !== 'POST') {
      return answer(405, { error: { code: 'MethodNotAllowed', message: 'Direct Line activities cannot be updated or deleted' } });
    }
    const activity = readJsonBody(request.body);
    if (!activity) return answer(400, { error: { code: 'BadArgument', message: 'the activity is not a JSON object' } });
    const id = await this.deliver(conversationId, activity);
    return answer(200, { id });
  }
}

class InProcessConnectorFactory extends ConnectorFactory {
  constructor(private readonly httpClient: HttpClient) {
    super();
  }

  override async create(serviceUrl: string): Promise<ConnectorClient> {
    // No credentials: nothing leaves the process, so there is nothing to sign.
    return new ConnectorClient(MicrosoftAppCredentials.Empty, { baseUri: serviceUrl, httpClient: this.httpClient });
  }
}

function toBotActivity(inbound: DirectLineInbound, options: DirectLineBridgeOptions): Activity {
  const bot = { id: options.appId || 'helpdesk-bot', name: options.botName, role: 'bot' };
  const user = {
    id: inbound.user.id,
    name: inbound.user.name,
    role: 'user',
    ...(inbound.user.email ? { properties: { email: inbound.user.email } } : {}),
  };
  return {
    type: inbound.type === 'message' ? ActivityTypes.Message : ActivityTypes.ConversationUpdate,
    id: inbound.id,
    timestamp: new Date(inbound.timestamp),
    localTimezone: '',
    callerId: '',
    serviceUrl: options.serviceUrl,
    channelId: WEBCHAT_CHANNEL_ID,
    from: user,
    recipient: bot,
    conversation: { id: inbound.conversationId, isGroup: false, conversationType: 'personal', name: '' },
    text: inbound.text ?? '',
    locale: inbound.locale,
    label: '',
    valueType: '',
    listenFor: [],
    ...(inbound.value !== undefined ? { value: inbound.value } : {}),
    ...(inbound.channelData !== undefined ? { channelData: inbound.channelData } : {}),
    ...(inbound.type === 'conversationUpdate' ? { membersAdded: [bot, user] } : {}),
  };
}

/** Connects the self-hosted Direct Line to the one HelpdeskAdapter that also serves /api/messages. */
export function createDirectLineBridge(options: DirectLineBridgeOptions): DirectLineBridge {
  const connectorFactory = new InProcessConnectorFactory(new InProcessHttpClient(options.deliver));
  const claimsIdentity = new ClaimsIdentity(
    [
      { type: AuthenticationConstants.AudienceClaim, value: options.appId },
      { type: AuthenticationConstants.AppIdClaim, value: options.appId },
    ],
    true,
  );
  const authResult: AuthenticateRequestResult = {
    audience: AuthenticationConstants.ToChannelFromBotOAuthScope,
    claimsIdentity,
    connectorFactory,
  };
  return {
    async runTurn(inbound) {
      await options.adapter.processActivityDirect(authResult, toBotActivity(inbound, options), options.logic);
    },
  };
}
