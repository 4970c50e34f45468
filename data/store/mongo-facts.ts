import type { Collection, Document } from 'mongodb';
import { ALL_UNITS, emptyCounts, p90, type MeasureCounts, type MeasureQuery } from '../measures/measures';
import type { DailyCount, DailyQuery, PlaceTopicCount } from './types';

/**
 * MongoDB's side of the measures: aggregation pipelines over the facts each ticket document carries (field `facts`,
 * written in the same single-document update as the ticket, so they never disagree with it).
 */

const cond = (e: unknown) => ({ $sum: { $cond: [e, 1, 0] } });
const SUMS = (now: number) => ({
  dispatched: { $sum: 1 },
  ackOnTime: cond('$ackOnTime'),
  returned: cond('$returned'),
  due: cond({ $or: ['$replied', { $and: [{ $ne: ['$replyDueMs', null] }, { $lte: ['$replyDueMs', now] }] }] }),
  repliedOnTime: cond('$replyOnTime'),
  replied: cond('$replied'),
  answered: cond({ $and: ['$current', { $or: ['$replied', '$reopened'] }] }),
  reopened: cond({ $and: ['$current', '$reopened'] }),
  rated: cond('$rated'),
  satisfied: cond('$satisfied'),
  solved: cond('$solved'),
  handled: cond({ $ne: [{ $ifNull: ['$handlingMinutes', null] }, null] }),
  handlingTotalMinutes: { $sum: { $ifNull: ['$handlingMinutes', 0] } },
  handling: { $push: { $ifNull: ['$handlingMinutes', null] } },
});

function unitFilter(q: { enterprise?: boolean; category?: string }): Record<string, unknown> {
  return { ...(q.enterprise !== undefined ? { enterprise: q.enterprise } : {}), ...(q.category ? { category: q.category } : {}) };
}

function toCounts(department: string, g: Document | undefined): MeasureCounts {
  const c = emptyCounts(department);
  if (!g) return c;
  for (const k of Object.keys(c) as (keyof MeasureCounts)[]) if (k !== 'department' && k !== 'handlingP90Minutes' && typeof g[k] === 'number') (c[k] as number) = g[k];
  c.received = c.dispatched;
  const values = ((g.handling as (number | null)[]) ?? []).filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
  c.handlingP90Minutes = p90(values);
  return c;
}

export async function mongoMeasureCounts(tickets: Collection<Document>, q: MeasureQuery): Promise<MeasureCounts[]> {
  const period = { dispatchedMs: { $gte: q.fromMs, $lt: q.toMs }, ...unitFilter(q) };
  // Rows per unit, or per enterprise appeal category (the key is then in the department field).
  const key = q.groupBy === 'category' ? 'category' : 'department';
  const [facet] = await tickets
    .aggregate([
      { $match: { 'facts.units': { $elemMatch: period } } },
      { $unwind: '$facts.units' },
      { $replaceWith: '$facts.units' },
      { $match: period },
      { $facet: { byUnit: [{ $match: { [key]: { $ne: null } } }, { $group: { _id: `$${key}`, ...SUMS(q.nowMs) } }], all: [{ $match: { [key]: { $ne: null } } }, { $group: { _id: null, ...SUMS(q.nowMs) } }] } },
    ])
    .toArray();
  const overdueFilter = { open: true, openDueMs: { $lt: q.nowMs }, ...unitFilter(q) };
  const overdue = await tickets
    .aggregate([{ $match: { 'facts.units': { $elemMatch: overdueFilter } } }, { $unwind: '$facts.units' }, { $replaceWith: '$facts.units' }, { $match: overdueFilter }, { $group: { _id: `$${key}`, n: { $sum: 1 } } }])
    .toArray();
  const overdueBy = new Map(overdue.filter((r) => r._id !== null && r._id !== undefined).map((r) => [String(r._id), Number(r.n)]));
  const ticketFilter: Record<string, unknown> = { 'facts.ticket.receivedMs': { $gte: q.fromMs, $lt: q.toMs } };
  if (q.enterprise !== undefined) ticketFilter['facts.ticket.enterprise'] = q.enterprise;
  if (q.category) ticketFilter['facts.ticket.category'] = q.category;
  const received = await tickets.countDocuments(ticketFilter);
  const rows = ((facet?.byUnit as Document[]) ?? []).map((g) => ({ ...toCounts(String(g._id), g), overdueNow: overdueBy.get(String(g._id)) ?? 0 }));
  for (const [department, n] of overdueBy) if (!rows.some((r) => r.department === department)) rows.push({ ...emptyCounts(department), overdueNow: n });
  // As in the embedded store, rows without the grouping key (a ticket with no category) count for nothing but receipt.
  const total = { ...toCounts(ALL_UNITS, (facet?.all as Document[])?.[0]), received, overdueNow: [...overdueBy.values()].reduce((a, n) => a + n, 0) };
  return [total, ...rows.sort((a, b) => a.department.localeCompare(b.department))];
}

export async function mongoDailyCounts(tickets: Collection<Document>, q: DailyQuery): Promise<DailyCount[]> {
  const field = `$facts.ticket.${q.by}`;
  const match: Record<string, unknown> = { 'facts.ticket.receivedMs': { $gte: q.fromMs, $lt: q.toMs }, [`facts.ticket.${q.by}`]: { $ne: null } };
  if (q.enterprise !== undefined) match['facts.ticket.enterprise'] = q.enterprise;
  const rows = await tickets.aggregate([{ $match: match }, { $group: { _id: { day: '$facts.ticket.day', key: field }, count: { $sum: 1 } } }, { $sort: { '_id.day': 1, '_id.key': 1 } }]).toArray();
  return rows.map((r) => ({ day: String(r._id.day), key: String(r._id.key), count: Number(r.count) }));
}

export async function mongoPlaceTopicCounts(tickets: Collection<Document>, q: { fromMs: number; toMs: number }): Promise<PlaceTopicCount[]> {
  const rows = await tickets
    .aggregate([
      { $match: { 'facts.ticket.receivedMs': { $gte: q.fromMs, $lt: q.toMs }, 'facts.ticket.place': { $ne: null }, 'facts.ticket.topic': { $ne: null } } },
      { $sort: { 'facts.ticket.receivedMs': -1 } },
      { $group: { _id: { place: '$facts.ticket.place', topic: '$facts.ticket.topic' }, count: { $sum: 1 }, ids: { $push: '$_id' } } },
      { $project: { count: 1, ids: { $slice: ['$ids', 50] } } },
    ])
    .toArray();
  return rows.map((r) => ({ place: String(r._id.place), topic: String(r._id.topic), count: Number(r.count), ticketIds: (r.ids as string[]).map(String) }));
}
