import * as fs from 'node:fs';
import * as path from 'node:path';
import ExcelJS from 'exceljs';
import type { Catalogue } from '../../data/catalogue';
import { DISPATCH_CENTRE } from '../../data/catalogue';
import { ENTERPRISE_CATEGORIES } from '../../data/knowledge/entry';
import { toShanghaiIso } from '../../data/calendar/deadlines';
import { ALL_UNITS, measuresOf, type Measures, type ScoreWeights } from '../../data/measures/measures';
import { periodOf } from '../../data/measures/periods';
import type { TicketStore } from '../../data/store/types';
import { leadAssignment, withAssignments } from '../../data/tickets/lifecycle';
import { OPEN_STATES } from '../../data/tickets/ticket';
import { redactText } from '../../data/validation/masking';
import { dashboard } from '../measures/dashboard';

/**
 * 月报: the month's measures per unit, the tickets overdue at the time of the report, the red/black list, and the
 * enterprise appeals by category — as an XLSX workbook (one sheet each) and a CSV (the same tables one after
 * another). Written to DATA_DIR/reports/<YYYY-MM>.xlsx and .csv, atomically.
 */

const pct = (v: number | null) => (v === null ? '' : Math.round(v * 1000) / 10);
const MEASURE_COLUMNS: [string, (m: Measures & { name?: string }) => string | number][] = [
  ['单位', (m) => m.name ?? m.department],
  ['受理量', (m) => m.received],
  ['响应率(%)', (m) => pct(m.responseRate)],
  ['解决率(%)', (m) => pct(m.resolutionRate)],
  ['满意率(%)', (m) => pct(m.satisfactionRate)],
  ['按时办结率(%)', (m) => pct(m.onTimeRate)],
  ['退单率(%)', (m) => pct(m.returnRate)],
  ['重办率(%)', (m) => pct(m.reopenRate)],
  ['平均办理时长(工作小时)', (m) => m.avgHandlingHours ?? ''],
  ['90%办理时长(工作小时)', (m) => m.p90HandlingHours ?? ''],
  ['当前超期', (m) => m.overdueNow],
];

export interface ReportTables {
  title: string;
  sheets: { name: string; header: string[]; rows: (string | number)[][] }[];
}

/** The month's report as tables (the same for XLSX and CSV). `month` is YYYY-MM. */
export async function monthlyReportTables(store: TicketStore, catalogue: Catalogue, month: string, now: Date, weights?: ScoreWeights): Promise<ReportTables> {
  const period = periodOf('month', `${month}-01`);
  const d = await dashboard(store, catalogue, { period, now, weights });
  const rankOf = new Map(d.ranking.map((r) => [r.department, r]));
  const measures = {
    name: '各单位考核指标',
    header: [...MEASURE_COLUMNS.map(([h]) => h), '综合得分', '排名'],
    rows: [{ ...d.centre, name: '全市（12345中心）' }, ...d.units].map((m) => [
      ...MEASURE_COLUMNS.map(([, f]) => f(m)),
      m.department === ALL_UNITS ? '' : (rankOf.get(m.department)?.score ?? ''),
      m.department === ALL_UNITS ? '' : (rankOf.get(m.department)?.rank ?? ''),
    ]),
  };
  const ranking = {
    name: '红黑榜',
    header: ['排名', '单位', '综合得分', '上期得分', '变化', '榜单'],
    rows: d.ranking.map((r) => [r.rank ?? '', r.name, r.score ?? '', r.previousScore ?? '', r.change ?? '', r.list === 'red' ? '红榜' : r.list === 'black' ? '黑榜' : '']),
  };
  // Overdue at the time of the report: open tickets past the deadline their lead works to (or the centre's reply deadline).
  const overdueRows: (string | number)[][] = [];
  for (let after: { receivedAt: string; id: string } | undefined; ; ) {
    const page = await store.listTickets({ state: [...OPEN_STATES], after, limit: 5000 });
    for (const stored of page) {
      const t = withAssignments(stored);
      const lead = leadAssignment(t);
      const due = lead ? (lead.acknowledgedAt ? lead.deadlines.reply : lead.deadlines.ack) : t.deadlines.reply;
      if (Date.parse(due) >= now.getTime() || t.waiting) continue;
      const summary = redactText(t.description).replace(/\s+/g, ' ');
      overdueRows.push([t.id, toShanghaiIso(new Date(t.receivedAt)).slice(0, 16).replace('T', ' '), t.type, catalogue.nameOf(lead?.department ?? DISPATCH_CENTRE), lead && !lead.acknowledgedAt ? '签收' : '答复', toShanghaiIso(new Date(due)).slice(0, 16).replace('T', ' '), Math.round((now.getTime() - Date.parse(due)) / 3600_000), summary.length > 100 ? summary.slice(0, 100) + '…' : summary]);
    }
    if (page.length < 5000) break;
    after = { receivedAt: page[page.length - 1].receivedAt, id: page[page.length - 1].id };
  }
  const overdue = { name: '超期工单', header: ['工单号', '受理时间', '类型', '承办单位', '超期环节', '期限', '已超期(小时)', '诉求摘要'], rows: overdueRows };
  const enterpriseRows: (string | number)[][] = [];
  for (const category of ENTERPRISE_CATEGORIES) {
    const rows = await store.measureCounts({ fromMs: period.fromMs, toMs: period.toMs, nowMs: now.getTime(), enterprise: true, category });
    const m = measuresOf(rows.find((r) => r.department === ALL_UNITS)!);
    enterpriseRows.push([category, ...MEASURE_COLUMNS.slice(1).map(([, f]) => f(m))]);
  }
  const allEnterprise = measuresOf((await store.measureCounts({ fromMs: period.fromMs, toMs: period.toMs, nowMs: now.getTime(), enterprise: true })).find((r) => r.department === ALL_UNITS)!);
  enterpriseRows.push(['企业诉求合计', ...MEASURE_COLUMNS.slice(1).map(([, f]) => f(allEnterprise))]);
  const enterprise = { name: '企业诉求', header: ['诉求类别', ...MEASURE_COLUMNS.slice(1).map(([h]) => h)], rows: enterpriseRows };
  return { title: `12345政务服务便民热线${period.label}月报`, sheets: [measures, overdue, ranking, enterprise] };
}

