import type IORedis from 'ioredis';
import type { RatingPort } from '../dialogs/rating-port';
import { leadAssignment } from '../data/tickets/lifecycle';
import { performAction, type ActionDeps } from '../workers/tickets/actions';

/** Redis hash of the tickets whose answer was delivered into a conversation and that wait for its rating. */
export function awaitingRatingKey(prefix: string, conversationId: string): string {
  return `${prefix}:awaiting-rating:${conversationId}`;
}

/** Notes that a conversation was asked to rate a ticket (called when a unit's answer is delivered there). */
export async function markAwaitingRating(redis: IORedis, prefix: string, conversationId: string, ticketId: string): Promise<void> {
  await redis.hset(awaitingRatingKey(prefix, conversationId), ticketId, new Date().toISOString());
}

/** The rating conversation's port: which ticket waits for a rating here, and recording it through the lifecycle. */
export function createRatingPort(deps: ActionDeps & { redis: IORedis; prefix: string }): RatingPort {
  return {
    async awaiting(conversationId) {
      const key = awaitingRatingKey(deps.prefix, conversationId);
      const entries = Object.entries(await deps.redis.hgetall(key)).sort((a, b) => b[1].localeCompare(a[1]));
      for (const [ticketId] of entries) {
        const t = await deps.store.getTicket(ticketId);
        if (t && (t.state === 'replied' || t.state === 'follow-up')) return { ticketId };
        // Rated, closed or reopened meanwhile: no longer waiting.
        await deps.redis.hdel(key, ticketId);
      }
      return null;
    },
    async rate(ticketId, conversationId, rating) {
      const after = await performAction(ticketId, { kind: 'rate', ...rating }, { id: 'citizen', role: 'citizen' }, deps);
      await deps.redis.hdel(awaitingRatingKey(deps.prefix, conversationId), ticketId);
      const reopened = after.state !== 'closed';
      return { reopened, ...(reopened ? { replyDeadline: leadAssignment(after)?.deadlines.reply ?? after.deadlines.reply } : {}) };
    },
  };
}
