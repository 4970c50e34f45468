import * as crypto from 'node:crypto';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Catalogue } from '../../data/catalogue';
import type { TicketStore } from '../../data/store/types';
import type { Ticket } from '../../data/tickets/ticket';
import { isMobile, normalizeMobile } from '../../data/validation/identifiers';
import type { Logger } from '../logger';
import type { Open311Clients } from './clients';
import { render, renderErrors, requestView, serviceByCode, servicesView } from './georeport';
import type { IntakeDraft, Receipt } from '../../workers/intake/submit-ticket';
import type { TicketType } from '../../data/tickets/ticket';

export const OPEN311_BASE = '/open311/v2';
export const OPEN311_CHANNEL = 'open311';

export interface Open311Deps {
  store: TicketStore;
  catalogue: Catalogue;
  clients: Open311Clients;
  /** The classifier's proposal for the text: the department is decided later by intake routing, as for the chat. */
  propose(text: string): { type: TicketType; urgent: boolean };
  submit(draft: IntakeDraft): Promise<Receipt>;
  log: Logger;
}

type Format = 'json' | 'xml';

/** A refusal in GeoReport's error format. */
class Open311Error extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const optional = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : undefined));
const coordinate = (min: number, max: number, what: string) =>
  z
    .union([z.string(), z.number()])
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${what}不正确。` });
        return z.NEVER;
      }
      return n;
    });

/** POST requests: the GeoReport fields we use (others, such as attribute[…] or device_id, are accepted and ignored). */
const PostRequest = z.object({
  api_key: optional(200),
  service_code: optional(64),
  description: optional(4000),
  address_string: optional(200),
  lat: coordinate(-90, 90, '纬度 lat'),
  long: coordinate(-180, 180, '经度 long'),
  phone: optional(32),
  email: optional(254),
  first_name: optional(32),
  last_name: optional(32),
  /** Extension: a client's own id for this request; the same POST retried with the same token files one ticket. */
  client_token: optional(100),
});

const ListQuery = z.object({
  service_request_id: optional(2000),
  service_code: optional(64),
  start_date: optional(40),
  end_date: optional(40),
  status: optional(20),
  api_key: optional(200),
  jurisdiction_id: optional(100),
});

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function send(res: Response, _format: Format, status: number, doc: { type: string; body: string }) {
  res.status(status).type(doc.type).send(doc.body);
}

/** The GeoReport v2 endpoints: services, filing a request (api_key), one request, and a list of requests. */
export function open311Routes(deps: Open311Deps): Router {
  const router = express.Router();
  const route = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => void fn(req, res).catch(next);
  const parse = <T extends z.ZodType>(schema: T, input: unknown): z.infer<T> => {
    if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input))) throw new Open311Error(400, '请求格式不正确。');
    // An operator or a path as a parameter name ("service_code[$ne]", "a.b") is refused, not ignored.
    for (const k of Object.keys(input ?? {})) if (/[$.[\]]/.test(k)) throw new Open311Error(400, `参数名 ${k.slice(0, 40)} 不正确。`);
    for (const v of Object.values(input ?? {})) if (v !== undefined && typeof v !== 'string' && typeof v !== 'number') throw new Open311Error(400, '参数只能是文字或数字。');
    const r = schema.safeParse(input ?? {});
    if (!r.success) throw new Open311Error(400, r.error.issues[0].message && /[\u4e00-\u9fff]/.test(r.error.issues[0].message) ? r.error.issues[0].message : `参数 ${r.error.issues[0].path.join('.')} 不正确。`);
    return r.data;
  };

  for (const format of ['json', 'xml'] as const) {
    const base = OPEN311_BASE;
    router.get(`${base}/services.${format}`, (_req, res) => send(res, format, 200, render(format, 'services', 'service', servicesView())));

    router.get(`${base}/services/:code.${format}`, (req, res) => {
      const s = serviceByCode(String(req.params.code));
      if (!s) return send(res, format, 404, renderErrors(format, 404, '没有这个服务代码 service_code。'));
      // No service has metadata: the definition has no attributes.
      send(res, format, 200, format === 'json' ? { type: 'application/json; charset=utf-8', body: JSON.stringify({ service_code: s.code, attributes: [] }) } : render(format, 'service_definition', 'service_code', [{ '#text': s.code }]));
    });

    router.post(
      `${base}/requests.${format}`,
      express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 }),
      express.json({ limit: '64kb' }),
      route(async (req, res) => {
        const body = parse(PostRequest, req.body);
        if (!body.api_key) throw new Open311Error(400, '缺少 api_key。');
        const client = await deps.clients.verify(body.api_key);
        if (!client) throw new Open311Error(403, 'api_key 无效或已停用。');
        if (!body.service_code) throw new Open311Error(400, '缺少服务代码 service_code。');
        const service = serviceByCode(body.service_code);
        if (!service) throw new Open311Error(404, '没有这个服务代码 service_code。');
        if (!body.description) throw new Open311Error(400, '请填写问题描述 description。');
        if ([body.description, body.address_string, body.first_name, body.last_name].some((v) => v && CONTROL.test(v))) throw new Open311Error(400, '内容含有无法识别的字符。');
        if ((body.lat === undefined) !== (body.long === undefined)) throw new Open311Error(400, '经纬度 lat 和 long 须同时提供。');
        let phone: string | undefined;
        if (body.phone) {
          if (!isMobile(body.phone)) throw new Open311Error(400, '手机号码格式不正确，请填写11位中国大陆手机号。');
          phone = normalizeMobile(body.phone);
        }
        if (body.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email)) throw new Open311Error(400, '电子邮箱格式不正确。');
        const name = [body.last_name, body.first_name].filter(Boolean).join('');
        const location = body.address_string ?? (body.lat !== undefined ? `${body.lat},${body.long}` : '（未提供地点）');
        const proposal = deps.propose(`${body.description}\n${location}`);
        const receipt = await deps.submit({
          intakeKey: body.client_token ? `open311:${client.id}:${body.client_token}` : `open311:${crypto.randomUUID()}`,
          description: body.description,
          location,
          phone,
          type: service.type,
          proposedType: proposal.type,
          urgent: proposal.urgent,
          enterprise: false,
          channel: { channelId: OPEN311_CHANNEL, reference: { client: client.id, clientName: client.name } },
          contact: { ...(name ? { name } : {}), ...(body.email ? { email: body.email } : {}) },
          ...(body.lat !== undefined && body.long !== undefined ? { geo: { lat: body.lat, long: body.long } } : {}),
        });
        const view = requestView(receipt.ticket, deps.catalogue, true);
        send(res, format, 201, render(format, 'service_requests', 'request', [{ service_request_id: receipt.ticket.id, service_notice: view.service_notice, account_id: null }]));
      }),
    );

    router.get(
      `${base}/requests/:id.${format}`,
      route(async (req, res) => {
        const id = String(req.params.id);
        const ticket = /^\d{10,12}$/.test(id) ? await deps.store.getTicket(id) : null;
        // Only requests filed through Open311 are public here; a chat ticket's number answers like a missing one.
        if (!ticket || ticket.channel.channelId !== OPEN311_CHANNEL) throw new Open311Error(404, '没有这个服务请求 service_request_id。');
        const client = await deps.clients.verify(typeof req.query.api_key === 'string' ? req.query.api_key : undefined);
        send(res, format, 200, render(format, 'service_requests', 'request', [requestView(ticket, deps.catalogue, own(ticket, client?.id))]));
      }),
    );

    router.get(
      `${base}/requests.${format}`,
      route(async (req, res) => {
        const q = parse(ListQuery, req.query);
        const client = await deps.clients.verify(q.api_key);
        const ids = q.service_request_id ? q.service_request_id.split(',').map((x) => x.trim()).filter(Boolean) : null;
        if (ids && (ids.length > 100 || ids.some((x) => !/^\d{10,12}$/.test(x)))) throw new Open311Error(400, 'service_request_id 格式不正确（逗号分隔的工单号，最多 100 个）。');
        const dates = [q.start_date, q.end_date].map((d) => (d ? Date.parse(d) : undefined));
        if (dates.some((d) => d !== undefined && Number.isNaN(d))) throw new Open311Error(400, 'start_date / end_date 须为 W3C 日期时间，如 2026-12-01T00:00:00+08:00。');
        const statuses = q.status ? q.status.split(',').map((x) => x.trim()) : null;
        if (statuses && statuses.some((x) => x !== 'open' && x !== 'closed')) throw new Open311Error(400, 'status 只能是 open 或 closed。');
        const service = q.service_code ? serviceByCode(q.service_code) : undefined;
        if (q.service_code && !service) throw new Open311Error(404, '没有这个服务代码 service_code。');
        let tickets: Ticket[];
        if (ids) {
          tickets = (await Promise.all(ids.map((id) => deps.store.getTicket(id)))).filter((t): t is Ticket => t !== null);
        } else {
          // By default the last 90 days, newest first, at most 1,000 (GeoReport's defaults).
          const end = dates[1] ?? Date.now();
          const start = dates[0] ?? end - 90 * 86_400_000;
          tickets = (await deps.store.listTickets({ receivedBefore: new Date(end).toISOString(), limit: 50_000 })).filter((t) => Date.parse(t.receivedAt) >= start);
        }
        const items = tickets
          .filter((t) => t.channel.channelId === OPEN311_CHANNEL)
          .filter((t) => !service || t.type === service.type)
          .map((t) => requestView(t, deps.catalogue, own(t, client?.id)))
          .filter((v) => !statuses || statuses.includes(String(v.status)))
          .sort((a, b) => String(b.requested_datetime).localeCompare(String(a.requested_datetime)))
          .slice(0, 1000);
        send(res, format, 200, render(format, 'service_requests', 'request', items));
      }),
    );
  }
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const format: Format = req.path.endsWith('.xml') ? 'xml' : 'json';
    let status = 500;
    let message = '服务暂时不可用，请稍后再试。';
    if (err instanceof Open311Error) [status, message] = [err.status, err.message];
    else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) [status, message] = [err.status, err.status === 413 ? '请求内容过大。' : '请求格式不正确。'];
    if (status === 500) deps.log.error({ err }, 'open311 request failed');
    if (res.headersSent) return;
    send(res, format, status, renderErrors(format, status, message));
  };
  router.use(OPEN311_BASE, onError);
  // An unknown path under the API answers in the API's error format, not with the chat page.
  router.use(OPEN311_BASE, (req, res) => send(res, req.path.endsWith('.xml') ? 'xml' : 'json', 404, renderErrors(req.path.endsWith('.xml') ? 'xml' : 'json', 404, '没有这个接口。')));
  return router;
}

function own(ticket: Ticket, clientId: string | undefined): boolean {
  return clientId !== undefined && (ticket.channel.reference as { client?: string }).client === clientId;
}
