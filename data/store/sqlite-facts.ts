import type Database from 'better-sqlite3';
import { FACTS_VERSION, ticketFacts } from '../measures/facts';
import { ALL_UNITS, emptyCounts, p90, type MeasureCounts, type MeasureQuery } from '../measures/measures';
import type { Ticket } from '../tickets/ticket';
import type { DailyCount, DailyQuery, PlaceTopicCount } from './types';

/**
 * The embedded store's facts for the measures: two flat tables kept in the same transaction as every ticket write
 * (data/measures/facts.ts derives them), and the SQL that counts them.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS fact_tickets (
  ticket_id TEXT PRIMARY KEY, received_ms INTEGER NOT NULL, day TEXT NOT NULL, type TEXT NOT NULL, urgent INTEGER NOT NULL,
  enterprise INTEGER NOT NULL, category TEXT, department TEXT NOT NULL, state TEXT NOT NULL, closure TEXT, channel TEXT NOT NULL,
  topic TEXT, place TEXT
);
CREATE INDEX IF NOT EXISTS fact_tickets_received ON fact_tickets(received_ms);
CREATE TABLE IF NOT EXISTS fact_units (
  ticket_id TEXT NOT NULL, seq INTEGER NOT NULL, department TEXT NOT NULL, dispatched_ms INTEGER NOT NULL, day TEXT NOT NULL,
  type TEXT NOT NULL, enterprise INTEGER NOT NULL, category TEXT, ack_on_time INTEGER NOT NULL, returned INTEGER NOT NULL,
  replied INTEGER NOT NULL, reply_on_time INTEGER NOT NULL, reply_due_ms INTEGER, handling_minutes REAL, current INTEGER NOT NULL,
  open INTEGER NOT NULL, open_due_ms INTEGER, reopened INTEGER NOT NULL, rated INTEGER NOT NULL, satisfied INTEGER NOT NULL,
  solved INTEGER NOT NULL,
  PRIMARY KEY (ticket_id, seq)
);
CREATE INDEX IF NOT EXISTS fact_units_dispatched ON fact_units(dispatched_ms, department);
CREATE INDEX IF NOT EXISTS fact_units_open ON fact_units(open, open_due_ms);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const b = (v: boolean) => (v ? 1 : 0);

export class SqliteFacts {
  private readonly insertTicket: Database.Statement;
  private readonly insertUnit: Database.Statement;
  private readonly deleteUnits: Database.Statement;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.insertTicket = db.prepare(
      'INSERT OR REPLACE INTO fact_tickets(ticket_id, received_ms, day, type, urgent, enterprise, category, department, state, closure, channel, topic, place) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertUnit = db.prepare(
      'INSERT INTO fact_units(ticket_id, seq, department, dispatched_ms, day, type, enterprise, category, ack_on_time, returned, replied, reply_on_time, reply_due_ms, handling_minutes, current, open, open_due_ms, reopened, rated, satisfied, solved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.deleteUnits = db.prepare('DELETE FROM fact_units WHERE ticket_id = ?');
  }

  /** Derives the facts of every ticket again when they were derived by another version (or never): at start. */
  rebuildIfStale(allDocs: () => Iterable<{ doc: string }>): void {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'facts_version'").get() as { value: string } | undefined;
    if (row?.value === String(FACTS_VERSION)) return;
    this.db
      .transaction(() => {
        this.db.exec('DELETE FROM fact_tickets; DELETE FROM fact_units;');
        for (const r of allDocs()) this.write(JSON.parse(r.doc) as Ticket);
        this.db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('facts_version', ?)").run(String(FACTS_VERSION));
      })
      .immediate();
  }

  /** Replaces a ticket's facts; called inside the transaction that writes the ticket. */
  write(t: Ticket): void {
    const { ticket: f, units } = ticketFacts(t);
    this.insertTicket.run(f.ticketId, f.receivedMs, f.day, f.type, b(f.urgent), b(f.enterprise), f.category, f.department, f.state, f.closure, f.channel, f.topic, f.place);
    this.deleteUnits.run(t.id);
    for (const u of units) {
      this.insertUnit.run(
        u.ticketId, u.seq, u.department, u.dispatchedMs, u.day, u.type, b(u.enterprise), u.category, b(u.ackOnTime), b(u.returned), b(u.replied), b(u.replyOnTime),
        u.replyDueMs, u.handlingMinutes, b(u.current), b(u.open), u.openDueMs, b(u.reopened), b(u.rated), b(u.satisfied), b(u.solved),
      );
    }
  }

  measureCounts(q: MeasureQuery): MeasureCounts[] {
    const filters: string[] = [];
    const params: Record<string, unknown> = { from: q.fromMs, to: q.toMs, now: q.nowMs };
    if (q.enterprise !== undefined) {
      filters.push('enterprise = @enterprise');
      params.enterprise = b(q.enterprise);
    }
    if (q.category) {
      filters.push('category = @category');
      params.category = q.category;
    }
    const extra = filters.map((f) => ' AND ' + f).join('');
    const columns = `COUNT(*) AS dispatched, TOTAL(ack_on_time) AS ackOnTime, TOTAL(returned) AS returned,
      TOTAL(CASE WHEN replied = 1 OR (reply_due_ms IS NOT NULL AND reply_due_ms <= @now) THEN 1 ELSE 0 END) AS due,
      TOTAL(reply_on_time) AS repliedOnTime, TOTAL(replied) AS replied,
      TOTAL(CASE WHEN current = 1 AND (replied = 1 OR reopened = 1) THEN 1 ELSE 0 END) AS answered,
      TOTAL(CASE WHEN current = 1 AND reopened = 1 THEN 1 ELSE 0 END) AS reopened,
      TOTAL(rated) AS rated, TOTAL(satisfied) AS satisfied, TOTAL(solved) AS solved,
      COUNT(handling_minutes) AS handled, TOTAL(handling_minutes) AS handlingTotalMinutes`;
    const period = `dispatched_ms >= @from AND dispatched_ms < @to${extra}`;
    // Rows per unit, or per enterprise appeal category (the key is then in the department field).
    const key = q.groupBy === 'category' ? 'category' : 'department';
    const byUnit = this.db.prepare(`SELECT ${key} AS department, ${columns} FROM fact_units WHERE ${period} AND ${key} IS NOT NULL GROUP BY ${key}`).all(params) as Record<string, number | string>[];
    // The counts for all units are the sums of the units' counts; the 90th percentile (nearest rank) is not, so the
    // handling times of the period are read once, sorted per unit and in all.
    const times = this.db.prepare(`SELECT ${key}, handling_minutes AS v FROM fact_units WHERE ${period} AND handling_minutes IS NOT NULL`).raw().all(params) as [string | null, number][];
    const perUnit = new Map<string, number[]>();
    const allTimes = new Float64Array(times.length);
    times.forEach(([d, v], i) => {
      allTimes[i] = v;
      if (d === null) return;
      let list = perUnit.get(d);
      if (!list) perUnit.set(d, (list = []));
      list.push(v);
    });
    const p90ByUnit = new Map([...perUnit].map(([d, list]) => [d, p90(list.sort((a, b) => a - b))]));
    const p90All = p90(Array.from(allTimes.sort()));
    const all: Record<string, number> = {};
    for (const r of byUnit) for (const [k, v] of Object.entries(r)) if (typeof v === 'number') all[k] = (all[k] ?? 0) + v;
    const overdue = this.db.prepare(`SELECT ${key} AS department, COUNT(*) AS n FROM fact_units WHERE open = 1 AND open_due_ms < @now AND ${key} IS NOT NULL${extra} GROUP BY ${key}`).all(params) as { department: string; n: number }[];
    const overdueBy = new Map(overdue.map((r) => [r.department, r.n]));
    const received = (this.db.prepare(`SELECT COUNT(*) AS n FROM fact_tickets WHERE received_ms >= @from AND received_ms < @to${extra}`).get(params) as { n: number }).n;
    const counts = (department: string, r: Record<string, number | string> | undefined, p: number | null, overdueNow: number): MeasureCounts => {
      const c = emptyCounts(department);
      if (r) for (const k of Object.keys(c) as (keyof MeasureCounts)[]) if (k !== 'department' && k !== 'handlingP90Minutes' && typeof r[k] === 'number') (c[k] as number) = Number(r[k]);
      c.received = c.dispatched;
      c.handlingP90Minutes = p;
      c.overdueNow = overdueNow;
      return c;
    };
    const rows = byUnit.map((r) => counts(String(r.department), r, p90ByUnit.get(String(r.department)) ?? null, overdueBy.get(String(r.department)) ?? 0));
    // Units with overdue tickets but none dispatched in the period still show their overdue count.
    for (const [department, n] of overdueBy) if (!rows.some((r) => r.department === department)) rows.push(counts(department, undefined, null, n));
    const total = counts(ALL_UNITS, all, p90All, overdue.reduce((a, r) => a + r.n, 0));
    total.received = received;
    return [total, ...rows.sort((a, b) => a.department.localeCompare(b.department))];
  }

  dailyCounts(q: DailyQuery): DailyCount[] {
    const column = q.by === 'type' ? 'type' : q.by === 'department' ? 'department' : 'category';
    const params: Record<string, unknown> = { from: q.fromMs, to: q.toMs };
    let extra = '';
    if (q.enterprise !== undefined) {
      extra = ' AND enterprise = @enterprise';
      params.enterprise = b(q.enterprise);
    }
    return this.db
      .prepare(`SELECT day, ${column} AS key, COUNT(*) AS count FROM fact_tickets WHERE received_ms >= @from AND received_ms < @to AND ${column} IS NOT NULL${extra} GROUP BY day, ${column} ORDER BY day, ${column}`)
      .all(params) as DailyCount[];
  }

  placeTopicCounts(q: { fromMs: number; toMs: number }): PlaceTopicCount[] {
    const rows = this.db
      .prepare(
        `SELECT place, topic, COUNT(*) AS count, json_group_array(ticket_id) AS ids FROM (
           SELECT place, topic, ticket_id FROM fact_tickets WHERE received_ms >= ? AND received_ms < ? AND place IS NOT NULL AND topic IS NOT NULL ORDER BY received_ms DESC
         ) GROUP BY place, topic`,
      )
      .all(q.fromMs, q.toMs) as { place: string; topic: string; count: number; ids: string }[];
    return rows.map((r) => ({ place: r.place, topic: r.topic, count: r.count, ticketIds: (JSON.parse(r.ids) as string[]).slice(0, 50) }));
  }
}
