import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One activity a bot POSTed (or PUT) to the stand-in, with the id the stand-in gave it and when it arrived. */
export interface ReceivedReply {
  id: string;
  at: number;
  method: string;
  activity: Record<string, unknown>;
}

/**
 * A local stand-in for Microsoft's Bot Connector, as the bot sees it at its `serviceUrl`: it accepts
 * POST /v3/conversations/{id}/activities[/{replyToId}] (and PUT for card updates), answers `{ id }` like the real
 * service, and files each reply under the id of the user's message it answers (`replyToId`), so the load generator
 * can match replies to messages.
 */
export class ConnectorStandIn {
  private readonly server: Server;
  private readonly byMessage = new Map<string, ReceivedReply[]>();
  private counter = 0;
  /** Replies that named a message nobody was waiting for (should stay 0). */
  unmatched = 0;
  updates = 0;
  /** Every call a bot made (POST and PUT), to count calls per turn. */
  calls = 0;
  url = '';

  constructor() {
    this.server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const id = `r${++this.counter}`;
        this.calls++;
        const at = performance.now();
        let activity: Record<string, unknown> = {};
        try {
          const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
          if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) activity = parsed as Record<string, unknown>;
        } catch {
          // A body that is not JSON is still an answer the bot sent; it will fail the reply check.
        }
        if (req.method === 'PUT') this.updates++;
        else this.file({ id, at, method: req.method ?? '', activity }, req.url ?? '');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id }));
      });
    });
  }

  private file(reply: ReceivedReply, url: string): void {
    const fromBody = reply.activity.replyToId;
    const fromPath = /\/activities\/([^/?]+)/.exec(url)?.[1];
    const key = typeof fromBody === 'string' && fromBody !== '' ? fromBody : fromPath ? decodeURIComponent(fromPath) : '';
    const list = this.byMessage.get(key);
    if (list) list.push(reply);
    else this.unmatched++;
  }

  /** Starts collecting the replies to one user message (call before sending it). */
  expect(messageId: string): void {
    this.byMessage.set(messageId, []);
  }

  /** The replies to one message so far; stops collecting for it. */
  take(messageId: string): ReceivedReply[] {
    const list = this.byMessage.get(messageId) ?? [];
    this.byMessage.delete(messageId);
    return list;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
