import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { resolveDataFile } from '../catalogue';
import type { Deadlines, DurationBasis, TicketType } from '../tickets/ticket';
import { WorkingCalendar } from './working-days';

/**
 * Deadline rules as pure functions of (receivedAt, limits, calendar). Asia/Shanghai has no daylight saving,
 * so local time is UTC+8 throughout.
 */

const durationSchema = z.union([
  z.object({ workingDays: z.number().int().positive() }),
  z.object({ workingHours: z.number().positive() }),
  z.object({ hours: z.number().positive() }),
]);
const pairSchema = z.object({ ack: durationSchema, reply: durationSchema });
const hhmm = z.string().regex(/^\d{2}:\d{2}$/);
const limitsSchema = z.object({
  officeHours: z.array(z.tuple([hhmm, hhmm])).min(1),
  /** Share of a limit after which the yellow light comes on (预警). */
  warningAt: z.number().gt(0).lt(1).default(0.75),
  /** Escalation ladder after the reply deadline: the centre's supervision (督办), then the leadership (通报). */
  escalation: z
    .object({ supervision: durationSchema, leadership: durationSchema })
    .default({ supervision: { workingDays: 2 }, leadership: { workingDays: 5 } }),
  types: z.record(z.string(), pairSchema),
  urgent: pairSchema,
  enterprise: pairSchema.extend({ resolve: durationSchema, resolveExtended: durationSchema }),
});

export type Duration = z.infer<typeof durationSchema>;
export type TimeLimits = z.infer<typeof limitsSchema>;
export type TimeLimitsInput = z.input<typeof limitsSchema>;

/** Validates time limits given as an object (a deployment's file, or a test's). */
export function parseTimeLimits(raw: unknown): TimeLimits {
  return limitsSchema.parse(raw);
}

export function loadTimeLimits(file = path.join(__dirname, '..', 'time-limits.json')): TimeLimits {
  return parseTimeLimits(JSON.parse(fs.readFileSync(resolveDataFile(file), "utf8")));
}

const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

