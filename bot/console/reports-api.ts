import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NextFunction, Request, Response, Router } from 'express';
import ExcelJS from 'exceljs';
import type { Catalogue } from '../../data/catalogue';
import { DISPATCH_CENTRE } from '../../data/catalogue';
import { toShanghaiIso } from '../../data/calendar/deadlines';
import type { TicketStore } from '../../data/store/types';
import { leadAssignment, withAssignments } from '../../data/tickets/lifecycle';
import type { Ticket } from '../../data/tickets/ticket';
import { redactText } from '../../data/validation/masking';
import type { Queues } from '../../workers/queues';
import { QUEUE } from '../../workers/queues';
import { REPORT_NAME, reportsDir } from '../../workers/reports/monthly-report';
import { ApiError } from './api-error';
import { audit, type Auth } from './auth';
import { IssueLedgerQuery, ReportBody } from './schemas';
import { parse } from './validate';
import { ACTION_NAMES, STATE_NAMES } from './views';

/**
 * Reports: the monthly reports kept for download (generated on the 1st and on demand, by the workers), and the issue
 * ledger (问题台账) — every ticket matching a filter with a summary of its history — as XLSX or CSV.
 */
export function reportsRoutes(router: Router, deps: { store: TicketStore; catalogue: Catalogue; queues: Queues; auth: Auth; dataDir: string }): void {
  const route = (fn: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => void fn(req, res).catch(next);
  const centre = deps.auth.requireRole('supervisor', 'admin', 'dispatcher');
  const dir = reportsDir(deps.dataDir);

  router.get(
    '/reports',
    centre,
    route(async (_req, res) => {
      const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => REPORT_NAME.test(n)) : [];
      const items = names
        .map((name) => {
          const st = fs.statSync(path.join(dir, name));
          return { name, month: REPORT_NAME.exec(name)![1], format: REPORT_NAME.exec(name)![2], bytes: st.size, generatedAt: st.mtime.toISOString() };
        })
        .sort((a, b) => b.month.localeCompare(a.month) || a.format.localeCompare(b.format));
      res.json({ items });
    }),
  );

  router.post(
    '/reports',
    centre,
    route(async (req, res) => {
      const body = parse(ReportBody, req.body);
      const job = await deps.queues.get(QUEUE.reports).add('on-demand', { month: body.month }, { jobId: `report-${body.month}-${Date.now()}`, attempts: 3 });
      await audit(deps.store, req, { action: 'report.generate', outcome: 'ok', detail: body.month });
      res.status(202).json({ jobId: job.id, month: body.month });
    }),
  );

  router.get(
    '/reports/:name',
    centre,
    route(async (req, res) => {
      // Only names the reports are written under: no path, no traversal.
      const name = String(req.params.name);
      const m = REPORT_NAME.exec(name);
      const file = m && path.join(dir, name);
      if (!m || !file || !fs.existsSync(file)) throw new ApiError(404, 'not-found', '没有这份报表，请先生成。');
      await audit(deps.store, req, { action: 'report.download', outcome: 'ok', detail: name });
      res.setHeader('Content-Disposition', `attachment; filename="report-${name}"; filename*=UTF-8''${encodeURIComponent(`12345月报-${name}`)}`);
      res.type(m[2] === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').sendFile(file);
    }),
  );

  for (const format of ['xlsx', 'csv'] as const) {
    router.get(
      `/issue-ledger.${format}`,
      centre,
      route(async (req, res) => {
        const q = parse(IssueLedgerQuery, req.query);
        const fromMs = q.from ? Date.parse(`${q.from}T00:00:00+08:00`) : 0;
        const toMs = q.to ? Date.parse(`${q.to}T00:00:00+08:00`) + 86_400_000 : Infinity;
        if (fromMs >= toMs) throw new ApiError(400, 'invalid-input', '开始日期不能晚于结束日期。');
        const match = (t: Ticket) => {
          const r = Date.parse(t.receivedAt);
          if (r < fromMs || r >= toMs) return false;
          if (q.type && t.type !== q.type) return false;
          if (q.enterprise !== undefined && t.enterprise !== q.enterprise) return false;
          if (q.state === 'open' && (t.state === 'closed' || t.state === 'merged')) return false;
          if (q.state === 'closed' && t.state !== 'closed' && t.state !== 'merged') return false;
          if (q.department && (leadAssignment(withAssignments(t))?.department ?? DISPATCH_CENTRE) !== q.department) return false;
          return true;
        };
        const stamp = toShanghaiIso(new Date()).slice(0, 10).replace(/-/g, '');
        res.setHeader('Content-Disposition', `attachment; filename="issue-ledger-${stamp}.${format}"; filename*=UTF-8''${encodeURIComponent(`问题台账-${stamp}.${format}`)}`);
        await audit(deps.store, req, { action: 'issue-ledger.export', outcome: 'ok', detail: `${format} ${JSON.stringify(q)}` });
        const header = ['工单号', '受理时间', '类型', '紧急', '企业诉求', '承办单位', '状态', '地点', '诉求摘要', '办理经过', '答复', '评价', '办结时间'];
        const rowOf = (stored: Ticket) => {
          const t = withAssignments(stored);
          const lead = leadAssignment(t);
          const summary = redactText(t.description).replace(/\s+/g, ' ');
          const steps = t.history.filter((e) => !['citizen-notified', 'warning'].includes(e.action)).map((e) => `${toShanghaiIso(new Date(e.at)).slice(5, 16).replace('T', ' ')} ${ACTION_NAMES[e.action] ?? e.action}`);
          const reply = [...(t.replies ?? [])].reverse().find((r) => r.toCitizen);
          const rating = t.ratings?.[t.ratings.length - 1];
          return [
            t.id,
            toShanghaiIso(new Date(t.receivedAt)).slice(0, 16).replace('T', ' '),
            t.type,
            t.urgent ? '是' : '',
            t.enterprise ? (t.enterpriseInfo ? `${t.enterpriseInfo.name}·${t.enterpriseInfo.category}` : '是') : '',
            deps.catalogue.nameOf(lead?.department ?? t.routing?.department ?? DISPATCH_CENTRE),
            STATE_NAMES[t.state],
            redactText(t.location),
            summary.length > 200 ? summary.slice(0, 200) + '…' : summary,
            steps.join('；'),
            reply ? redactText(reply.text) : '',
            rating ? `${rating.satisfaction}${rating.solved ? '·已解决' : '·未解决'}` : '',
            t.closedAt ? toShanghaiIso(new Date(t.closedAt)).slice(0, 16).replace('T', ' ') : '',
          ];
        };
        const pages = async function* () {
          for (let after: { receivedAt: string; id: string } | undefined; ; ) {
            const page = await deps.store.listTickets({ after, limit: 2000 });
            yield page.filter(match);
            if (page.length < 2000) return;
            after = { receivedAt: page[page.length - 1].receivedAt, id: page[page.length - 1].id };
          }
        };
        if (format === 'csv') {
          const cell = (v: unknown) => {
            let s = String(v ?? '');
            if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
            return '"' + s.replace(/"/g, '""') + '"';
          };
          res.type('text/csv; charset=utf-8');
          res.write('\ufeff' + header.map(cell).join(',') + '\r\n');
          for await (const page of pages()) if (page.length) res.write(page.map((t) => rowOf(t).map(cell).join(',')).join('\r\n') + '\r\n');
          res.end();
          return;
        }
        res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
        const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: res, useStyles: true });
        const ws = wb.addWorksheet('问题台账', { views: [{ state: 'frozen', ySplit: 1 }] });
        ws.columns = header.map((h, i) => ({ header: h, width: [14, 18, 8, 6, 20, 24, 12, 20, 50, 60, 50, 14, 18][i] }));
        ws.getRow(1).font = { bold: true };
        ws.getRow(1).commit();
        for await (const page of pages()) for (const t of page) ws.addRow(rowOf(t)).commit();
        ws.commit();
        await wb.commit();
      }),
    );
  }
}
