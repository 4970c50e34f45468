import { officeTimeBetween, type TimeLimits } from '../calendar/deadlines';
import type { WorkingCalendar } from '../calendar/working-days';
import type { Assignment, Ticket } from './ticket';

/** green: in time; yellow: past the warning point (75% of the limit); red: overdue; paused: waiting on the citizen (挂起); done: nothing due. */
export type Light = 'green' | 'yellow' | 'red' | 'paused' | 'done';

export interface Due {
  /** What is due next: 签收 (ack), 答复 (reply), or nothing. */
  kind: 'ack' | 'reply' | null;
  /** The deadline (ISO, +08:00), when something is due. */
  at: string | null;
  light: Light;
  /** Office time (working hours) left until the deadline, in minutes; negative once overdue. */
  workingMinutesLeft: number | null;
}

/**
 * What a unit owes on a ticket now, and the light it shows, as a pure function of the assignment and `now`.
 * The yellow point is the same as the warning timer's (limits.warningAt of the time from start to deadline).
 */
export function dueOf(ticket: Ticket, a: Assignment | undefined, now: Date, calendar: WorkingCalendar, limits: TimeLimits): Due {
  if (!a || ['replied', 'returned', 'withdrawn'].includes(a.state) || ['closed', 'merged', 'replied', 'follow-up'].includes(ticket.state)) {
    return { kind: null, at: null, light: 'done', workingMinutesLeft: null };
  }
  const kind = a.state === 'dispatched' ? 'ack' : 'reply';
  const at = kind === 'ack' ? a.deadlines.ack : a.deadlines.reply;
  const deadline = new Date(at);
  const left = deadline.getTime() >= now.getTime() ? officeTimeBetween(now, deadline, calendar, limits.officeHours) : -officeTimeBetween(deadline, now, calendar, limits.officeHours);
  const workingMinutesLeft = Math.round(left / 60_000);
  if (ticket.waiting) return { kind, at, light: 'paused', workingMinutesLeft };
  const started = Date.parse(a.deadlines.startedAt ?? a.assignedAt ?? ticket.receivedAt);
  const yellowAt = started + limits.warningAt * Math.max(0, deadline.getTime() - started);
  const light: Light = now.getTime() >= deadline.getTime() ? 'red' : now.getTime() >= yellowAt ? 'yellow' : 'green';
  return { kind, at, light, workingMinutesLeft };
}
