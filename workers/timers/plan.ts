import { addDuration, type TimeLimits } from '../../data/calendar/deadlines';
import type { WorkingCalendar } from '../../data/calendar/working-days';
import { activeAssignments, withAssignments } from '../../data/tickets/lifecycle';
import type { Assignment, Ticket } from '../../data/tickets/ticket';

/**
 * Which warnings and escalations a ticket is owed, worked out from the ticket alone (the store is the truth; Redis
 * only holds the wake-up for the next one). Per unit and deadline version:
 * - ack:   yellow at 75% of the acknowledge limit, red at the deadline, while the unit has not acknowledged;
 * - reply: yellow at 75%, red at the deadline (the unit and its head are told: the first rung of the ladder),
 *          supervision (督办, the 12345 centre) a further 2 working days overdue, leadership (通报) after 5
 *          (time-limits.json's warningAt and escalation), while the unit has not replied.
 * Nothing runs while the ticket waits on the citizen (挂起), is with the centre (returned) or is finished.
 */

export type TimerLevel = 'yellow' | 'red' | 'supervision' | 'leadership';
export type DeadlineKind = 'ack' | 'reply';

export interface TimerDue {
  /** Unique per ticket, unit, deadline version, kind and level: what makes each fire once. */
  key: string;
  ticketId: string;
  department: string;
  kind: DeadlineKind;
  level: TimerLevel;
  deadlineVersion: number;
  deadline: string;
  fireAt: number;
}

/** Events in the history that record a timer that fired. */
export const TIMER_ACTIONS = new Set(['warning', 'overdue', 'escalated']);

export function actionFor(level: TimerLevel): string {
  return level === 'yellow' ? 'warning' : level === 'red' ? 'overdue' : 'escalated';
}

export function timerKey(department: string, kind: DeadlineKind, level: TimerLevel, version: number): string {
  return `${department}.${kind}.${level}.v${version}`;
}

/** Keys of the timers already recorded in the ticket's history. */
export function firedKeys(ticket: Ticket): Set<string> {
  const out = new Set<string>();
  for (const e of ticket.history) if (TIMER_ACTIONS.has(e.action) && typeof e.data?.key === 'string') out.add(e.data.key);
  return out;
}

const TIMED_STATES = new Set(['dispatched', 'acknowledged', 'in-progress']);

/** Every timer the ticket still has to fire (not yet recorded), earliest first. */
export function pendingTimers(stored: Ticket, calendar: WorkingCalendar, limits: TimeLimits): TimerDue[] {
  const ticket = withAssignments(stored);
  if (!TIMED_STATES.has(ticket.state) || ticket.waiting) return [];
  const fired = firedKeys(ticket);
  const out: TimerDue[] = [];
  for (const a of activeAssignments(ticket)) {
    for (const t of timersOf(ticket, a, calendar, limits)) if (!fired.has(t.key)) out.push(t);
  }
  return out.sort((x, y) => x.fireAt - y.fireAt || x.key.localeCompare(y.key));
}

function timersOf(ticket: Ticket, a: Assignment, calendar: WorkingCalendar, limits: TimeLimits): TimerDue[] {
  const version = a.deadlines.version ?? 1;
  const started = Date.parse(a.deadlines.startedAt ?? a.assignedAt ?? ticket.receivedAt);
  const make = (kind: DeadlineKind, level: TimerLevel, deadline: string, fireAt: number): TimerDue => ({
    key: timerKey(a.department, kind, level, version),
    ticketId: ticket.id,
    department: a.department,
    kind,
    level,
    deadlineVersion: version,
    deadline,
    fireAt,
  });
  const yellow = (deadline: string) => started + limits.warningAt * Math.max(0, Date.parse(deadline) - started);
  const out: TimerDue[] = [];
  if (a.state === 'dispatched') {
    out.push(make('ack', 'yellow', a.deadlines.ack, yellow(a.deadlines.ack)), make('ack', 'red', a.deadlines.ack, Date.parse(a.deadlines.ack)));
  }
  if (a.state === 'dispatched' || a.state === 'acknowledged' || a.state === 'in-progress') {
    const reply = a.deadlines.reply;
    out.push(make('reply', 'yellow', reply, yellow(reply)), make('reply', 'red', reply, Date.parse(reply)));
    for (const level of ['supervision', 'leadership'] as const) {
      const after = limits.escalation[level];
      let at = addDuration(new Date(reply), after, calendar, limits.officeHours).at.getTime();
      // A deadline that is not at the end of a day (an hours limit) escalates at the same time of day, N working days on.
      if ('workingDays' in after) at -= endOfDay(reply) - Date.parse(reply);
      out.push(make('reply', level, reply, at));
    }
  }
  return out;
}

/** The end (23:59:59 +08:00) of the Shanghai day of an instant. */
function endOfDay(iso: string): number {
  const local = new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 10);
  return Date.parse(`${local}T23:59:59+08:00`);
}

/** Chinese text of a fired timer, for the people it is sent to. */
export function timerText(t: TimerDue, unitName: string, ticketId: string): string {
  const what = t.kind === 'ack' ? '签收' : '答复';
  switch (t.level) {
    case 'yellow':
      return `【黄灯预警】工单 ${ticketId}（${unitName}）的${what}期限即将届满，请尽快处理。`;
    case 'red':
      return `【红灯超期】工单 ${ticketId}（${unitName}）已超过${what}期限，请部门负责人督促办理。`;
    case 'supervision':
      return `【督办】工单 ${ticketId}（${unitName}）答复超期仍未办理，12345 中心督办。`;
    case 'leadership':
      return `【通报】工单 ${ticketId}（${unitName}）督办后仍超期未办，报政府领导通报。`;
  }
}

/** Who is told at each level. */
export function audiencesFor(level: TimerLevel): ('department' | 'department-head' | 'supervision' | 'leadership')[] {
  switch (level) {
    case 'yellow':
      return ['department'];
    case 'red':
      return ['department', 'department-head'];
    case 'supervision':
      return ['department', 'department-head', 'supervision'];
    case 'leadership':
      return ['department', 'department-head', 'supervision', 'leadership'];
  }
}
