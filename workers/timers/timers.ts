import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { TimeLimits } from '../../data/calendar/deadlines';
import type { WorkingCalendar } from '../../data/calendar/working-days';
import type { Catalogue } from '../../data/catalogue';
import { VersionConflictError } from '../../data/store/errors';
import type { Notification, TicketStore } from '../../data/store/types';
import type { Ticket, TicketEvent } from '../../data/tickets/ticket';
import { QUEUE, type Queues } from '../queues';
import { actionFor, audiencesFor, pendingTimers, TIMER_ACTIONS, timerText, type TimerDue } from './plan';

/** Where fired warnings and escalations are sent. The store's in-product notifications are the default; SMS or a messenger plug in here. */
export interface NotificationChannel {
  readonly name: string;
  /** Sends the notifications of one fired timer (one per audience); must tolerate being called again with the same keys. */
  send(batch: Notification[]): Promise<void>;
}

/** In-product notifications (站内通知), kept in the store once per key. */
export function storeChannel(store: TicketStore): NotificationChannel {
  return { name: 'in-product', send: async (batch) => void (await store.saveNotifications(batch)) };
}

export interface TimerJob {
  ticketId: string;
  key: string;
}

export interface TimerDeps {
  store: TicketStore;
  queues: Queues;
  calendar: WorkingCalendar;
  limits: TimeLimits;
  catalogue: Catalogue;
  channels?: NotificationChannel[];
  now?: () => Date;
  /** Told of every warning or escalation recorded (the metrics count them). */
  onFired?: (level: string) => void;
}

const TIMER_ACTOR = { id: 'system:timers', role: 'system' as const };

/** BullMQ job ids may not contain ':'; this one is derived from (ticket, unit, deadline, level, deadline version). */
export function timerJobId(t: Pick<TimerDue, 'ticketId' | 'key'>): string {
  return `tmr-${t.ticketId}-${t.key.replace(/\./g, '-')}`;
}

/**
 * The tickets' timers. Redis holds one delayed job per open ticket: the wake-up for its next warning or escalation.
 * When it fires, what is due is worked out again from the ticket in the store, recorded in its history (conditional
 * on the version read, once per key) and sent to the people concerned; then the next wake-up is scheduled. A job
 * for a ticket that has moved on finds nothing due and only schedules the right one. Reconciliation re-adds the
 * wake-ups of every open ticket (job ids make that idempotent), so a lost Redis or a restart loses nothing.
 */
export class TicketTimers {
  private readonly channels: NotificationChannel[];
  private readonly now: () => Date;

  constructor(private readonly deps: TimerDeps) {
    this.channels = deps.channels ?? [storeChannel(deps.store)];
    this.now = deps.now ?? (() => new Date());
  }

  private get queue() {
    return this.deps.queues.get(QUEUE.timers);
  }

  next(ticket: Ticket): TimerDue | undefined {
    return pendingTimers(ticket, this.deps.calendar, this.deps.limits)[0];
  }

  /**
   * Schedules the ticket's next wake-up after a change, and removes the one scheduled for the ticket as it was
   * before, when that differs (a moved deadline replaces its timers).
   */
  async sync(after: Ticket, before?: Ticket | null): Promise<TimerDue | undefined> {
    const next = this.next(after);
    const old = before ? this.next(before) : undefined;
    if (old && (!next || timerJobId(old) !== timerJobId(next))) {
      await this.queue.remove(timerJobId(old)).catch(() => 0);
    }
    if (next) await this.schedule(next);
    return next;
  }

  private async schedule(t: TimerDue): Promise<void> {
    const delay = Math.max(0, t.fireAt - this.now().getTime());
    await this.queue.add('timer', { ticketId: t.ticketId, key: t.key } satisfies TimerJob, {
      jobId: timerJobId(t),
      delay,
      attempts: 8,
      backoff: { type: 'exponential', delay: 500 },
      // Completed wake-ups are deleted at once (the history is the record); an id is reused only after the timer fired.
      removeOnComplete: true,
      removeOnFail: { age: 30 * 24 * 3600 },
    });
  }

