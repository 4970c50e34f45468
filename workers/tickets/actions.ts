import type { TimeLimits } from '../../data/calendar/deadlines';
import type { WorkingCalendar } from '../../data/calendar/working-days';
import { DISPATCH_CENTRE, type Catalogue } from '../../data/catalogue';
import { VersionConflictError } from '../../data/store/errors';
import type { Notification, TicketStore } from '../../data/store/types';
import { decide, LifecycleError, type Command } from '../../data/tickets/lifecycle';
import type { Actor, Ticket } from '../../data/tickets/ticket';
import { jobId, type Queues } from '../queues';
import type { TicketFeed } from './feed';
import { redispatchTicket } from './redispatch';

export interface ActionDeps {
  store: TicketStore;
  queues: Queues;
  catalogue: Catalogue;
  limits: TimeLimits;
  calendar: WorkingCalendar;
  timers?: { sync(after: Ticket, before?: Ticket | null): Promise<unknown> };
  now?: () => Date;
  /** Tells open consoles that the ticket changed. */
  feed?: TicketFeed;
  /** In-product notifications (a supervision note for the units). */
  notify?: (ns: Notification[]) => Promise<unknown>;
}

export interface ActionOptions {
  /**
   * The version the person saw. When given, the action is refused with a conflict if the ticket changed since
   * (two agents acknowledging at once: one wins, the other is told to reload). When absent, the version read here.
   */
  expectedVersion?: number;
}

/**
 * Applies a lifecycle command to a ticket: the state machine decides, the store applies the change only if the
 * ticket is still at the version read, and then the follow-ups run (queues, timers, the other side of a merge).
 */
export async function performAction(ticketId: string, cmd: Command, actor: Actor, deps: ActionDeps, options: ActionOptions = {}): Promise<Ticket> {
  const before = await deps.store.getTicket(ticketId);
  if (!before) throw new LifecycleError('not-found');
  if (options.expectedVersion !== undefined && options.expectedVersion !== before.version) throw new LifecycleError('conflict');
  if (cmd.kind === 'merge') return merge(before, cmd.into, actor, deps);
  // Dispatching has its own use case: the old queue's job, the citizen's notice and the classifier's correction.
  if (cmd.kind === 'dispatch' && before.routing && (before.state === 'dispatched' || before.state === 'returned')) return redispatchTicket({ ticketId, department: cmd.lead, supports: cmd.supports, actor, reason: cmd.reason }, deps);
  const now = (deps.now ?? (() => new Date()))();
  const decision = decide(before, cmd, {
    actor,
    now,
    limits: deps.limits,
    calendar: deps.calendar,
    isDepartment: (code) => deps.catalogue.has(code),
  });
  let after: Ticket;
  try {
    after = await deps.store.updateTicket(before.id, before.version, decision.patch, decision.event);
  } catch (err) {
    if (err instanceof VersionConflictError) throw new LifecycleError('conflict');
    throw err;
  }
  await followUp(before, after, deps);
  return after;
}

