import { DISPATCH_CENTRE, type Catalogue } from '../../data/catalogue';
import type { Correction, TicketStore } from '../../data/store/types';
import type { TimeLimits } from '../../data/calendar/deadlines';
import type { WorkingCalendar } from '../../data/calendar/working-days';
import { VersionConflictError } from '../../data/store/errors';
import { decide, LifecycleError } from '../../data/tickets/lifecycle';
import type { Actor, Ticket, TicketEvent } from '../../data/tickets/ticket';
import { redactText } from '../../data/validation/masking';
import { hotspotKeys } from '../intake/route-ticket';
import { jobId, type Queues } from '../queues';

export interface RedispatchDeps {
  store: TicketStore;
  queues: Queues;
  catalogue: Catalogue;
  limits: TimeLimits;
  calendar: WorkingCalendar;
  timers?: { sync(after: Ticket, before?: Ticket | null): Promise<unknown> };
  now?: () => Date;
  feed?: { publish(ticket: Ticket): Promise<void> };
}

export interface RedispatchCommand {
  ticketId: string;
  /** The unit that should handle it. */
  department: string;
  actor: Actor;
  reason?: string;
  /** Supporting units (协办) besides the lead. */
  supports?: string[];
  /** 'return' when the centre re-dispatches a ticket the department returned (退单 → 改派). */
  source?: 'return';
}

export type RedispatchErrorCode = 'not-found' | 'forbidden' | 'unknown-department' | 'not-dispatched' | 'same-department';

const MESSAGES: Record<RedispatchErrorCode, string> = {
  'not-found': '未找到该工单，请核对工单号。',
  forbidden: '只有派单员、督办人员或管理员可以派单或改派。',
  'unknown-department': '派单目录中没有这个部门，请从目录中选择。',
  'not-dispatched': '该工单当前状态不能派单或改派。',
  'same-department': '工单已经在该部门，无需改派。',
};

/** A refused dispatch, with a message for the dispatcher in Chinese. */
export class RedispatchError extends Error {
  constructor(readonly code: RedispatchErrorCode) {
    super(MESSAGES[code]);
    this.name = 'RedispatchError';
  }
}

const ROUTING_ACTIONS = new Set(['dispatched-manually', 'redispatched']);
const MAY_DISPATCH = new Set(['dispatcher', 'supervisor', 'admin']);

/**
 * 人工派单 / 改派: a dispatcher sends a ticket from the dispatch centre to a unit, or from one unit to another.
 * The change is conditional on the version read (two dispatchers at once: one wins, the other gets a conflict),
 * and is an event in the history. Then the ticket is put in the new unit's queue, the citizen is told, and the
 * corrected (text, unit) pair is kept for the classifier's next retraining.
 *
 * Safe to retry: the queue and notification jobs have ids derived from the event, the correction is kept per
 * ticket, and a retry of a dispatch that already happened only redoes those follow-ups.
 */
export async function redispatchTicket(cmd: RedispatchCommand, deps: RedispatchDeps): Promise<Ticket> {
  if (!MAY_DISPATCH.has(cmd.actor.role)) throw new RedispatchError('forbidden');
  if (cmd.department === DISPATCH_CENTRE || !deps.catalogue.has(cmd.department)) throw new RedispatchError('unknown-department');
  let ticket = await deps.store.getTicket(cmd.ticketId);
  if (!ticket) throw new RedispatchError('not-found');
  if ((ticket.state !== 'dispatched' && ticket.state !== 'returned') || !ticket.routing) throw new RedispatchError('not-dispatched');

  const previous = ticket.routing;
  let event = ticket.history[ticket.history.length - 1];
  const supports = [...new Set(cmd.supports ?? [])].filter((d) => d !== cmd.department).sort();
  for (const code of supports) if (code === DISPATCH_CENTRE || !deps.catalogue.has(code)) throw new RedispatchError('unknown-department');
  const currentSupports = (ticket.assignments ?? []).filter((a) => a.role === 'support' && a.state !== 'withdrawn' && a.state !== 'returned').map((a) => a.department).sort();
  const sameSupports = JSON.stringify(supports) === JSON.stringify(currentSupports);
  const alreadyDone = ROUTING_ACTIONS.has(event.action) && event.data?.toQueue === cmd.department && previous.queue === cmd.department && sameSupports;
  if (!alreadyDone) {
    if (previous.queue === cmd.department && sameSupports && ticket.state !== 'returned') throw new RedispatchError('same-department');
    const now = (deps.now ?? (() => new Date()))();
    const seq = ticket.history.length + 1;
    const decision = decide(ticket, { kind: 'dispatch', lead: cmd.department, supports, reason: cmd.reason }, {
      actor: cmd.actor,
      now,
      limits: deps.limits,
      calendar: deps.calendar,
      isDepartment: (code) => deps.catalogue.has(code),
    });
    const source: Correction['source'] = ticket.state === 'returned' ? 'return' : previous.department === null ? 'manual-dispatch' : (cmd.source ?? 'redispatch');
    decision.patch.routing = { ...decision.patch.routing!, jobId: jobId.redispatch(ticket.id, seq), ...hotspotKeys(ticket, cmd.department, deps.catalogue) };
    decision.event = { ...decision.event, action: source === 'manual-dispatch' ? 'dispatched-manually' : 'redispatched', data: { ...decision.event.data, fromQueue: previous.queue, source } };
    const before = ticket;
    try {
      ticket = await deps.store.updateTicket(ticket.id, ticket.version, decision.patch, decision.event);
    } catch (err) {
      if (err instanceof VersionConflictError) throw new LifecycleError('conflict');
      throw err;
    }
    await deps.timers?.sync(ticket, before);
    event = ticket.history[ticket.history.length - 1];
  }
  await followUp(ticket, event, deps);
  return ticket;
}

async function followUp(ticket: Ticket, event: TicketEvent, deps: RedispatchDeps): Promise<void> {
  const seq = event.seq;
  const routing = ticket.routing!;
  const fromQueue = String(event.data?.fromQueue);
  // The old queue's job is removed so the old unit no longer sees it; a job an agent holds right now stays (BullMQ refuses).
  await deps.queues.department(fromQueue).remove(previousJobId(ticket, seq)).catch(() => 0);
  await deps.queues.department(routing.queue).add('ticket', { ticketId: ticket.id }, { jobId: routing.jobId ?? jobId.redispatch(ticket.id, seq) });
  const key = `redispatched-${seq}`;
  await deps.queues.notify().add('redispatched', { ticketId: ticket.id, event: 'redispatched', key }, { jobId: jobId.notify(ticket.id, key) });
  await deps.store.saveCorrection({
    ticketId: ticket.id,
    text: redactText(`${ticket.description}\n${ticket.location}`),
    department: routing.queue,
    previousDepartment: fromQueue === DISPATCH_CENTRE ? null : fromQueue,
    source: event.data?.source as Correction['source'],
    type: ticket.type,
    urgent: ticket.urgent,
    enterprise: ticket.enterprise,
    actor: event.actor,
    at: event.at,
  });
  await deps.feed?.publish(ticket);
}

/** The job id under which the ticket sat in its queue before the routing event at seq. */
function previousJobId(ticket: Ticket, seq: number): string {
  const earlier = ticket.history.filter((e) => e.seq < seq && ROUTING_ACTIONS.has(e.action)).pop();
  return earlier ? jobId.redispatch(ticket.id, earlier.seq) : jobId.department(ticket.id);
}
