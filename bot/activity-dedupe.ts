import * as crypto from 'node:crypto';
import type IORedis from 'ioredis';

/**
 * Channels retry an activity they think was not delivered; the same activity (same channel, conversation and id)
 * runs one turn, once. A delivery claims the activity in Redis; a second delivery while it runs or after it
 * succeeded is answered without running the turn again; a turn that failed releases it, so the retry runs.
 */
export class ActivityDedupe {
  constructor(private readonly redis: IORedis, private readonly prefix: string) {}

  private key(channelId: string, conversationId: string, activityId: string): string {
    return `${this.prefix}:activity:${crypto.createHash('sha1').update(`${channelId}\n${conversationId}\n${activityId}`).digest('base64url')}`;
  }

  /** True when this delivery should run the turn. When Redis cannot be asked, the turn runs (no deduplication then). */
  async claim(channelId: string, conversationId: string, activityId: string): Promise<boolean> {
    try {
      return (await this.redis.set(this.key(channelId, conversationId, activityId), 'running', 'PX', 120_000, 'NX')) === 'OK';
    } catch {
      return true;
    }
  }

  /** The turn ran: remember it for a day (channels retry within minutes). */
  async done(channelId: string, conversationId: string, activityId: string): Promise<void> {
    await this.redis.set(this.key(channelId, conversationId, activityId), 'done', 'PX', 86_400_000).catch(() => undefined);
  }

  /** The turn failed: let a retry run it. */
  async release(channelId: string, conversationId: string, activityId: string): Promise<void> {
    await this.redis.del(this.key(channelId, conversationId, activityId)).catch(() => undefined);
  }
}