/** YYYY-MM-DD of an instant in Asia/Shanghai. */
export function shanghaiDate(at: Date): string {
  return new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant of a Shanghai wall-clock time on a civil date. */
function shanghaiInstant(date: string, hhmmss: string): Date {
  return new Date(Date.parse(`${date}T${hhmmss}Z`) - OFFSET_MS);
}

/** A calendar day `n` days after (or before) a YYYY-MM-DD day. */
export function addDays(date: string, n: number): string {
  return new Date(Date.parse(date + 'T00:00:00Z') + n * DAY_MS).toISOString().slice(0, 10);
}

function nextDate(date: string): string {
  return new Date(Date.parse(date + 'T00:00:00Z') + DAY_MS).toISOString().slice(0, 10);
}

/** ISO 8601 with the +08:00 offset: 2026-10-16T23:59:59+08:00. */
export function toShanghaiIso(at: Date): string {
  return new Date(at.getTime() + OFFSET_MS).toISOString().replace(/\.\d{3}Z$/, '+08:00');
}

interface Computed {
  at: Date;
  provisional: boolean;
}

/** Adds a duration to a receipt time. "N working days" ends at the end of the Nth working day after the day of receipt. */
export function addDuration(receivedAt: Date, duration: Duration, calendar: WorkingCalendar, officeHours: TimeLimits['officeHours']): Computed {
  if ('hours' in duration) return { at: new Date(receivedAt.getTime() + duration.hours * 3600_000), provisional: false };
  let provisional = false;
  const note = (date: string) => {
    if (!calendar.isPublished(Number(date.slice(0, 4)))) provisional = true;
  };
  if ('workingDays' in duration) {
    let date = shanghaiDate(receivedAt);
    let left = duration.workingDays;
    while (left > 0) {
      date = nextDate(date);
      note(date);
      if (calendar.isWorkingDay(date)) left--;
    }
    return { at: shanghaiInstant(date, '23:59:59'), provisional };
  }
  // Working hours: walk office-hour windows forward from the receipt time.
  let remaining = duration.workingHours * 3600_000;
  let date = shanghaiDate(receivedAt);
  for (let guard = 0; guard < 3660; guard++, date = nextDate(date)) {
    note(date);
    if (!calendar.isWorkingDay(date)) continue;
    for (const [start, end] of officeHours) {
      const from = Math.max(shanghaiInstant(date, start + ':00').getTime(), receivedAt.getTime());
      const to = shanghaiInstant(date, end + ':00').getTime();
      if (to <= from) continue;
      if (to - from >= remaining) return { at: new Date(from + remaining), provisional };
      remaining -= to - from;
    }
  }
  throw new Error('No working hours found within ten years');
}

export interface DeadlineInput {
  receivedAt: Date;
  type: TicketType;
  urgent: boolean;
  enterprise: boolean;
}

function basisOf(d: Duration): DurationBasis {
  return 'workingDays' in d ? 'workingDays' : 'workingHours' in d ? 'workingHours' : 'hours';
}

/** The limits that apply to a ticket. Urgency wins over the enterprise and type limits. */
export function limitsFor(input: Omit<DeadlineInput, 'receivedAt'>, limits: TimeLimits): { ack: Duration; reply: Duration; resolve?: Duration } {
  if (input.urgent) return limits.urgent;
  if (input.enterprise) return limits.enterprise;
  const pair = limits.types[input.type];
  if (!pair) throw new Error(`No time limit configured for ticket type ${input.type}`);
  return pair;
}

/**
 * Acknowledge and reply deadlines counted from `receivedAt` (receipt, or the moment a re-dispatch or reopen
 * restarts the limits). `version` numbers the deadlines of a ticket: timers belong to one version.
 */
export function computeDeadlines(input: DeadlineInput, limits: TimeLimits, calendar: WorkingCalendar, version = 1): Deadlines {
  const pair = limitsFor(input, limits);
  const ack = addDuration(input.receivedAt, pair.ack, calendar, limits.officeHours);
  const reply = addDuration(input.receivedAt, pair.reply, calendar, limits.officeHours);
  const resolve = pair.resolve && !input.urgent ? addDuration(input.receivedAt, pair.resolve, calendar, limits.officeHours) : undefined;
  return {
    ack: toShanghaiIso(ack.at),
    reply: toShanghaiIso(reply.at),
    ...(resolve ? { resolve: toShanghaiIso(resolve.at) } : {}),
    provisional: ack.provisional || reply.provisional || (resolve?.provisional ?? false),
    startedAt: toShanghaiIso(input.receivedAt),
    version,
    basis: { ack: basisOf(pair.ack), reply: basisOf(pair.reply) },
  };
}

/** The next working day after the Shanghai day of `at`, at the given wall-clock time (hh:mm), e.g. for a reminder. */
export function nextWorkingDayAt(at: Date, calendar: WorkingCalendar, hhmm: string): Date {
  let date = nextDate(shanghaiDate(at));
  for (let guard = 0; guard < 60 && !calendar.isWorkingDay(date); guard++) date = nextDate(date);
  return shanghaiInstant(date, hhmm + ':00');
}

/** Office time (ms) between two instants: the part of [from, to) that falls in office hours of working days. */
export function officeTimeBetween(from: Date, to: Date, calendar: WorkingCalendar, officeHours: TimeLimits['officeHours']): number {
  let total = 0;
  for (let date = shanghaiDate(from), guard = 0; guard < 3660 && shanghaiInstant(date, '00:00:00').getTime() < to.getTime(); guard++, date = nextDate(date)) {
    if (!calendar.isWorkingDay(date)) continue;
    for (const [start, end] of officeHours) {
      const a = Math.max(shanghaiInstant(date, start + ':00').getTime(), from.getTime());
      const b = Math.min(shanghaiInstant(date, end + ':00').getTime(), to.getTime());
      if (b > a) total += b - a;
    }
  }
  return total;
}

function officeDayMs(officeHours: TimeLimits['officeHours']): number {
  return officeHours.reduce((sum, [a, b]) => sum + (Date.parse(`1970-01-01T${b}:00Z`) - Date.parse(`1970-01-01T${a}:00Z`)), 0);
}

/**
 * Gives back the time a ticket spent waiting on the citizen (挂起) from `since` to `until`: each deadline still
 * open moves later, in its own unit — calendar hours by the time elapsed, working hours by the office time
 * elapsed, working days by the working days touched (office time elapsed, rounded up to whole office days).
 * `done` names the deadlines already met (an acknowledged ticket's ack deadline stays).
 */
export function giveBackWaitingTime(
  d: Deadlines,
  since: Date,
  until: Date,
  calendar: WorkingCalendar,
  officeHours: TimeLimits['officeHours'],
  done: { ack: boolean; reply: boolean },
): Deadlines {
  const office = officeTimeBetween(since, until, calendar, officeHours);
  let provisional = d.provisional;
  const shift = (iso: string, basis: DurationBasis): string => {
    const at = new Date(iso);
    let moved: Computed;
    if (basis === 'hours') moved = { at: new Date(at.getTime() + (until.getTime() - since.getTime())), provisional: false };
    else if (basis === 'workingHours') moved = office > 0 ? addDuration(at, { workingHours: office / 3600_000 }, calendar, officeHours) : { at, provisional: false };
    else {
      const days = Math.ceil(office / officeDayMs(officeHours) - 1e-9);
      moved = days > 0 ? addDuration(at, { workingDays: days }, calendar, officeHours) : { at, provisional: false };
    }
    provisional ||= moved.provisional;
    return toShanghaiIso(moved.at);
  };
  const basis = d.basis ?? { ack: 'workingDays', reply: 'workingDays' };
  return {
    ...d,
    ack: done.ack ? d.ack : shift(d.ack, basis.ack),
    reply: done.reply ? d.reply : shift(d.reply, basis.reply),
    ...(d.resolve && !done.reply ? { resolve: shift(d.resolve, 'workingDays') } : {}),
    provisional,
    version: (d.version ?? 1) + 1,
  };
}

const WEEKDAYS = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];

/** 2026年10月16日（星期五）24时 / 2026年11月23日（星期一）11时30分, for citizens. */
export function formatDeadlineZh(iso: string): string {
  const local = new Date(Date.parse(iso) + OFFSET_MS);
  const y = local.getUTCFullYear();
  const mo = local.getUTCMonth() + 1;
  const d = local.getUTCDate();
  const h = local.getUTCHours();
  const mi = local.getUTCMinutes();
  const day = `${y}年${mo}月${d}日（${WEEKDAYS[local.getUTCDay()]}）`;
  if (h === 23 && mi === 59) return day + '24时';
  return day + `${h}时` + (mi ? `${String(mi).padStart(2, '0')}分` : '');
}
