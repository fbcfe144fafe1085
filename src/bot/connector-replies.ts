import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Activity, ResourceResponse } from 'botbuilder';
import { AppCredentials, AuthenticationConstants, type ConnectorClient } from 'botframework-connector';

/** The retry budget of the pipeline this replaces (@typespec/ts-http-runtime's defaultRetryPolicy): 3 retries, 1 s base. */
const MAX_RETRIES = 3;
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 64_000;
/** Network errors worth another try, as in that pipeline's exponential strategy. */
const RETRIED_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'ENOTFOUND']);
/** Proxy settings botbuilder's pipeline honours; with any of them set, replies keep going through that pipeline. */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];

/**
 * A call to the Bot Connector that failed. Shaped like @azure/core-rest-pipeline's RestError (the same name, a
 * `statusCode` only when the channel answered) because that is what the turn-error handler and logs already read.
 */
export class ConnectorCallError extends Error {
  override readonly name = 'RestError';
  constructor(
    message: string,
    readonly statusCode?: number,
    readonly code?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A timed-out call, named as the pipeline named it (an AbortError is "the channel did not answer"). */
class ConnectorDeadlineError extends Error {
  override readonly name = 'AbortError';
}

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** How long the channel asks us to wait (Retry-After in seconds or as a date, or the -ms variants), if it does. */
function retryAfterMs(headers: IncomingMessage['headers']): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = Number(headers[name]);
    if (headers[name] !== undefined && Number.isFinite(value) && value >= 0) return value;
  }
  const header = headers['retry-after'];
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function backoffMs(retry: number): number {
  const clamped = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** retry);
  return clamped / 2 + Math.random() * (clamped / 2);
}

/**
 * Replies, typing indicators and card updates POSTed (PUT) to the Bot Connector as plain JSON over kept-alive
 * connections, with the bearer token of the connector client botbuilder made for the turn.
 *
 * botbuilder's ConnectorClient sends each activity through a pipeline of fifteen policies and a serializer that
 * walks the Activity model field by field; under load that was a fifth of the server's CPU for what is one small
 * JSON request. What the pipeline did that matters here is kept: the same URL, the same token (the credentials'
 * own cache, refreshed by them), the deadline, and its retry rules (network errors and 408/5xx with backoff,
 * Retry-After on 429/503, three retries). Proxies and credentials other than botbuilder's AppCredentials are
 * left to botbuilder: `usable` says no and the adapter falls back to it.
 */
export class ConnectorReplies {
  private readonly http = new HttpAgent({ keepAlive: true });
  private readonly https = new HttpsAgent({ keepAlive: true });
  private readonly proxied = PROXY_VARIABLES.some((name) => (process.env[name] ?? '') !== '');

  constructor(private readonly timeoutMs: number) {}

  /** Whether this client's calls can be made here (its credentials are known, and no proxy is configured). */
  usable(client: ConnectorClient | undefined): client is ConnectorClient {
    return client !== undefined && !this.proxied && client.credentials instanceof AppCredentials && this.baseOf(client) !== undefined;
  }

  /** POST …/v3/conversations/{id}/activities[/{replyToId}], as ConnectorClient's replyToActivity/sendToConversation. */
  async send(client: ConnectorClient, activity: Partial<Activity>): Promise<ResourceResponse> {
    const conversationId = activity.conversation?.id ?? '';
    const path = `v3/conversations/${encodeURIComponent(conversationId)}/activities${activity.replyToId ? `/${encodeURIComponent(activity.replyToId)}` : ''}`;
    const response = await this.call(client, 'POST', path, activity, conversationId);
    return response ?? { id: activity.id ?? '' };
  }

  /** PUT …/v3/conversations/{id}/activities/{activityId}, as ConnectorClient's updateActivity. */
  async update(client: ConnectorClient, activity: Partial<Activity>): Promise<ResourceResponse | undefined> {
    const conversationId = activity.conversation?.id ?? '';
    const path = `v3/conversations/${encodeURIComponent(conversationId)}/activities/${encodeURIComponent(activity.id ?? '')}`;
    const response = await this.call(client, 'PUT', path, activity, conversationId);
    return response?.id ? { id: response.id } : undefined;
  }

