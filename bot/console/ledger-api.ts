import type { NextFunction, Request, Response, Router } from 'express';
import ExcelJS from 'exceljs';
import type { Catalogue } from '../../data/catalogue';
import { DISPATCH_CENTRE } from '../../data/catalogue';
import { toShanghaiIso } from '../../data/calendar/deadlines';
import type { TicketStore } from '../../data/store/types';
import { leadAssignment, withAssignments } from '../../data/tickets/lifecycle';
import type { Ticket } from '../../data/tickets/ticket';
import { redactText } from '../../data/validation/masking';
import { ApiError } from './api-error';
import { audit } from './auth';
import { LedgerQuery } from './schemas';
import { parse } from './validate';
import { maySee, STATE_NAMES } from './views';

/** One line of the enterprise ledger (企业诉求台账). */
export interface LedgerRow {
  id: string;
  receivedAt: string;
  creditCode: string;
  enterpriseName: string;
  category: string;
  type: string;
  unit: string;
  state: string;
  stateName: string;
  open: boolean;
  replyDeadline: string;
  resolveDeadline: string | null;
  closedAt: string | null;
  satisfaction: string | null;
  summary: string;
}

const COLUMNS: [keyof LedgerRow, string, number][] = [
  ['id', '工单号', 14],
  ['receivedAt', '受理时间', 20],
  ['enterpriseName', '企业名称', 28],
  ['creditCode', '统一社会信用代码', 22],
  ['category', '诉求类别', 14],
  ['type', '类型', 8],
  ['unit', '承办单位', 26],
  ['stateName', '状态', 14],
  ['replyDeadline', '答复期限', 20],
  ['resolveDeadline', '办结期限', 20],
  ['closedAt', '办结时间', 20],
  ['satisfaction', '评价', 10],
  ['summary', '诉求摘要', 60],
];

const time = (iso: string | undefined | null) => (iso ? toShanghaiIso(new Date(iso)).slice(0, 16).replace('T', ' ') : null);

export function ledgerRow(stored: Ticket, catalogue: Catalogue): LedgerRow {
  const t = withAssignments(stored);
  const lead = leadAssignment(t);
  const info = t.enterpriseInfo!;
  const rating = t.ratings?.[t.ratings.length - 1];
  const summary = redactText(t.description).replace(/\s+/g, ' ');
  return {
    id: t.id,
    receivedAt: time(t.receivedAt)!,
    creditCode: info.creditCode,
    enterpriseName: info.name,
    category: info.category,
    type: t.type,
    unit: catalogue.nameOf(lead?.department ?? DISPATCH_CENTRE),
    state: t.state,
    stateName: STATE_NAMES[t.state],
    open: t.state !== 'closed' && t.state !== 'merged',
    replyDeadline: time(lead?.deadlines.reply ?? t.deadlines.reply)!,
    resolveDeadline: time(lead?.deadlines.resolve ?? t.deadlines.resolve),
    closedAt: time(t.closedAt),
    satisfaction: rating ? `${rating.satisfaction}${rating.solved ? '' : '（未解决）'}` : null,
    summary: summary.length > 200 ? summary.slice(0, 200) + '…' : summary,
  };
}

function group(rows: LedgerRow[], key: (r: LedgerRow) => string, label: (r: LedgerRow) => string) {
  const m = new Map<string, { key: string; name: string; total: number; open: number }>();
  for (const r of rows) {
    const k = key(r);
    const g = m.get(k) ?? { key: k, name: label(r), total: 0, open: 0 };
    g.total++;
    if (r.open) g.open++;
    m.set(k, g);
  }
  return [...m.values()].sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
}

