import type IORedis from 'ioredis';
import type { Activity } from 'botbuilder';

/**
 * The activities of each built-in Direct Line conversation, in Redis so that any web process can serve any
 * conversation. A conversation's list expires a day after its last activity.
 * The watermark is the number of activities a client has seen.
 */
export class Transcripts {
  constructor(private readonly redis: IORedis, private readonly prefix: string, private readonly ttlSeconds = 24 * 3600) {}

  private key(conversationId: string, part: string): string {
    return `${this.prefix}:dl:${conversationId}:${part}`;
  }

  /** Marks a conversation as started; true the first time only. */
  async start(conversationId: string): Promise<boolean> {
    const created = await this.redis.set(this.key(conversationId, 'started'), '1', 'EX', this.ttlSeconds, 'NX');
    return created === 'OK';
  }

  async exists(conversationId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(conversationId, 'started'))) === 1;
  }

  /** Appends an activity, giving it an id and a timestamp; returns the id. */
  async append(conversationId: string, activity: Partial<Activity>): Promise<string> {
    const seq = await this.redis.incr(this.key(conversationId, 'seq'));
    const id = `${conversationId}|${String(seq).padStart(7, '0')}`;
    const stored = { ...activity, id, timestamp: new Date().toISOString(), conversation: { id: conversationId } };
    await this.redis
      .multi()
      .rpush(this.key(conversationId, 'log'), JSON.stringify(stored))
      .expire(this.key(conversationId, 'log'), this.ttlSeconds)
      .expire(this.key(conversationId, 'seq'), this.ttlSeconds)
      .expire(this.key(conversationId, 'started'), this.ttlSeconds)
      .exec();
    return id;
  }

  /** Activities after a watermark, at most `max`, and the new watermark. */
  async since(conversationId: string, watermark: number, max = 100): Promise<{ activities: Activity[]; watermark: number }> {
    const raw = await this.redis.lrange(this.key(conversationId, 'log'), watermark, watermark + max - 1);
    return { activities: raw.map((r) => JSON.parse(r)), watermark: watermark + raw.length };
  }
}