  /** Ends the kept-alive connections (the app's shutdown). */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  private baseOf(client: ConnectorClient): string | undefined {
    // The serviceUrl botbuilder made this client for (ServiceClient keeps it as the protected baseUri).
    const base: unknown = Reflect.get(client, 'baseUri');
    return typeof base === 'string' && /^https?:\/\//i.test(base) ? base : undefined;
  }

  private async authorization(client: ConnectorClient): Promise<string | undefined> {
    const credentials = client.credentials;
    // AppCredentials.signRequest adds a token only for a real app id (local mode and anonymous skills send none).
    if (!(credentials instanceof AppCredentials) || !credentials.appId || credentials.appId === AuthenticationConstants.AnonymousSkillAppId) {
      return undefined;
    }
    return `Bearer ${await credentials.getToken()}`;
  }

  private async call(
    client: ConnectorClient,
    method: 'POST' | 'PUT',
    path: string,
    activity: Partial<Activity>,
    conversationId: string,
  ): Promise<ResourceResponse | undefined> {
    const base = this.baseOf(client) ?? '';
    const url = new URL(path, base.endsWith('/') ? base : `${base}/`);
    const body = JSON.stringify(activity);
    // ConnectorClient's operations name the conversation in this header too; only a printable ASCII id can go there.
    const extra: Record<string, string> = /^[\x21-\x7e]{1,1024}$/.test(conversationId) ? { 'x-ms-conversation-id': conversationId } : {};
    for (let retry = 0; ; retry++) {
      // The token is asked for on every attempt: the credentials cache it and renew it when it expires.
      const authorization = await this.authorization(client);
      let reply: Reply;
      try {
        reply = await this.once(method, url, body, { ...extra, ...(authorization ? { authorization } : {}) });
      } catch (err) {
        const code: unknown = err instanceof Error ? Reflect.get(err, 'code') : undefined;
        if (err instanceof ConnectorDeadlineError || retry >= MAX_RETRIES || typeof code !== 'string' || !RETRIED_CODES.has(code)) {
          if (err instanceof ConnectorDeadlineError) throw err;
          throw new ConnectorCallError(err instanceof Error ? err.message : String(err), undefined, typeof code === 'string' ? code : 'REQUEST_SEND_ERROR', { cause: err });
        }
        await sleep(backoffMs(retry));
        continue;
      }
      if (reply.status >= 200 && reply.status < 300) return readResource(reply.body);
      const wait = retryAfterMs(reply.headers);
      const retriable = wait !== undefined || ((reply.status >= 500 || reply.status === 408) && reply.status !== 501 && reply.status !== 505);
      if (!retriable || retry >= MAX_RETRIES) {
        throw new ConnectorCallError(`the Bot Connector answered ${reply.status} to ${method} ${url.pathname}: ${reply.body.slice(0, 500)}`, reply.status);
      }
      await sleep(wait ?? backoffMs(retry));
    }
  }

  private once(method: string, url: URL, body: string, headers: Record<string, string>): Promise<Reply> {
    const secure = url.protocol === 'https:';
    const options: RequestOptions = {
      method,
      agent: secure ? this.https : this.http,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        accept: 'application/json',
        ...headers,
      },
    };
    return new Promise<Reply>((resolve, reject) => {
      let timedOut = false;
      const fail = (err: Error) => {
        clearTimeout(deadline);
        reject(timedOut ? new ConnectorDeadlineError(`no answer from the Bot Connector within ${this.timeoutMs} ms`, { cause: err }) : err);
      };
      const req = (secure ? httpsRequest : httpRequest)(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(deadline);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', fail);
      });
      // One plain timer per call, cleared with the answer. (AbortSignal.timeout kept every call's signal and timer
      // for the whole deadline: after 10,000 conversations the process was about 115 MB larger instead of 30.)
      const deadline = setTimeout(() => {
        timedOut = true;
        req.destroy(new ConnectorDeadlineError(`no answer from the Bot Connector within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      deadline.unref();
      req.on('error', fail);
      req.end(body);
    });
  }
}

/** The ResourceResponse in a reply's body (`{ "id": … }`); an empty or other body has none. */
function readResource(body: string): ResourceResponse | undefined {
  if (body.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const id: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'id') : undefined;
  return typeof id === 'string' ? { id } : undefined;
}
