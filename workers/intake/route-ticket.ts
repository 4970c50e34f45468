import { DISPATCH_CENTRE, type Catalogue } from '../../data/catalogue';
import { VersionConflictError } from '../../data/store/errors';
import type { TicketStore } from '../../data/store/types';
import type { Routing, Ticket } from '../../data/tickets/ticket';
import type { DepartmentClassifier } from '../classifier/model';
import { placeKey, topicOf } from '../../data/measures/hotspot-keys';
import { jobId, type Queues } from '../queues';

export interface RouteDeps {
  store: TicketStore;
  queues: Queues;
  classifier: DepartmentClassifier;
  catalogue: Catalogue;
  /** Below this confidence the ticket goes to the dispatch centre (人工派单). Unset: the model's recommended threshold. */
  threshold?: number;
  /** Schedules the ticket's warning and escalation timers once it is with a unit. */
  timers?: { sync(after: Ticket, before?: Ticket | null): Promise<unknown> };
  now?: () => Date;
  /** Tells open consoles that a ticket arrived in a queue. */
  feed?: { publish(ticket: Ticket): Promise<void> };
  /** Told how long a ticket took from receipt to its queue, once, by the delivery that routed it (metrics). */
  observe?: (queue: string, seconds: number) => void;
}

/** The routing decision for a classifier's prediction: the department when confident enough, the dispatch centre otherwise. */
export function decideRouting(
  prediction: { department: string; confidence: number; candidates: { department: string; confidence: number }[] },
  catalogue: Catalogue,
  threshold: number,
  modelVersion: string,
  at: Date,
): Routing {
  const confident = prediction.confidence >= threshold && catalogue.has(prediction.department);
  return {
    department: confident ? prediction.department : null,
    queue: confident ? prediction.department : DISPATCH_CENTRE,
    confidence: prediction.confidence,
    candidates: prediction.candidates,
    modelVersion,
    routedAt: at.toISOString(),
    by: 'classifier',
  };
}

/** The place and topic hotspots group the ticket by (the topic from the unit routed to, or the top candidate). */
export function hotspotKeys(ticket: Ticket, department: string | null, catalogue: Catalogue): { topic?: string; place?: string } {
  const topic = topicOf(ticket.description, department, catalogue);
  const place = placeKey(ticket.location);
  return { ...(topic ? { topic } : {}), ...(place ? { place } : {}) };
}

/**
 * The intake use case: classify a received ticket, record where it goes, put it in that queue and ask for the
 * citizen to be told. Safe to run any number of times for the same ticket: the state change is conditional on the
 * version read, and the queue jobs have ids derived from the ticket.
 */
export async function routeTicket(ticketId: string, deps: RouteDeps): Promise<Ticket | null> {
  let ticket = await deps.store.getTicket(ticketId);
  if (!ticket) return null;
  while (ticket.state === 'received') {
    const at = (deps.now ?? (() => new Date()))();
    // An enterprise appeal's category (融资信贷, 水电气暖报装, …) says much about the unit.
    const prediction = deps.classifier.predict([ticket.enterpriseInfo?.category, ticket.description, ticket.location].filter(Boolean).join('\n'));
    const threshold = deps.threshold ?? deps.classifier.recommendedThreshold;
    const routing: Routing = {
      ...decideRouting(prediction, deps.catalogue, threshold, deps.classifier.version, at),
      ...hotspotKeys(ticket, prediction.department, deps.catalogue),
    };
    try {
      const assignments = routing.department
        ? [{ department: routing.department, role: 'lead' as const, state: 'dispatched' as const, assignedAt: routing.routedAt, deadlines: { ...ticket.deadlines, version: ticket.deadlines.version ?? 1 } }]
        : undefined;
      ticket = await deps.store.updateTicket(ticket.id, ticket.version, { state: 'dispatched', routing, ...(assignments ? { assignments } : {}) }, {
        at: at.toISOString(),
        actor: { id: 'classifier:' + deps.classifier.version, role: 'classifier' },
        action: routing.department ? 'dispatched' : 'sent-to-dispatch-centre',
        from: 'received',
        to: 'dispatched',
        reason: routing.department ? undefined : `置信度 ${routing.confidence} 低于阈值 ${threshold}`,
        data: { queue: routing.queue, confidence: routing.confidence, candidates: routing.candidates },
      });
      deps.observe?.(routing.queue, (at.getTime() - Date.parse(ticket.receivedAt)) / 1000);
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      // Someone else changed it (another delivery of this job): look again and go on from what they did.
      ticket = await deps.store.getTicket(ticketId);
      if (!ticket) return null;
    }
  }
  const queue = ticket.routing?.queue;
  if (!queue) return ticket;
  await deps.queues.department(queue).add('ticket', { ticketId: ticket.id }, { jobId: jobId.department(ticket.id) });
  await deps.queues.notify().add('routed', { ticketId: ticket.id, event: 'routed' }, { jobId: jobId.notify(ticket.id, 'routed') });
  await deps.timers?.sync(ticket);
  await deps.feed?.publish(ticket);
  return ticket;
}
