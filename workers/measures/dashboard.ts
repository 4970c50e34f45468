import type { Catalogue } from '../../data/catalogue';
import { ALL_UNITS, DEFAULT_WEIGHTS, DEFINITIONS, measuresOf, rankUnits, type Measures, type RankedUnit, type ScoreWeights } from '../../data/measures/measures';
import { addDays } from '../../data/calendar/deadlines';
import { lastPeriods, periodOf, previousPeriod, type Period, type PeriodKind } from '../../data/measures/periods';
import type { TicketStore } from '../../data/store/types';

/** What the measures page asks for. */
export interface DashboardQuery {
  period: Period;
  now: Date;
  enterprise?: boolean;
  category?: string;
  weights?: ScoreWeights;
}

export interface UnitMeasures extends Measures {
  name: string;
  ranking: RankedUnit | null;
}

export interface Dashboard {
  period: Period;
  previous: Period;
  centre: Measures;
  units: UnitMeasures[];
  ranking: (RankedUnit & { name: string })[];
  weights: ScoreWeights;
  definitions: typeof DEFINITIONS;
}

/**
 * The measures of every unit and of the centre over a period, the red/black list with the change since the previous
 * period. The store counts; this only names and ranks.
 */
export async function dashboard(store: TicketStore, catalogue: Catalogue, q: DashboardQuery): Promise<Dashboard> {
  const previous = previousPeriod(q.period);
  const base = { nowMs: q.now.getTime(), enterprise: q.enterprise, category: q.category };
  const [now, before] = await Promise.all([
    store.measureCounts({ ...base, fromMs: q.period.fromMs, toMs: q.period.toMs }),
    store.measureCounts({ ...base, fromMs: previous.fromMs, toMs: previous.toMs }),
  ]);
  const current = now.map(measuresOf);
  const earlier = before.map(measuresOf);
  const weights = q.weights ?? DEFAULT_WEIGHTS;
  const ranking = rankUnits(current, earlier, weights).map((r) => ({ ...r, name: catalogue.nameOf(r.department) }));
  const rankOf = new Map(ranking.map((r) => [r.department, r]));
  const centre = current.find((m) => m.department === ALL_UNITS)!;
  const units = current
    .filter((m) => m.department !== ALL_UNITS)
    .map((m) => ({ ...m, name: catalogue.nameOf(m.department), ranking: rankOf.get(m.department) ?? null }))
    .sort((a, b) => b.received - a.received || a.department.localeCompare(b.department));
  return { period: q.period, previous, centre, units, ranking, weights, definitions: DEFINITIONS };
}

/** Daily volume by type and by unit, and the centre's rates per week (or month) over time. */
export async function trends(store: TicketStore, catalogue: Catalogue, q: { day: string; days: number; kind: Extract<PeriodKind, 'week' | 'month'>; periods: number; now: Date; enterprise?: boolean }) {
  const until = periodOf('day', q.day);
  const fromDay = addDays(q.day, -(q.days - 1));
  const range = { fromMs: periodOf('day', fromDay).fromMs, toMs: until.toMs, enterprise: q.enterprise };
  const [byType, byUnit] = await Promise.all([store.dailyCounts({ ...range, by: 'type' }), store.dailyCounts({ ...range, by: 'department' })]);
  const periods = lastPeriods(q.kind, q.day, q.periods);
  const series = await Promise.all(
    periods.map(async (p) => {
      const rows = await store.measureCounts({ fromMs: p.fromMs, toMs: p.toMs, nowMs: q.now.getTime(), enterprise: q.enterprise });
      return { period: p.label, from: p.from, measures: measuresOf(rows.find((r) => r.department === ALL_UNITS)!) };
    }),
  );
  const days: string[] = [];
  for (let d = fromDay; d <= q.day; d = addDays(d, 1)) days.push(d);
  return {
    days,
    byType,
    byUnit: byUnit.map((r) => ({ ...r, name: catalogue.nameOf(r.key) })),
    series: series.map((s) => ({ period: s.period, from: s.from, received: s.measures.received, responseRate: s.measures.responseRate, resolutionRate: s.measures.resolutionRate, satisfactionRate: s.measures.satisfactionRate, onTimeRate: s.measures.onTimeRate, returnRate: s.measures.returnRate, reopenRate: s.measures.reopenRate, avgHandlingHours: s.measures.avgHandlingHours })),
  };
}

export interface Hotspot {
  key: string;
  count: number;
  /** Weekly average over the previous weeks. */
  before: number;
  /** count − before: how much it rose. */
  rise: number;
}

export interface HotspotGroup {
  place: string;
  topic: string;
  count: number;
  ticketIds: string[];
}

/**
 * Hotspots of the week containing `day`: the topics and places with the most tickets, the ones rising fastest
 * against the average of the `weeksBefore` previous weeks, and repeated matters about the same place and topic
 * (at least `minRepeat` tickets) — the early warning before a small problem becomes a big one.
 */
export async function hotspots(store: TicketStore, q: { day: string; weeksBefore?: number; minRepeat?: number; top?: number }) {
  const week = periodOf('week', q.day);
  const n = q.weeksBefore ?? 4;
  const earlier = lastPeriods('week', addDays(week.from, -1), n);
  const [current, ...previous] = await Promise.all([week, ...earlier].map((p) => store.placeTopicCounts({ fromMs: p.fromMs, toMs: p.toMs })));
  const sum = (rows: { place: string; topic: string; count: number }[], key: (r: { place: string; topic: string }) => string) => {
    const m = new Map<string, number>();
    for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + r.count);
    return m;
  };
  const rank = (key: (r: { place: string; topic: string }) => string): { top: Hotspot[]; rising: Hotspot[] } => {
    const now = sum(current, key);
    const before = new Map<string, number>();
    for (const rows of previous) for (const [k, v] of sum(rows, key)) before.set(k, (before.get(k) ?? 0) + v / n);
    const all = [...now.entries()].map(([k, count]) => {
      const b = Math.round((before.get(k) ?? 0) * 10) / 10;
      return { key: k, count, before: b, rise: Math.round((count - b) * 10) / 10 };
    });
    const top = [...all].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)).slice(0, q.top ?? 10);
    const rising = all.filter((h) => h.rise > 0 && h.count >= 2).sort((a, b) => b.rise - a.rise || b.count - a.count).slice(0, q.top ?? 10);
    return { top, rising };
  };
  const groups: HotspotGroup[] = current.filter((r) => r.count >= (q.minRepeat ?? 3)).sort((a, b) => b.count - a.count || a.place.localeCompare(b.place));
  return { week, topics: rank((r) => r.topic), places: rank((r) => r.place), groups };
}
