import { request as httpRequest, type IncomingMessage } from 'node:http';

/** One ticket event of the agents' live stream, as the console receives it. */
export interface StreamEvent {
  event: { type: string; ticketId: number; actor: { kind: string; name: string }; text?: string };
  ticket: { id: number; status: string; assignee: { name: string } | null };
}

/** An agent's live stream (Server-Sent Events), read the way the console reads it. */
export async function openStream(port: number, token: string): Promise<{ events: StreamEvent[]; status: number; waitFor(p: (e: StreamEvent) => boolean): Promise<StreamEvent>; close(): void }> {
  const events: StreamEvent[] = [];
  const waiters: Array<() => void> = [];
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/api/agent/stream', headers: { authorization: `Bearer ${token}` } }, resolve);
    req.on('error', reject);
    req.end();
  });
  let buffer = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block.split('\n').find((l) => l.startsWith('data:'));
      if (block.includes('event: ticket') && data) events.push(JSON.parse(data.slice(5)) as StreamEvent);
    }
    for (const wake of waiters.splice(0)) wake();
  });
  res.on('error', () => undefined);
  return {
    events,
    status: res.statusCode ?? 0,
    async waitFor(predicate) {
      const deadline = Date.now() + 5000;
      for (;;) {
        const found = events.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such event; got ${JSON.stringify(events.map((e) => e.event.type))}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () => res.destroy(),
  };
}