/** CSV with a BOM so spreadsheet programs read the Chinese as UTF-8; cells quoted, formula-like cells defused. */
export function toCsv(rows: LedgerRow[]): string {
  const cell = (v: unknown) => {
    let s = v === null || v === undefined ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return '"' + s.replace(/"/g, '""') + '"';
  };
  return '\ufeff' + [COLUMNS.map(([, h]) => cell(h)).join(','), ...rows.map((r) => COLUMNS.map(([k]) => cell(r[k])).join(','))].join('\r\n') + '\r\n';
}

export async function toXlsx(rows: LedgerRow[], groups: ReturnType<typeof ledgerGroups>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '12345 热线';
  wb.created = new Date();
  const sheet = wb.addWorksheet('企业诉求台账', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = COLUMNS.map(([key, header, width]) => ({ key, header, width }));
  sheet.getRow(1).font = { bold: true };
  for (const r of rows) sheet.addRow(r);
  for (const [title, list] of [['按企业', groups.byEnterprise], ['按类别', groups.byCategory], ['按承办单位', groups.byUnit], ['按状态', groups.byState]] as const) {
    const s = wb.addWorksheet(title);
    s.columns = [
      { key: 'name', header: title.slice(1), width: 32 },
      { key: 'total', header: '诉求件数', width: 12 },
      { key: 'open', header: '未办结', width: 12 },
    ];
    s.getRow(1).font = { bold: true };
    for (const g of list) s.addRow(g);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function ledgerGroups(rows: LedgerRow[]) {
  return {
    byEnterprise: group(rows, (r) => r.creditCode, (r) => `${r.enterpriseName}（${r.creditCode}）`),
    byCategory: group(rows, (r) => r.category, (r) => r.category),
    byUnit: group(rows, (r) => r.unit, (r) => r.unit),
    byState: group(rows, (r) => r.stateName, (r) => r.stateName),
  };
}

/**
 * 企业诉求台账: enterprise appeals by enterprise, category, unit and state, for whoever may see them (the centre all;
 * a unit its own; a liaison its enterprises), as JSON for the page and as CSV or XLSX to download.
 */
export function ledgerRoutes(router: Router, deps: { store: TicketStore; catalogue: Catalogue }): void {
  const route = (fn: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => void fn(req, res).catch(next);

  async function rowsFor(req: Request): Promise<LedgerRow[]> {
    const q = parse(LedgerQuery, req.query);
    if (q.from && q.to && q.from > q.to) throw new ApiError(400, 'invalid-input', '开始日期不能晚于结束日期。');
    const tickets = await deps.store.listTickets({ limit: 100_000 });
    return tickets
      .filter((t) => t.enterpriseInfo && maySee({ account: req.account! }, t))
      .map((t) => ledgerRow(t, deps.catalogue))
      .filter((r) => (!q.creditCode || r.creditCode === q.creditCode) && (!q.category || r.category === q.category))
      .filter((r) => !q.department || r.unit === deps.catalogue.nameOf(q.department))
      .filter((r) => !q.state || (q.state === 'open') === r.open)
      .filter((r) => (!q.from || r.receivedAt.slice(0, 10) >= q.from) && (!q.to || r.receivedAt.slice(0, 10) <= q.to))
      .sort((a, b) => b.receivedAt.localeCompare(a.receivedAt) || b.id.localeCompare(a.id));
  }

  router.get(
    '/enterprise/ledger',
    route(async (req, res) => {
      const rows = await rowsFor(req);
      res.json({ items: rows.slice(0, 1000), total: rows.length, groups: ledgerGroups(rows) });
    }),
  );

  for (const format of ['csv', 'xlsx'] as const) {
    router.get(
      `/enterprise/ledger.${format}`,
      route(async (req, res) => {
        const rows = await rowsFor(req);
        const stamp = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');
        const name = `企业诉求台账-${stamp}.${format}`;
        await audit(deps.store, req, { action: `enterprise.ledger.export`, outcome: 'ok', detail: `${format} ${rows.length} rows` });
        res.setHeader('Content-Disposition', `attachment; filename="enterprise-ledger-${stamp}.${format}"; filename*=UTF-8''${encodeURIComponent(name)}`);
        if (format === 'csv') res.type('text/csv; charset=utf-8').send(toCsv(rows));
        else res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await toXlsx(rows, ledgerGroups(rows)));
      }),
    );
  }
}
