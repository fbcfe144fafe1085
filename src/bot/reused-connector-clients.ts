import {
  AuthenticationConstants,
  BotFrameworkAuthentication,
  ConnectorFactory,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';
import type { Activity } from 'botbuilder';

/** How many (app id, serviceUrl, audience) clients are kept; Teams uses a handful of regional serviceUrls. */
const DEFAULT_CAPACITY = 256;

/** A small map that forgets its oldest entry beyond `capacity`. */
class BoundedCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity: number) {}

  getOrCreate(key: string, create: () => V): V {
    const found = this.entries.get(key);
    if (found !== undefined) return found;
    const value = create();
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** The bot's app id as botbuilder reads it from a request's claims (audience for channels, appid for the Emulator). */
function appIdOf(claimsIdentity: ClaimsIdentity): string {
  return (
    claimsIdentity.getClaimValue(AuthenticationConstants.AudienceClaim) ??
    claimsIdentity.getClaimValue(AuthenticationConstants.AppIdClaim) ??
    ''
  );
}

/** Keeps a promise in the cache only while it succeeds: a failed creation is tried again next time. */
function cachedPromise<T>(cache: BoundedCache<Promise<T>>, key: string, create: () => Promise<T>): Promise<T> {
  const promise = cache.getOrCreate(key, create);
  promise.catch(() => cache.delete(key));
  return promise;
}

class ReusingConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly appId: string,
    private readonly clients: BoundedCache<Promise<ConnectorClient>>,
  ) {
    super();
  }

  override create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return cachedPromise(this.clients, JSON.stringify([this.appId, serviceUrl, audience ?? '']), () => this.inner.create(serviceUrl, audience));
  }
}

/**
 * botbuilder builds a new ConnectorClient — new credentials and an HTTP pipeline of a dozen policies — for every
 * turn, and a new user-token client too (the HTTP connection itself is already shared: @azure/core-client keeps one
 * default HTTP client per process). Both are stateless once built (the credentials refresh their own token), so this
 * wrapper keeps one per app id, serviceUrl and audience and every turn skips the set-up. Everything else is delegated.
 */
export class ReusedConnectorClients extends BotFrameworkAuthentication {
  private readonly clients: BoundedCache<Promise<ConnectorClient>>;
  private readonly userTokenClients: BoundedCache<Promise<UserTokenClient>>;

  constructor(
    private readonly inner: BotFrameworkAuthentication,
    capacity = DEFAULT_CAPACITY,
  ) {
    super();
    this.clients = new BoundedCache(capacity);
    this.userTokenClients = new BoundedCache(capacity);
  }

  private reusing(factory: ConnectorFactory, claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return new ReusingConnectorFactory(factory, appIdOf(claimsIdentity), this.clients);
  }

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    const result = await this.inner.authenticateRequest(activity, authHeader);
    return result.connectorFactory ? { ...result, connectorFactory: this.reusing(result.connectorFactory, result.claimsIdentity) } : result;
  }

  override async authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    const result = await this.inner.authenticateStreamingRequest(authHeader, channelIdHeader);
    return result.connectorFactory ? { ...result, connectorFactory: this.reusing(result.connectorFactory, result.claimsIdentity) } : result;
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.reusing(this.inner.createConnectorFactory(claimsIdentity), claimsIdentity);
  }

  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return cachedPromise(this.userTokenClients, appIdOf(claimsIdentity), () => this.inner.createUserTokenClient(claimsIdentity));
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }
}