  /** Records and sends everything due for a ticket now, then schedules its next wake-up. Safe to run any number of times. */
  async fire(ticketId: string): Promise<TimerDue[]> {
    const fired: TimerDue[] = [];
    let ticket = await this.deps.store.getTicket(ticketId);
    // Repair first: a crash between recording the last escalation and sending it leaves it unsent (sending is idempotent).
    if (ticket) await this.notify(ticket, lastTimerEvent(ticket));
    for (let guard = 0; ticket && guard < 100; guard++) {
      const now = this.now();
      const due = pendingTimers(ticket, this.deps.calendar, this.deps.limits).filter((t) => t.fireAt <= now.getTime() + 20);
      if (due.length === 0) break;
      const t = due[0];
      try {
        ticket = await this.deps.store.appendEvent(ticket.id, ticket.version, {
          at: now.toISOString(),
          actor: TIMER_ACTOR,
          action: actionFor(t.level),
          from: ticket.state,
          to: ticket.state,
          reason: timerText(t, this.deps.catalogue.nameOf(t.department), ticket.id),
          data: { key: t.key, level: t.level, kind: t.kind, department: t.department, deadline: t.deadline, deadlineVersion: t.deadlineVersion, dueAt: new Date(t.fireAt).toISOString() },
        });
        fired.push(t);
        this.deps.onFired?.(t.level);
        await this.notify(ticket, ticket.history[ticket.history.length - 1]);
      } catch (err) {
        if (!(err instanceof VersionConflictError)) throw err;
        ticket = await this.deps.store.getTicket(ticketId);
      }
    }
    if (ticket) await this.sync(ticket);
    return fired;
  }

  /** Sends a recorded timer event to everyone its level concerns; each notification is kept once per key. */
  private async notify(ticket: Ticket, e: TicketEvent | undefined): Promise<void> {
    if (!e || !TIMER_ACTIONS.has(e.action) || typeof e.data?.key !== 'string') return;
    const data = e.data;
    const batch: Notification[] = audiencesFor(data.level as TimerDue['level']).map((audience) => ({
      key: `${ticket.id}.${String(data.key)}.${audience}`,
      ticketId: ticket.id,
      at: e.at,
      audience,
      department: String(data.department),
      level: String(data.level),
      text: e.reason ?? '',
    }));
    for (const c of this.channels) await c.send(batch);
  }

  /**
   * Compares the open tickets in the store with the timers in Redis and restores what is missing: every open ticket's
   * next wake-up is added again (an existing job with the same id is left as it is); what became overdue meanwhile
   * fires at once.
   */
  async reconcile(pageSize = 500): Promise<{ tickets: number; scheduled: number; overdue: number }> {
    let after: { receivedAt: string; id: string } | undefined;
    let tickets = 0;
    let scheduled = 0;
    let overdue = 0;
    const now = this.now().getTime();
    for (;;) {
      const page = await this.deps.store.listTickets({ state: ['dispatched', 'acknowledged', 'in-progress'], after, limit: pageSize });
      if (page.length === 0) break;
      const { scheduled: n, overdue: late } = await this.scheduleMany(page, now);
      tickets += page.length;
      scheduled += n;
      overdue += late;
      const last = page[page.length - 1];
      after = { receivedAt: last.receivedAt, id: last.id };
    }
    return { tickets, scheduled, overdue };
  }

  /** Adds the next wake-up of each ticket in one round trip (ids already present are left as they are). */
  async scheduleMany(tickets: Ticket[], now = this.now().getTime()): Promise<{ scheduled: number; overdue: number }> {
    const jobs = tickets
      .map((t) => this.next(t))
      .filter((t): t is TimerDue => t !== undefined)
      .map((t) => ({
        name: 'timer',
        data: { ticketId: t.ticketId, key: t.key },
        opts: { jobId: timerJobId(t), delay: Math.max(0, t.fireAt - now), attempts: 8, backoff: { type: 'exponential' as const, delay: 500 }, removeOnComplete: true, removeOnFail: { age: 30 * 24 * 3600 } },
      }));
    if (jobs.length) await this.queue.addBulk(jobs);
    return { scheduled: jobs.length, overdue: jobs.filter((j) => j.opts.delay === 0).length };
  }

  /** The worker that fires the wake-ups. */
  worker(connection: ConnectionOptions, prefix: string, concurrency = 8): Worker<TimerJob> {
    return new Worker<TimerJob>(QUEUE.timers, async (job: Job<TimerJob>) => (await this.fire(job.data.ticketId)).map((t) => t.key), {
      connection,
      prefix,
      concurrency,
    });
  }
}

function lastTimerEvent(ticket: Ticket): TicketEvent | undefined {
  for (let i = ticket.history.length - 1; i >= 0; i--) if (TIMER_ACTIONS.has(ticket.history[i].action)) return ticket.history[i];
  return undefined;
}
