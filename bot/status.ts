import * as crypto from 'node:crypto';
import type IORedis from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Catalogue } from '../data/catalogue';
import type { TicketStore } from '../data/store/types';
import { leadAssignment } from '../data/tickets/lifecycle';
import type { StatusPort } from '../dialogs/status-port';
import { hashQueryCode } from '../workers/intake/submit-ticket';
import { awaitingRatingKey } from './ratings';
import type { TicketState } from '../data/tickets/ticket';

/** States as a citizen reads them. */
export const CITIZEN_STATES: Record<TicketState, string> = {
  received: '已受理，正在分派',
  dispatched: '已派单，等待承办单位签收',
  acknowledged: '承办单位已签收',
  'in-progress': '承办单位正在办理',
  replied: '已答复',
  'follow-up': '回访中',
  closed: '已办结',
  returned: '正在重新派单',
  merged: '已与相同诉求的工单合并办理',
};

const equal = (a: string, b: string) => a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The status query: a ticket's progress for whoever proves it is theirs (last four digits of the phone, or the query
 * code of an anonymous filing). Failures are counted per conversation (5 an hour) and per ticket number (10 an hour,
 * against guessing one ticket from many conversations); the answer never tells whether the number exists.
 */
export function createStatusPort(deps: { store: TicketStore; catalogue: Catalogue; redis: IORedis; prefix: string }): StatusPort {
  const perConversation = new RateLimiterRedis({ storeClient: deps.redis, keyPrefix: `${deps.prefix}:status-fail-conv`, points: 5, duration: 3600, blockDuration: 3600 });
  const perTicket = new RateLimiterRedis({ storeClient: deps.redis, keyPrefix: `${deps.prefix}:status-fail-ticket`, points: 10, duration: 3600, blockDuration: 3600 });
  return {
    async lookup(ticketNumber, proof, conversationId) {
      const [c, t] = await Promise.all([perConversation.get(conversationId), perTicket.get(ticketNumber)]);
      const blocked = (c && c.consumedPoints >= 5 ? c : null) ?? (t && t.consumedPoints >= 10 ? t : null);
      if (blocked) return { ok: false, reason: 'throttled', retryMinutes: Math.max(1, Math.ceil(blocked.msBeforeNext / 60_000)) };
      const ticket = await deps.store.getTicket(ticketNumber);
      const p = proof.toUpperCase();
      const matches =
        ticket !== null &&
        (ticket.citizen.phone ? /^\d{4}$/.test(p) && equal(ticket.citizen.phone.slice(-4), p) : Boolean(ticket.citizen.queryCodeHash) && equal(ticket.citizen.queryCodeHash!, hashQueryCode(ticket.intakeKey, p)));
      if (!ticket || !matches) {
        await Promise.all([perConversation.penalty(conversationId).catch(() => undefined), perTicket.penalty(ticketNumber).catch(() => undefined)]);
        return { ok: false, reason: 'mismatch' };
      }
      const lead = leadAssignment(ticket);
      const due = lead && ['dispatched', 'acknowledged', 'in-progress'].includes(lead.state) ? lead.deadlines.reply : ticket.state === 'received' || ticket.state === 'returned' ? ticket.deadlines.reply : null;
      const awaitingRating = (ticket.state === 'replied' || ticket.state === 'follow-up') && (await deps.redis.hexists(awaitingRatingKey(deps.prefix, conversationId), ticket.id)) === 1;
      return {
        ok: true,
        status: {
          ticketId: ticket.id,
          stateName: CITIZEN_STATES[ticket.state] + (ticket.mergedInto ? `（并入工单 ${ticket.mergedInto}）` : ''),
          unitName: lead ? deps.catalogue.nameOf(lead.department) : null,
          replyDeadline: due,
          replies: (ticket.replies ?? []).filter((r) => r.toCitizen).map((r) => ({ at: r.at, unitName: deps.catalogue.nameOf(r.department), text: r.text })),
          awaitingRating,
        },
      };
    },
  };
}