async function followUp(before: Ticket, after: Ticket, deps: ActionDeps): Promise<void> {
  const event = after.history[after.history.length - 1];
  if (event.action === 'returned' && after.state === 'returned') {
    // Back to the centre's queue for re-dispatch (改派).
    await deps.queues.department(DISPATCH_CENTRE).add('ticket', { ticketId: after.id }, { jobId: jobId.event(after.id, event.seq) });
  }
  if (event.action === 'reopened' && after.routing?.department) {
    await deps.queues.department(after.routing.department).add('ticket', { ticketId: after.id }, { jobId: jobId.event(after.id, event.seq) });
  }
  const reply = after.replies?.find((r) => r.seq === event.data?.reply && r.toCitizen);
  if (event.action === 'replied' && reply) {
    // The answer goes to the citizen in the conversation they filed in, once (the job id and the history key say so).
    const key = `reply-${reply.seq}`;
    await deps.queues.notify().add('replied', { ticketId: after.id, event: 'replied', key }, { jobId: jobId.notify(after.id, key) });
    // 并单: every reporter of the merged repeats gets the answer too.
    for (const from of after.mergedFrom ?? []) {
      const mergedKey = `merged-reply-${after.id}-${reply.seq}`;
      await deps.queues.notify().add('merged-reply', { ticketId: from, event: 'merged-reply', key: mergedKey }, { jobId: jobId.notify(from, mergedKey) });
    }
  }
  if (event.action === 'closed' && after.state === 'closed' && after.closure === 'unrated') {
    // 办结 without the citizen's rating (by the unit, the centre, or after an unanswered reminder): the citizen is told.
    // (A rating that closes it is answered in the chat itself.)
    await deps.queues.notify().add('closed', { ticketId: after.id, event: 'closed' }, { jobId: jobId.notify(after.id, 'closed') });
  }
  if (event.action === 'supervised') {
    const departments = (event.data?.departments as string[] | undefined) ?? [];
    await deps.notify?.(
      departments.map((department) => ({
        key: `${after.id}.supervised.${event.seq}.${department}`,
        ticketId: after.id,
        at: event.at,
        audience: 'department' as const,
        department,
        level: 'supervision-note',
        text: `【督办意见】工单 ${after.id}：${event.reason ?? ''}`,
      })),
    );
  }
  await deps.timers?.sync(after, before);
  await deps.feed?.publish(after);
}

/**
 * 并单: the repeat is closed into the ticket that stays, and that ticket records it — both documents in one
 * all-or-none change where the store offers it (SQLite; MongoDB replica set). On a store without transactions the
 * repeat is changed first and a retry after a crash between the two completes the merge (each half is idempotent).
 */
async function merge(first: Ticket, into: string, actor: Actor, deps: ActionDeps): Promise<Ticket> {
  const now = () => (deps.now ?? (() => new Date()))();
  const ctx = () => ({ actor, now: now(), limits: deps.limits, calendar: deps.calendar, isDepartment: (c: string) => deps.catalogue.has(c) });
  let source = first;
  for (let attempt = 0; ; attempt++) {
    const target = await deps.store.getTicket(into);
    if (!target) throw new LifecycleError('not-found', into);
    const sourceDone = source.state === 'merged' && source.mergedInto === into;
    const targetDone = target.mergedFrom?.includes(source.id) ?? false;
    if (!targetDone && (target.state === 'merged' || target.state === 'closed')) throw new LifecycleError('finished', into);
    const changes = [];
    if (!sourceDone) {
      const d = decide(source, { kind: 'merge', into }, ctx());
      changes.push({ id: source.id, expectedVersion: source.version, patch: d.patch, event: d.event });
    }
    if (!targetDone) {
      const d = decide(target, { kind: 'absorb', from: source.id }, ctx());
      changes.push({ id: target.id, expectedVersion: target.version, patch: d.patch, event: d.event });
    }
    if (changes.length === 0) break;
    try {
      const written = await deps.store.updateTickets(changes);
      if (!sourceDone) {
        const before = source;
        source = written[0];
        await deps.timers?.sync(source, before);
        await deps.queues.notify().add('merged', { ticketId: source.id, event: 'merged' }, { jobId: jobId.notify(source.id, 'merged') });
      }
      break;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      // The repeat changed since the person looked at it: they reload. The ticket that stays changed (another merge
      // into it, a reply): read both again and go on.
      if (err.ticketId === source.id || attempt >= 9) throw new LifecycleError('conflict');
      const again = await deps.store.getTicket(source.id);
      if (!again) throw new LifecycleError('not-found');
      if (again.version !== source.version && !(again.state === 'merged' && again.mergedInto === into)) throw new LifecycleError('conflict');
      if (again.version !== source.version) {
        // A store without transactions wrote the repeat's half before the conflict: its follow-ups are due now.
        await deps.timers?.sync(again, source);
        await deps.queues.notify().add('merged', { ticketId: again.id, event: 'merged' }, { jobId: jobId.notify(again.id, 'merged') });
      }
      source = again;
    }
  }
  await deps.feed?.publish(source);
  return source;
}