/** The tables as an XLSX workbook, streamed to a file (large months do not sit in memory as one workbook). */
export async function writeXlsx(tables: ReportTables, file: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: tmp, useStyles: true });
  wb.creator = '12345 热线';
  for (const sheet of tables.sheets) {
    const ws = wb.addWorksheet(sheet.name, { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = sheet.header.map((h) => ({ header: h, width: Math.max(10, Math.min(40, h.length * 2 + 4)) }));
    ws.getRow(1).font = { bold: true };
    ws.getRow(1).commit();
    for (const row of sheet.rows) ws.addRow(row).commit();
    ws.addRow([]).commit();
    ws.addRow([`${tables.title}（生成于 ${toShanghaiIso(new Date()).slice(0, 16).replace('T', ' ')}）`]).commit();
    ws.commit();
  }
  await wb.commit();
  fs.renameSync(tmp, file);
}

/** The tables as one CSV (UTF-8 with BOM): a title line, then each table under its name, separated by a blank line. */
export function toCsv(tables: ReportTables): string {
  const cell = (v: unknown) => {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s)) s = "'" + s;
    return '"' + s.replace(/"/g, '""') + '"';
  };
  const lines = [cell(tables.title)];
  for (const sheet of tables.sheets) {
    lines.push('', cell(sheet.name), sheet.header.map(cell).join(','));
    for (const row of sheet.rows) lines.push(row.map(cell).join(','));
  }
  return '\ufeff' + lines.join('\r\n') + '\r\n';
}

export function reportsDir(dataDir: string): string {
  return path.join(dataDir, 'reports');
}

/** Names of the kept reports: YYYY-MM.xlsx / YYYY-MM.csv. */
export const REPORT_NAME = /^(\d{4}-(?:0[1-9]|1[0-2]))\.(xlsx|csv)$/;

/** Generates a month's report and keeps both files; returns their paths. */
export async function generateMonthlyReport(store: TicketStore, catalogue: Catalogue, dataDir: string, month: string, now: Date, weights?: ScoreWeights): Promise<{ xlsx: string; csv: string; overdue: number }> {
  const dir = reportsDir(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const tables = await monthlyReportTables(store, catalogue, month, now, weights);
  const xlsx = path.join(dir, `${month}.xlsx`);
  const csv = path.join(dir, `${month}.csv`);
  await writeXlsx(tables, xlsx);
  const tmp = `${csv}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, toCsv(tables));
  fs.renameSync(tmp, csv);
  return { xlsx, csv, overdue: tables.sheets[1].rows.length };
}

/** The month before the one containing `now` (Asia/Shanghai): what the report on the 1st covers. */
export function previousMonth(now: Date): string {
  const day = toShanghaiIso(now).slice(0, 10);
  const [y, m] = day.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 2, 1));
  return d.toISOString().slice(0, 7);
}
