import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Catalogue } from '../data/catalogue';
import { ENTERPRISE_CATEGORIES } from '../data/knowledge/entry';
import { periodOf } from '../data/measures/periods';
import { SqliteStore } from '../data/store/sqlite-store';
import { TICKET_TYPES, type Assignment, type Ticket } from '../data/tickets/ticket';
import { dashboard } from '../workers/measures/dashboard';
import { generateMonthlyReport } from '../workers/reports/monthly-report';
import { percentile, rssMb, type BenchResult } from './report';

/** A pseudo-random generator with a seed, so every run measures the same tickets. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PLACES = ['幸福路', '人民路', '解放路', '锦绣花园', '滨江路', '建设路', '桃花坞村', '东坝乡农贸市场', '创业路', '北辰大道'];
const HOUR = 3600_000;

/** `n` tickets received over the 90 days before `end`, in every state, dispatched, answered and rated in varied ways. */
export function syntheticTickets(n: number, end: Date, catalogue: Catalogue, seed = 12345): Ticket[] {
  const r = rng(seed);
  const codes = catalogue.codes();
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const iso = (ms: number) => new Date(ms).toISOString();
  const out: Ticket[] = [];
  for (let i = 0; i < n; i++) {
    const received = end.getTime() - r() * 90 * 24 * HOUR;
    const department = pick(codes);
    const unit = catalogue.get(department)!;
    const type = pick(TICKET_TYPES);
    const enterprise = r() < 0.15;
    const assigned = received + r() * 2 * HOUR;
    const deadlines = { ack: iso(assigned + 24 * HOUR), reply: iso(assigned + 10 * 24 * HOUR), provisional: false, version: 1 };
    const roll = r();
    const returnedFirst = roll < 0.04;
    const lead: Assignment = { department, role: 'lead', state: 'dispatched', assignedAt: iso(assigned), deadlines };
    const leads: Assignment[] = returnedFirst ? [{ ...lead, department: pick(codes), state: 'returned' }, lead] : [lead];
    let state: Ticket['state'] = 'dispatched';
    const ratings: Ticket['ratings'] = [];
    const replies: Ticket['replies'] = [];
    const done = received < end.getTime() - 12 * 24 * HOUR ? 0.93 : 0.5;
    if (r() < 0.97) {
      lead.state = 'acknowledged';
      lead.acknowledgedAt = iso(assigned + (r() < 0.9 ? 0.2 : 1.3) * 24 * HOUR);
      state = 'acknowledged';
      if (r() < done) {
        const repliedAt = assigned + (r() < 0.85 ? r() * 9 : 9 + r() * 5) * 24 * HOUR;
        if (repliedAt < end.getTime()) {
          lead.state = 'replied';
          lead.repliedAt = iso(repliedAt);
          lead.handlingMinutes = Math.round(((repliedAt - assigned) / (24 * HOUR)) * 8 * 60 * (5 / 7));
          replies.push({ seq: 1, at: lead.repliedAt, department, actor: { id: 'agent', role: 'agent', department }, text: '已处理。', toCitizen: true });
          state = 'replied';
          if (r() < 0.8) {
            const sat = r() < 0.8 ? '满意' : r() < 0.5 ? '基本满意' : '不满意';
            const solved = sat !== '不满意' && r() < 0.9;
            ratings.push({ at: iso(repliedAt + HOUR), satisfaction: sat, solved });
            state = sat !== '不满意' && solved ? 'closed' : 'replied';
          } else if (r() < 0.5) state = 'closed';
        }
      }
    }
    const id = `9${String(i).padStart(9, '0')}`;
    out.push({
      id,
      version: 3,
      intakeKey: `bench-${id}`,
      state,
      type,
      proposedType: type,
      urgent: r() < 0.05,
      enterprise,
      description: `${unit.scope[Math.floor(r() * unit.scope.length)] ?? unit.name}的问题，已经好几天了，请尽快处理。`,
      location: `${pick(PLACES)}${Math.floor(r() * 200)}号`,
      citizen: { anonymous: false, phone: '13800000000' },
      channel: { channelId: 'bench', reference: {} },
      receivedAt: iso(received),
      deadlines,
      routing: { department, queue: department, confidence: 0.99, candidates: [{ department, confidence: 0.99 }], modelVersion: 'bench', routedAt: iso(assigned), topic: unit.scope[0] ?? unit.name, place: pick(PLACES) },
      assignments: leads,
      replies,
      ratings,
      ...(state === 'closed' ? { closedAt: lead.repliedAt ?? iso(assigned), closure: ratings.length ? ('rated' as const) : ('unrated' as const) } : {}),
      ...(enterprise ? { enterpriseInfo: { creditCode: '91350100M000100Y43', name: '示例企业', category: pick(ENTERPRISE_CATEGORIES) } } : {}),
      history: [{ seq: 1, at: iso(received), actor: { id: 'citizen', role: 'citizen' }, action: 'received', to: 'received' }],
    });
  }
  return out;
}

/**
 * Measures over 200,000 tickets on the embedded store: the dashboard (a month and the month before, per unit and for
 * the centre) and the monthly XLSX report. Targets (issue 7): dashboard < 2 s; monthly XLSX < 20 s; memory printed.
 */
export async function benchMeasures(n = Number(process.env.BENCH_TICKETS ?? 200_000)): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-bench-measures-'));
  const catalogue = Catalogue.load();
  const store = new SqliteStore({ file: path.join(dir, 'hotline.sqlite') });
  const end = new Date('2026-11-30T16:00:00Z');
  const t0 = Date.now();
  const tickets = syntheticTickets(n, end, catalogue);
  for (let i = 0; i < tickets.length; i += 20_000) store.importTickets(tickets.slice(i, i + 20_000));
  const loadS = (Date.now() - t0) / 1000;
  const rssBefore = rssMb();
  const period = periodOf('quarter', '2026-11-15');
  const times: number[] = [];
  let units = 0;
  for (let i = 0; i < 5; i++) {
    const s0 = process.hrtime.bigint();
    const d = await dashboard(store, catalogue, { period, now: end });
    times.push(Number(process.hrtime.bigint() - s0) / 1e6);
    units = d.units.length;
  }
  const r0 = Date.now();
  const report = await generateMonthlyReport(store, catalogue, dir, '2026-11', end);
  const reportS = (Date.now() - r0) / 1000;
  const rss = rssMb();
  const size = fs.statSync(report.xlsx).size / 1e6;
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return [
    { name: `measures: dashboard over ${n.toLocaleString('en')} tickets (quarter + previous)`, value: percentile(times, 0.5), unit: 'ms', target: '< 2000 ms', ok: Math.max(...times) < 2000, note: `${units} units; worst of 5 ${Math.max(...times).toFixed(0)} ms; loading the tickets took ${loadS.toFixed(1)} s` },
    { name: `measures: monthly XLSX report, ${n.toLocaleString('en')} tickets in store`, value: reportS, unit: 's', target: '< 20 s', ok: reportS < 20, note: `${size.toFixed(1)} MB, ${report.overdue} overdue tickets listed` },
    { name: 'measures: memory (RSS) after the report', value: rss, unit: 'MB', note: `${(rss - rssBefore).toFixed(0)} MB more than after loading` },
  ];
}
