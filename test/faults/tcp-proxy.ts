import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server (PostgreSQL here) that a test can stall and cut, the way a network or a
 * failover does it: 'pass' forwards, 'stall' keeps every connection open and forwards nothing, 'cut' resets every
 * connection and every new one.
 */
export class TcpProxy {
  mode: 'pass' | 'stall' | 'cut' = 'pass';
  port = 0;
  private server: Server;
  private pairs = new Set<[Socket, Socket]>();

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  private accept(client: Socket): void {
    if (this.mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.targetPort, this.targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        // Stalled data is dropped: the other side waits for an answer that never comes.
        if (this.mode === 'pass') to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no port');
    this.port = address.port;
    return this.port;
  }

  /** Resets every open connection and refuses new ones until `restore()`. */
  cut(): void {
    this.mode = 'cut';
    for (const [client, upstream] of this.pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  stall(): void {
    this.mode = 'stall';
  }

  /** Forwards again; connections that were stalled are reset (their protocol state is lost). */
  restore(): void {
    const wasStalled = this.mode === 'stall';
    this.mode = 'pass';
    if (wasStalled) {
      for (const [client, upstream] of this.pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
      this.pairs.clear();
    }
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
