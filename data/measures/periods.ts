import { addDays, shanghaiDate } from '../calendar/deadlines';

/** A reporting period in Asia/Shanghai days, end exclusive. */
export interface Period {
  kind: PeriodKind;
  /** First day and the day after the last (YYYY-MM-DD). */
  from: string;
  to: string;
  fromMs: number;
  toMs: number;
  /** How people name it: 2026年11月, 2026年第4季度, 2026-11-23 至 2026-11-29 … */
  label: string;
}

export type PeriodKind = 'day' | 'week' | 'month' | 'quarter' | 'custom';

const ms = (day: string) => Date.parse(`${day}T00:00:00+08:00`);

function make(kind: PeriodKind, from: string, to: string, label: string): Period {
  return { kind, from, to, fromMs: ms(from), toMs: ms(to), label };
}

function monthStart(day: string, offset = 0): string {
  const [y, m] = day.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + offset, 1));
  return d.toISOString().slice(0, 10);
}

/**
 * The period of a kind that contains `day` (a week starts on Monday; a quarter is Q1 Jan–Mar …). For 'custom',
 * `until` is the last day included.
 */
export function periodOf(kind: PeriodKind, day: string, until?: string): Period {
  switch (kind) {
    case 'day':
      return make(kind, day, addDays(day, 1), day);
    case 'week': {
      const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
      const from = addDays(day, -weekday);
      return make(kind, from, addDays(from, 7), `${from} 至 ${addDays(from, 6)}`);
    }
    case 'month': {
      const from = monthStart(day);
      return make(kind, from, monthStart(day, 1), `${from.slice(0, 4)}年${Number(from.slice(5, 7))}月`);
    }
    case 'quarter': {
      const [y, m] = day.split('-').map(Number);
      const q = Math.floor((m - 1) / 3);
      const from = `${y}-${String(q * 3 + 1).padStart(2, '0')}-01`;
      return make(kind, from, monthStart(from, 3), `${y}年第${q + 1}季度`);
    }
    case 'custom': {
      const last = until ?? day;
      if (last < day) throw new RangeError('until before day');
      return make(kind, day, addDays(last, 1), `${day} 至 ${last}`);
    }
  }
}

/** The period just before: the previous day, week, month or quarter; for a custom range, the same number of days before. */
export function previousPeriod(p: Period): Period {
  if (p.kind === 'custom') {
    const days = Math.round((p.toMs - p.fromMs) / 86_400_000);
    return periodOf('custom', addDays(p.from, -days), addDays(p.from, -1));
  }
  return periodOf(p.kind, addDays(p.from, -1));
}

/** The last `n` periods of a kind up to the one containing `day`, oldest first. */
export function lastPeriods(kind: Exclude<PeriodKind, 'custom'>, day: string, n: number): Period[] {
  const out = [periodOf(kind, day)];
  while (out.length < n) out.unshift(previousPeriod(out[0]));
  return out;
}

export function today(now: Date = new Date()): string {
  return shanghaiDate(now);
}
