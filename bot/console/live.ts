import type { Response } from 'express';
import type IORedis from 'ioredis';
import { feedChannel, type TicketChange } from '../../workers/tickets/feed';

interface Client {
  res: Response;
  /** Queue codes this console cares about: its unit, or 'dispatch-centre'; null = every change (centre roles). */
  audiences: Set<string> | null;
}

/**
 * Passes ticket changes from the Redis channel to the consoles open in browsers, as server-sent events. Each
 * console gets only the changes of its queues (an agent: its unit's), and only ticket numbers and states.
 */
export class LiveHub {
  private readonly clients = new Set<Client>();
  private readonly subscriber: IORedis;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(redis: IORedis, prefix: string) {
    this.subscriber = redis.duplicate();
    void this.subscriber.subscribe(feedChannel(prefix)).catch(() => undefined);
    this.subscriber.on('message', (_channel, raw: string) => {
      let change: TicketChange;
      try {
        change = JSON.parse(raw);
      } catch {
        return;
      }
      for (const c of this.clients) {
        if (c.audiences && !change.audiences.some((a) => c.audiences!.has(a))) continue;
        c.res.write(`event: ticket\ndata: ${JSON.stringify(change)}\n\n`);
      }
    });
    // A comment line every 25 s keeps proxies from closing an idle stream.
    this.heartbeat = setInterval(() => this.clients.forEach((c) => c.res.write(': ping\n\n')), 25_000);
    this.heartbeat.unref();
  }

  attach(res: Response, audiences: string[] | null): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 3000\n\n');
    const client: Client = { res, audiences: audiences && new Set(audiences) };
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    this.subscriber.disconnect();
  }
}
