import type IORedis from 'ioredis';
import { DISPATCH_CENTRE } from '../../data/catalogue';
import { activeAssignments, currentQueue, withAssignments } from '../../data/tickets/lifecycle';
import type { Ticket } from '../../data/tickets/ticket';

/** What the console is told when a ticket changes: enough to decide who should refresh, no personal data. */
export interface TicketChange {
  ticketId: string;
  version: number;
  state: Ticket['state'];
  /** Units working on it now, and 'dispatch-centre' when the centre must act. */
  audiences: string[];
  /** The last history event's action ('dispatched', 'replied', ...). */
  action: string;
}

export interface TicketFeed {
  publish(ticket: Ticket): Promise<void>;
}

export function changeOf(stored: Ticket): TicketChange {
  const ticket = withAssignments(stored);
  const audiences = new Set(activeAssignments(ticket).map((a) => a.department));
  if (currentQueue(ticket) === DISPATCH_CENTRE || ticket.extensions?.some((e) => e.status === 'pending')) audiences.add(DISPATCH_CENTRE);
  return { ticketId: ticket.id, version: ticket.version, state: ticket.state, audiences: [...audiences], action: ticket.history[ticket.history.length - 1]?.action ?? '' };
}

export function feedChannel(prefix: string): string {
  return `${prefix}:console:tickets`;
}

/**
 * Ticket changes published on a Redis channel, which every web process subscribes to and passes on to the
 * consoles open in browsers (server-sent events). Best effort: a console that misses one refreshes on the next,
 * and reloads its list whenever its event stream reconnects.
 */
export class RedisTicketFeed implements TicketFeed {
  constructor(private readonly redis: IORedis, private readonly prefix: string) {}

  async publish(ticket: Ticket): Promise<void> {
    await this.redis.publish(feedChannel(this.prefix), JSON.stringify(changeOf(ticket))).catch(() => undefined);
  }
}
