import WebSocket from 'ws';

/** A Direct Line activity as the tests read it off the stream. */
export interface StreamActivity {
  id?: string;
  type: string;
  text?: string;
  from?: { id?: string; name?: string; role?: string };
  channelData?: { clientActivityID?: string };
  suggestedActions?: { actions?: Array<{ title?: string; value?: unknown }> };
}

function readActivities(raw: string): { activities: StreamActivity[]; watermark?: string } {
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`not an activity set: ${raw}`);
  const activities: unknown = Reflect.get(parsed, 'activities');
  const watermark: unknown = Reflect.get(parsed, 'watermark');
  if (!Array.isArray(activities)) throw new Error(`no activities in ${raw}`);
  const checked = activities.filter((a): a is StreamActivity => typeof a === 'object' && a !== null && typeof Reflect.get(a, 'type') === 'string');
  if (checked.length !== activities.length) throw new Error(`an activity without a type in ${raw}`);
  return { activities: checked, ...(typeof watermark === 'string' ? { watermark } : {}) };
}

/** A WebSocket client on a Direct Line streamUrl that records every activity and the last watermark. */
export class StreamClient {
  readonly activities: StreamActivity[] = [];
  watermark = '';
  closed: { code: number; reason: string } | undefined;
  private readonly socket: WebSocket;
  private waiters: Array<() => void> = [];
  /** Resolves with the close code and reason once the socket is closed (by either side, or by a network error). */
  readonly whenClosed: Promise<{ code: number; reason: string }>;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    this.whenClosed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    // An error after the handshake (the server went away) is followed by 'close'; without a listener it would throw.
    socket.on('error', () => undefined);
    socket.on('message', (data) => {
      const set = readActivities(data.toString());
      this.activities.push(...set.activities);
      if (set.watermark) this.watermark = set.watermark;
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  static open(url: string): Promise<StreamClient> {
    // A server that accepts the connection but never upgrades it must not hang the test.
    const socket = new WebSocket(url, { handshakeTimeout: 15_000 });
    const client = new StreamClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`stream refused with ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  send(data: string): void {
    this.socket.send(data);
  }

  close(): void {
    this.socket.close();
  }

  /** Bot messages (typing left out), in arrival order. */
  botTexts(): string[] {
    return this.activities.filter((a) => a.type === 'message' && a.from?.role === 'bot').map((a) => a.text ?? '');
  }

  async waitFor(predicate: (client: StreamClient) => boolean, ms = 8000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate(this)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; bot said: ${JSON.stringify(this.botTexts())}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}
