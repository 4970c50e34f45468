import { DISPATCH_CENTRE, type Catalogue } from '../../data/catalogue';
import type { TicketStore } from '../../data/store/types';
import type { Ticket, TicketState } from '../../data/tickets/ticket';
import type { Queues } from '../queues';

/** States in which a ticket is in its lead unit's hands (the agents' queue in the console). */
const UNIT_STATES: readonly TicketState[] = ['dispatched', 'acknowledged', 'in-progress'];
/** States in which a ticket routed to the dispatch centre waits for a dispatcher. */
const CENTRE_STATES: readonly TicketState[] = ['received', 'dispatched', 'returned'];

/** Whether a ticket belongs in a unit's (or the dispatch centre's) BullMQ queue now. */
export function belongsInQueue(ticket: Ticket | null, code: string): boolean {
  if (!ticket || ticket.routing?.queue !== code) return false;
  return (code === DISPATCH_CENTRE ? CENTRE_STATES : UNIT_STATES).includes(ticket.state);
}

/**
 * A ticket's job stays in its unit's queue while the unit has it; once the ticket is answered, closed, merged,
 * returned to the centre or sent elsewhere, its job there is removed (and a second job for the same ticket in one
 * queue too). So a queue's length is the unit's work now — what `hotline_queue_jobs` reports — and Redis holds one job
 * per open ticket, not one per ticket ever received. Idempotent; several worker processes may sweep at once.
 */
export async function sweepUnitQueues(deps: { store: TicketStore; queues: Queues; catalogue: Catalogue }, pageSize = 500): Promise<{ removed: number; kept: number }> {
  let removed = 0;
  let kept = 0;
  for (const code of [DISPATCH_CENTRE, ...deps.catalogue.codes()]) {
    const queue = deps.queues.department(code);
    const seen = new Set<string>();
    for (let start = 0; ; ) {
      const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed'], start, start + pageSize - 1, true);
      if (jobs.length === 0) break;
      let keptHere = 0;
      for (const job of jobs) {
        const ticketId = String(job.data?.ticketId ?? '');
        const stays = !seen.has(ticketId) && belongsInQueue(ticketId ? await deps.store.getTicket(ticketId) : null, code);
        if (stays) {
          seen.add(ticketId);
          keptHere++;
          continue;
        }
        // Already gone (another worker's sweep, a re-dispatch) is fine too.
        removed += await queue.remove(job.id!).catch(() => 0);
      }
      kept += keptHere;
      // Removed jobs no longer take places in the list: the next page starts after the ones kept.
      start += keptHere;
      if (jobs.length < pageSize) break;
    }
  }
  return { removed, kept };
}
