/**
 * The measures (三率 and friends) as the domain reference defines them, from the counts the store computes.
 * Counting is the store's job (SQL in the embedded store, an aggregation pipeline in MongoDB); turning counts into
 * rates, rankings and changes is this file's, the same for both.
 */

/** Which tickets the measures cover. */
export interface MeasureQuery {
  /** Period start and end (ms since the epoch, end exclusive): a unit's tickets by when it got them, the centre's by receipt. */
  fromMs: number;
  toMs: number;
  /** "Now", for the answers that were due and the tickets overdue now. */
  nowMs: number;
  /** Only enterprise appeals (true), only citizens' tickets (false), or all (undefined). */
  enterprise?: boolean;
  /** Only enterprise appeals of this category. */
  category?: string;
  /**
   * One row per unit (default), or per enterprise appeal category (the category is then in `department`). Rows
   * without the key (a ticket without a category) count only in `received`.
   */
  groupBy?: 'department' | 'category';
}

/** What the store counts, per unit and for all units together (department '*'). */
export interface MeasureCounts {
  department: string;
  /** '*': tickets the centre received in the period. A unit: tickets dispatched to it (as lead) in the period. */
  received: number;
  dispatched: number;
  /** Signed for within the acknowledge deadline. */
  ackOnTime: number;
  returned: number;
  /** Answered, or whose reply deadline has passed (not returned): the tickets the on-time rate is about. */
  due: number;
  repliedOnTime: number;
  replied: number;
  /** Tickets the unit (as current lead) answered at least once, and of those reopened (重办). */
  answered: number;
  reopened: number;
  rated: number;
  satisfied: number;
  solved: number;
  /** Answers with a known handling time, their total, and the 90th percentile (nearest rank), in working minutes. */
  handled: number;
  handlingTotalMinutes: number;
  handlingP90Minutes: number | null;
  /** Open now and past the deadline the unit works to (whatever the period). */
  overdueNow: number;
}

export const ALL_UNITS = '*';

export function emptyCounts(department: string): MeasureCounts {
  return { department, received: 0, dispatched: 0, ackOnTime: 0, returned: 0, due: 0, repliedOnTime: 0, replied: 0, answered: 0, reopened: 0, rated: 0, satisfied: 0, solved: 0, handled: 0, handlingTotalMinutes: 0, handlingP90Minutes: null, overdueNow: 0 };
}

/** The 90th percentile by nearest rank of sorted values (the value at position ceil(0.9 n)). */
export function p90(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.ceil(0.9 * sorted.length) - 1];
}

