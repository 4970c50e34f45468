import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { resolveDataFile } from '../catalogue';
import type { Deadlines, TicketType } from '../tickets/ticket';
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
  types: z.record(z.string(), pairSchema),
  urgent: pairSchema,
  enterprise: pairSchema.extend({ resolve: durationSchema, resolveExtended: durationSchema }),
});

export type Duration = z.infer<typeof durationSchema>;
export type TimeLimits = z.infer<typeof limitsSchema>;

export function loadTimeLimits(file = path.join(__dirname, '..', 'time-limits.json')): TimeLimits {
  return limitsSchema.parse(JSON.parse(fs.readFileSync(resolveDataFile(file), 'utf8')));
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

/** Acknowledge and reply deadlines of a new ticket. Urgency wins over the enterprise and type limits. */
export function computeDeadlines(input: DeadlineInput, limits: TimeLimits, calendar: WorkingCalendar): Deadlines {
  const pair = input.urgent ? limits.urgent : input.enterprise ? limits.enterprise : limits.types[input.type];
  if (!pair) throw new Error(`No time limit configured for ticket type ${input.type}`);
  const ack = addDuration(input.receivedAt, pair.ack, calendar, limits.officeHours);
  const reply = addDuration(input.receivedAt, pair.reply, calendar, limits.officeHours);
  return { ack: toShanghaiIso(ack.at), reply: toShanghaiIso(reply.at), provisional: ack.provisional || reply.provisional };
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