export interface Measures {
  department: string;
  received: number;
  /** 响应率: signed for within the limit ÷ dispatched. */
  responseRate: number | null;
  /** 解决率: solved ÷ rated (tickets with a follow-up answer). */
  resolutionRate: number | null;
  /** 满意率: (满意 + 基本满意) ÷ rated. */
  satisfactionRate: number | null;
  /** 按时办结率: answered within the reply deadline ÷ answered or past the deadline. */
  onTimeRate: number | null;
  /** 退单率: returned ÷ dispatched. */
  returnRate: number | null;
  /** 重办率: reopened ÷ answered. */
  reopenRate: number | null;
  /** Average and 90th percentile handling time, dispatch to answer, in working hours. */
  avgHandlingHours: number | null;
  p90HandlingHours: number | null;
  overdueNow: number;
  counts: MeasureCounts;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const hours = (m: number | null) => (m === null ? null : Math.round((m / 60) * 10) / 10);

export function measuresOf(c: MeasureCounts): Measures {
  return {
    department: c.department,
    received: c.department === ALL_UNITS ? c.received : c.dispatched,
    responseRate: ratio(c.ackOnTime, c.dispatched),
    resolutionRate: ratio(c.solved, c.rated),
    satisfactionRate: ratio(c.satisfied, c.rated),
    onTimeRate: ratio(c.repliedOnTime, c.due),
    returnRate: ratio(c.returned, c.dispatched),
    reopenRate: ratio(c.reopened, c.answered),
    avgHandlingHours: c.handled > 0 ? hours(c.handlingTotalMinutes / c.handled) : null,
    p90HandlingHours: hours(c.handlingP90Minutes),
    overdueNow: c.overdueNow,
    counts: c,
  };
}

/** The definitions shown on the measures page (Simplified Chinese), as computed above. */
export const DEFINITIONS: { key: keyof Measures; name: string; definition: string }[] = [
  { key: 'received', name: '受理量', definition: '全市：期间内12345受理的工单数；单位：期间内派给该单位主办的工单数（改派后新单位另计）。' },
  { key: 'responseRate', name: '响应率', definition: '在签收时限内签收的工单 ÷ 派给该单位的工单。' },
  { key: 'resolutionRate', name: '解决率', definition: '市民回访表示“已解决”的工单 ÷ 有回访评价的工单。' },
  { key: 'satisfactionRate', name: '满意率', definition: '（满意 + 基本满意）÷ 有回访评价的工单。' },
  { key: 'onTimeRate', name: '按时办结率', definition: '在答复期限（含批准的延期）内答复的工单 ÷ 已答复或已过答复期限的工单。' },
  { key: 'returnRate', name: '退单率', definition: '该单位退回12345中心的工单 ÷ 派给该单位的工单。' },
  { key: 'reopenRate', name: '重办率', definition: '答复后因市民不满意或未解决而重办的工单 ÷ 已答复的工单。' },
  { key: 'avgHandlingHours', name: '平均办理时长', definition: '从派单到答复的工作时间（工作日的办公时段）平均值，单位：小时。' },
  { key: 'p90HandlingHours', name: '90%办理时长', definition: '90%的工单在此工作时长内答复（最近秩法第90百分位），单位：小时。' },
  { key: 'overdueNow', name: '当前超期', definition: '此刻仍在办、已超过签收或答复期限的工单数（不限期间）。' },
];

/** How the composite score of the red/black list (红黑榜) weighs the rates. Default: the three rates equally. */
export type ScoreWeights = Partial<Record<'responseRate' | 'resolutionRate' | 'satisfactionRate' | 'onTimeRate' | 'returnRate' | 'reopenRate', number>>;
export const DEFAULT_WEIGHTS: ScoreWeights = { responseRate: 1, resolutionRate: 1, satisfactionRate: 1 };
/** The setting holding the weights an administrator chose. */
export const WEIGHTS_SETTING = 'ranking-weights';

/** Rates where lower is better enter the score as (1 − rate). */
const LOWER_IS_BETTER = new Set(['returnRate', 'reopenRate']);

/**
 * A unit's composite score (0–100): the weighted mean of its rates, over the rates it has (a unit with no rated
 * ticket is scored on the others). Null when it has none of the weighted rates.
 */
export function compositeScore(m: Measures, weights: ScoreWeights = DEFAULT_WEIGHTS): number | null {
  let sum = 0;
  let w = 0;
  for (const [key, weight] of Object.entries(weights) as [keyof ScoreWeights, number][]) {
    const v = m[key];
    if (v === null || v === undefined || !weight) continue;
    sum += weight * (LOWER_IS_BETTER.has(key) ? 1 - v : v);
    w += weight;
  }
  return w > 0 ? Math.round((sum / w) * 1000) / 10 : null;
}

export interface RankedUnit {
  department: string;
  score: number | null;
  rank: number | null;
  previousScore: number | null;
  previousRank: number | null;
  /** Score now minus score in the previous period. */
  change: number | null;
  /** Top and bottom of the list (红榜 / 黑榜), among units with a score. */
  list: 'red' | 'black' | null;
}

/**
 * 红黑榜: units ranked by composite score (ties share a rank), with the change since the previous period; the best
 * `listSize` are the red list and the worst the black list (fewer when fewer units have a score).
 */
export function rankUnits(current: Measures[], previous: Measures[], weights: ScoreWeights = DEFAULT_WEIGHTS, listSize = 3, minTickets = 1): RankedUnit[] {
  const score = (ms: Measures[]) => new Map(ms.filter((m) => m.department !== ALL_UNITS).map((m) => [m.department, m.received >= minTickets ? compositeScore(m, weights) : null]));
  const now = score(current);
  const before = score(previous);
  const ranks = (scores: Map<string, number | null>) => {
    const sorted = [...scores.entries()].filter((e): e is [string, number] => e[1] !== null).sort((a, b) => b[1] - a[1]);
    const out = new Map<string, number>();
    sorted.forEach(([d, s], i) => out.set(d, i > 0 && sorted[i - 1][1] === s ? out.get(sorted[i - 1][0])! : i + 1));
    return out;
  };
  const rankNow = ranks(now);
  const rankBefore = ranks(before);
  const scored = [...rankNow.keys()];
  const n = Math.min(listSize, Math.floor(scored.length / 2));
  const red = new Set(scored.slice(0, n));
  const black = new Set(scored.slice(scored.length - n));
  return [...now.keys()]
    .map((department) => {
      const s = now.get(department) ?? null;
      const p = before.get(department) ?? null;
      return {
        department,
        score: s,
        rank: rankNow.get(department) ?? null,
        previousScore: p,
        previousRank: rankBefore.get(department) ?? null,
        change: s !== null && p !== null ? Math.round((s - p) * 10) / 10 : null,
        list: red.has(department) ? ('red' as const) : black.has(department) ? ('black' as const) : null,
      };
    })
    .sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.department.localeCompare(b.department));
}
