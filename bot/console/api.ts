import * as crypto from 'node:crypto';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response, type Router } from 'express';
import type IORedis from 'ioredis';
import { z } from 'zod';
import { publicAccount, type Account } from '../../data/accounts/account';
import { hashPassword, passwordProblem, verifyPassword } from '../../data/accounts/passwords';
import { parseTimeLimits, type TimeLimits } from '../../data/calendar/deadlines';
import { DISPATCH_CENTRE } from '../../data/catalogue';
import { SettingConflictError } from '../../data/store/types';
import { dueOf } from '../../data/tickets/due';
import { activeAssignments, withAssignments, type Command } from '../../data/tickets/lifecycle';
import { OPEN_STATES, type Actor, type Ticket } from '../../data/tickets/ticket';
import { performAction, type ActionDeps } from '../../workers/tickets/actions';
import type { TicketFeed } from '../../workers/tickets/feed';
import type { Logger } from '../logger';
import { announceSettings, SETTING, type CatalogueSetting } from '../settings';
import { ApiError, forbidden, ticketNotFound, toApiError } from './api-error';
import { audit, type Auth } from './auth';
import type { LiveHub } from './live';
import { knowledgeRoutes } from './knowledge-api';
import { open311ClientRoutes } from './open311-api';
import { ledgerRoutes } from './ledger-api';
import { measuresRoutes } from './measures-api';
import { reportsRoutes } from './reports-api';
import type { Open311Clients } from '../open311/clients';
import type { KnowledgeHolder } from '../../workers/knowledge/holder';
import { ActionBodies, AuditQuery, CatalogueUnitBody, ChangePasswordBody, CreateAccountBody, DepartmentCode, TicketId, TicketListQuery, TimeLimitsBody, UpdateAccountBody, type ActionName } from './schemas';
import { parse } from './validate';
import { byDue, detailView, identityHidden, isEscalated, maySee, summaryView, type ViewDeps, type Viewer } from './views';

/** What the ticket actions need (as performAction takes them), and the console's own parts. */
export interface ConsoleApiDeps extends Pick<ActionDeps, 'store' | 'queues' | 'catalogue' | 'limits' | 'calendar' | 'timers' | 'now'> {
  feed: TicketFeed;
  live: LiveHub;
  auth: Auth;
  log: Logger;
  /** Where settings changes are announced to the other processes. */
  redis: IORedis;
  prefix: string;
  knowledge: KnowledgeHolder;
  open311Clients: Open311Clients;
  /** Where the monthly reports are kept (DATA_DIR/reports). */
  dataDir: string;
}

type Handler = (req: Request, res: Response) => Promise<unknown>;

/** Wraps an async route so its refusals and failures reach the error handler. */
const route =
  (fn: Handler) =>
  (req: Request, res: Response, next: NextFunction): void =>
    void fn(req, res).catch(next);

/** Every refusal and failure as {code, message} with its status; 500s are logged, never explained to the caller. */
function apiErrors(log: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const known = toApiError(err);
    let status = known?.status ?? 500;
    let body = known ? { code: known.code, message: known.message } : { code: 'internal', message: '服务暂时不可用，请稍后再试。' };
    if (!known && typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      status = err.status;
      body =
        err.code === 'csrf'
          ? { code: 'csrf', message: '页面已过期或请求来源不可信，请刷新页面后重试。' }
          : status === 413
            ? { code: 'too-large', message: '内容过大，请精简后再提交。' }
            : { code: 'invalid-input', message: '请求格式不正确。' };
    }
    if (status === 500) log.error({ err }, 'console api failed');
    if (res.headersSent) return;
    res.status(status).json(body);
  };
}

/** The console's HTTP API: tickets (queues, detail, actions), the live stream, accounts, audit log, catalogue, settings. */
export function consoleApi(deps: ConsoleApiDeps): Router {
  const { store, catalogue, auth } = deps;
  const now = () => (deps.now ?? (() => new Date()))();
  const router = express.Router();
  router.use(express.json({ limit: '64kb' }));
  router.use(auth.sessions, auth.loadAccount);
  router.use(auth.router);
  router.use(auth.requireAccount);
  router.use(auth.csrf.csrfSynchronisedProtection);
  // Before the ticket actions' /tickets/:id/:action, which would take /tickets/:id/knowledge for an unknown action.
  knowledgeRoutes(router, { store, catalogue, knowledge: deps.knowledge, auth, redis: deps.redis, prefix: deps.prefix });
  open311ClientRoutes(router, { store, clients: deps.open311Clients, auth });
  ledgerRoutes(router, { store, catalogue });
  measuresRoutes(router, { store, catalogue, auth, redis: deps.redis, prefix: deps.prefix, now: deps.now });
  reportsRoutes(router, { store, catalogue, queues: deps.queues, auth, dataDir: deps.dataDir });

  const nameCache = { at: 0, names: new Map<string, string>() };
  const viewDeps = async (): Promise<ViewDeps> => {
    if (Date.now() - nameCache.at > 30_000) {
      nameCache.names = new Map((await store.listAccounts()).map((a) => [a.username, a.displayName]));
      nameCache.at = Date.now();
    }
    return { catalogue, calendar: deps.calendar, limits: deps.limits, names: (u) => nameCache.names.get(u), now: now() };
  };
  const viewer = (req: Request): Viewer => ({ account: req.account! });
  const actorOf = (a: Account): Actor => ({ id: a.username, role: a.role, ...(a.department ? { department: a.department } : {}) });

  /** The ticket, if this person may see it; another unit's ticket is "not found" (no probing which numbers exist). */
  async function visibleTicket(req: Request): Promise<Ticket> {
    const id = parse(TicketId, req.params.id);
    const ticket = await store.getTicket(id);
    if (!ticket || !maySee(viewer(req), ticket)) {
      if (ticket) await audit(store, req, { action: 'ticket.view', ticketId: id, outcome: 'refused', detail: 'other unit' });
      throw ticketNotFound();
    }
    return ticket;
  }

  // ---- session extras ----

  router.post(
    '/session/password',
    route(async (req, res) => {
      const body = parse(ChangePasswordBody, req.body);
      const account = req.account!;
      if (!(await verifyPassword(body.currentPassword, account.passwordHash))) throw new ApiError(400, 'bad-credentials', '当前密码不正确。');
      const problem = passwordProblem(body.newPassword);
      if (problem) throw new ApiError(400, 'weak-password', problem);
      await store.updateAccount(account.id, { passwordHash: await hashPassword(body.newPassword), mustChangePassword: undefined, updatedAt: new Date().toISOString() });
      await audit(store, req, { action: 'account.change-password', targetAccountId: account.id, outcome: 'ok' });
      res.status(204).end();
    }),
  );

  // ---- tickets ----

  router.get(
    '/tickets',
    route(async (req, res) => {
      const q = parse(TicketListQuery, req.query);
      const a = req.account!;
      if (q.department && a.role === 'agent' && q.department !== a.department) throw ticketNotFound();
      let tickets: Ticket[];
      if (a.role === 'liaison') {
        const states = q.view === 'done' ? (['closed', 'merged'] as const) : q.view === 'queue' ? OPEN_STATES : undefined;
        tickets = (await store.listTickets({ state: states ? [...states] : undefined, limit: 20_000 })).filter((t) => maySee(viewer(req), t));
      } else if (a.role === 'agent') {
        const states = q.view === 'done' ? (['replied', 'follow-up', 'closed'] as const) : q.view === 'all' ? undefined : OPEN_STATES.filter((s) => s !== 'returned');
        tickets = await store.listTickets({ department: a.department!, state: states ? [...states] : undefined, limit: 5000 });
        if (q.view === 'overdue' || q.view === 'extensions') throw forbidden();
      } else if (q.view === 'queue' && a.role === 'dispatcher') {
        const centre = await store.listTickets({ queue: DISPATCH_CENTRE, state: ['received', 'dispatched', 'returned'], limit: 5000 });
        const open = await store.listTickets({ state: [...OPEN_STATES], limit: 20_000 });
        const ids = new Set(centre.map((t) => t.id));
        tickets = [...centre, ...open.filter((t) => !ids.has(t.id) && t.extensions?.some((e) => e.status === 'pending'))];
      } else if (q.view === 'extensions') {
        tickets = (await store.listTickets({ state: [...OPEN_STATES], limit: 20_000 })).filter((t) => t.extensions?.some((e) => e.status === 'pending'));
      } else if (q.view === 'overdue' || (q.view === 'queue' && a.role === 'supervisor')) {
        const at = now();
        tickets = (await store.listTickets({ state: [...OPEN_STATES], department: q.department, limit: 20_000 })).filter(
          (t) => isEscalated(t) || activeAssignments(withAssignments(t)).some((x) => dueOf(t, x, at, deps.calendar, deps.limits).light === 'red'),
        );
      } else if (q.view === 'done') {
        tickets = await store.listTickets({ state: ['closed', 'merged'], department: q.department, limit: 5000 });
      } else {
        tickets = await store.listTickets({ department: q.department, state: q.view === 'queue' ? [...OPEN_STATES] : undefined, limit: 5000 });
      }
      const vd = await viewDeps();
      const v = viewer(req);
      const items = tickets.map((t) => summaryView(v, t, vd));
      if (q.view === 'done' || q.view === 'all') items.sort((x, y) => y.receivedAt.localeCompare(x.receivedAt));
      else items.sort(byDue);
      res.json({ items: items.slice(0, q.limit), total: items.length });
    }),
  );

  router.get(
    '/tickets/:id',
    route(async (req, res) => {
      const ticket = await visibleTicket(req);
      res.json(detailView(viewer(req), ticket, await viewDeps()));
    }),
  );

  router.post(
    '/tickets/:id/reveal-contact',
    route(async (req, res) => {
      const ticket = await visibleTicket(req);
      if (identityHidden(viewer(req), ticket)) {
        await audit(store, req, { action: 'ticket.reveal-contact', ticketId: ticket.id, outcome: 'refused', detail: '举报人信息保密' });
        throw forbidden('举报人身份信息依规保密，承办单位不能查看。如需联系举报人，请通过12345中心转达。');
      }
      await audit(store, req, { action: 'ticket.reveal-contact', ticketId: ticket.id, outcome: 'ok' });
      res.json({ phone: ticket.citizen.phone ?? null, anonymous: ticket.citizen.anonymous });
    }),
  );

  const commandFor = (name: ActionName, body: Record<string, unknown>, a: Account): Command => {
    const department = a.department ?? '';
    switch (name) {
      case 'acknowledge':
        return { kind: 'acknowledge', department };
      case 'start':
        return { kind: 'start', department };
      case 'reply':
        return { kind: 'reply', department, text: String(body.text) };
      case 'request-extension':
        return { kind: 'request-extension', department, until: String(body.until), reason: String(body.reason) };
      case 'return':
        return { kind: 'return', department, reason: String(body.reason), ...(body.suggested ? { suggested: String(body.suggested) } : {}) };
      case 'close':
        return { kind: 'close', ...(body.reason ? { reason: String(body.reason) } : {}) };
      case 'dispatch':
        return { kind: 'dispatch', lead: String(body.lead), supports: (body.supports as string[] | undefined) ?? [], ...(body.reason ? { reason: String(body.reason) } : {}) };
      case 'merge':
        return { kind: 'merge', into: String(body.into) };
      case 'decide-extension':
        return { kind: 'decide-extension', approve: Boolean(body.approve), ...(body.reason ? { reason: String(body.reason) } : {}) };
      case 'wait':
        return { kind: 'wait', reason: String(body.reason) };
      case 'resume':
        return { kind: 'resume' };
      case 'supervise':
        return { kind: 'supervise', note: String(body.note) };
    }
  };

  router.post(
    '/tickets/:id/:action',
    route(async (req, res) => {
      const name = req.params.action as ActionName;
      if (!Object.hasOwn(ActionBodies, name)) throw new ApiError(404, 'unknown-action', '没有这个操作。');
      const body = parse(ActionBodies[name] as z.ZodType<Record<string, unknown>>, req.body);
      const ticket = await visibleTicket(req);
      const a = req.account!;
      if (name === 'return' && body.suggested && !catalogue.has(String(body.suggested))) throw new ApiError(400, 'unknown-department', '派单目录中没有这个单位，请从目录中选择。');
      if (name === 'close' && a.role === 'agent' && !activeAssignments(withAssignments(ticket)).some((x) => x.department === a.department && x.role === 'lead')) throw forbidden('只有主办单位可以办结工单。');
      try {
        const after = await performAction(ticket.id, commandFor(name, body, a), actorOf(a), {
          store,
          queues: deps.queues,
          catalogue,
          limits: deps.limits,
          calendar: deps.calendar,
          timers: deps.timers,
          feed: deps.feed,
          notify: (ns) => store.saveNotifications(ns),
          now: deps.now,
        }, { expectedVersion: body.expectedVersion as number | undefined });
        await audit(store, req, { action: `ticket.${name}`, ticketId: ticket.id, outcome: 'ok' });
        const fresh = (await store.getTicket(after.id)) ?? after;
        res.json(maySee(viewer(req), fresh) ? detailView(viewer(req), fresh, await viewDeps()) : { id: fresh.id, state: fresh.state, version: fresh.version });
      } catch (err) {
        const apiErr = toApiError(err);
        if (apiErr && (apiErr.status === 403 || apiErr.status === 404)) await audit(store, req, { action: `ticket.${name}`, ticketId: ticket.id, outcome: 'refused', detail: apiErr.code });
        throw err;
      }
    }),
  );

  router.get(
    '/events',
    route(async (req, res) => {
      const a = req.account!;
      // Agents hear of their unit's tickets; a liaison of none (its list is small and reloads on its own), the centre of all.
      deps.live.attach(res, a.role === 'agent' ? [a.department!] : a.role === 'liaison' ? [] : null);
    }),
  );

  router.get(
    '/notifications',
    route(async (req, res) => {
      const a = req.account!;
      const limit = 50;
      const items =
        a.role === 'agent'
          ? await store.listNotifications({ audience: 'department', department: a.department, limit })
          : a.role === 'supervisor'
            ? await store.listNotifications({ audience: 'supervision', limit })
            : a.role === 'admin'
              ? await store.listNotifications({ limit })
              : [];
      res.json({ items: items.map((n) => ({ key: n.key, ticketId: n.ticketId, at: n.at, level: n.level, text: n.text, department: n.department })) });
    }),
  );

  // ---- reference data ----

  router.get(
    '/catalogue',
    route(async (_req, res) => {
      const setting = await store.getSetting(SETTING.catalogue);
      res.json({ settingVersion: setting?.version ?? 0, updatedAt: setting?.updatedAt, updatedBy: setting?.updatedBy, departments: catalogue.departments.map((d) => ({ code: d.code, name: d.name, scope: d.scope })) });
    }),
  );

  router.put(
    '/catalogue/:code',
    auth.requireRole('admin'),
    route(async (req, res) => {
      const code = parse(DepartmentCode, req.params.code);
      if (code === DISPATCH_CENTRE) throw new ApiError(400, 'reserved-code', '该代码保留给12345中心派单组，不能使用。');
      const body = parse(CatalogueUnitBody, req.body);
      const unit = { code, name: body.name, scope: [...new Set(body.scope)] };
      const exists = catalogue.has(code);
      const departments = exists ? catalogue.departments.map((d) => (d.code === code ? unit : d)) : [...catalogue.departments, unit];
      try {
        await store.putSetting<CatalogueSetting>(SETTING.catalogue, { departments }, body.expectedVersion, req.account!.username);
      } catch (err) {
        if (err instanceof SettingConflictError) throw new ApiError(409, 'conflict', '派单目录刚刚被他人修改，请刷新后再试。');
        throw err;
      }
      catalogue.replace(catalogue.version, departments);
      await announceSettings(deps.redis, deps.prefix);
      await audit(store, req, { action: exists ? 'settings.catalogue.update' : 'settings.catalogue.add', outcome: 'ok', detail: `${code} ${body.name}` });
      res.json({ code, name: unit.name, scope: unit.scope, added: !exists });
    }),
  );

  router.get(
    '/time-limits',
    auth.requireRole('admin', 'supervisor', 'dispatcher'),
    route(async (_req, res) => {
      const setting = await store.getSetting(SETTING.timeLimits);
      res.json({ settingVersion: setting?.version ?? 0, updatedAt: setting?.updatedAt, updatedBy: setting?.updatedBy, limits: deps.limits });
    }),
  );

  router.put(
    '/time-limits',
    auth.requireRole('admin'),
    route(async (req, res) => {
      const body = parse(TimeLimitsBody, req.body);
      let limits: TimeLimits;
      try {
        limits = parseTimeLimits(body.limits);
      } catch (err) {
        const issue = (err as z.ZodError).issues?.[0];
        throw new ApiError(400, 'invalid-time-limits', `办理时限设置不正确：${issue ? `“${issue.path.join('.')}” ${issue.message}` : '格式错误'}。`);
      }
      try {
        await store.putSetting(SETTING.timeLimits, limits, body.expectedVersion, req.account!.username);
      } catch (err) {
        if (err instanceof SettingConflictError) throw new ApiError(409, 'conflict', '办理时限刚刚被他人修改，请刷新后再试。');
        throw err;
      }
      Object.assign(deps.limits, limits);
      await announceSettings(deps.redis, deps.prefix);
      await audit(store, req, { action: 'settings.time-limits', outcome: 'ok' });
      res.json({ limits: deps.limits });
    }),
  );

  // ---- administration ----

  router.get(
    '/accounts',
    auth.requireRole('admin'),
    route(async (_req, res) => void res.json({ items: (await store.listAccounts()).map(publicAccount) })),
  );

  const checkEnterprises = (role: string, enterprises: string[] | undefined) => {
    if (enterprises?.length && role !== 'liaison') throw new ApiError(400, 'enterprises-not-allowed', '只有首席服务员账号可以联系企业。');
  };
  const checkDepartment = (role: string, department: string | null | undefined) => {
    if (role === 'agent' && !department) throw new ApiError(400, 'department-required', '承办人账号必须选择所属单位。');
    if (role !== 'agent' && department) throw new ApiError(400, 'department-not-allowed', '只有承办人账号属于某个单位。');
    if (department && !catalogue.has(department)) throw new ApiError(400, 'unknown-department', '派单目录中没有这个单位，请从目录中选择。');
  };

  router.post(
    '/accounts',
    auth.requireRole('admin'),
    route(async (req, res) => {
      const body = parse(CreateAccountBody, req.body);
      checkDepartment(body.role, body.department);
      checkEnterprises(body.role, body.enterprises);
      const problem = passwordProblem(body.password);
      if (problem) throw new ApiError(400, 'weak-password', problem);
      const at = new Date().toISOString();
      const account: Account = {
        id: crypto.randomUUID(),
        username: body.username,
        displayName: body.displayName,
        role: body.role,
        ...(body.department ? { department: body.department } : {}),
        ...(body.role === 'liaison' ? { enterprises: [...new Set(body.enterprises ?? [])] } : {}),
        passwordHash: await hashPassword(body.password),
        disabled: false,
        createdAt: at,
        updatedAt: at,
        mustChangePassword: true,
      };
      if (!(await store.createAccount(account))) throw new ApiError(409, 'username-taken', '该用户名已被使用，请换一个。');
      await audit(store, req, { action: 'account.create', targetAccountId: account.id, outcome: 'ok', detail: `${account.username} ${account.role}` });
      res.status(201).json(publicAccount(account));
    }),
  );

  router.patch(
    '/accounts/:id',
    auth.requireRole('admin'),
    route(async (req, res) => {
      const body = parse(UpdateAccountBody, req.body);
      const current = await store.getAccount(String(req.params.id));
      if (!current) throw new ApiError(404, 'not-found', '未找到该账号。');
      const role = body.role ?? current.role;
      const department = body.department === null ? undefined : (body.department ?? (role === 'agent' ? current.department : undefined));
      checkDepartment(role, department);
      const enterprises = role === 'liaison' ? [...new Set(body.enterprises ?? current.enterprises ?? [])] : undefined;
      checkEnterprises(role, body.enterprises);
      if (current.id === req.account!.id && (body.disabled || (body.role && body.role !== 'admin'))) throw new ApiError(400, 'self-lockout', '不能停用自己的账号或取消自己的管理员角色。');
      if (body.password) {
        const problem = passwordProblem(body.password);
        if (problem) throw new ApiError(400, 'weak-password', problem);
      }
      const updated = await store.updateAccount(current.id, {
        ...(body.displayName ? { displayName: body.displayName } : {}),
        role,
        department,
        enterprises,
        ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
        ...(body.password ? { passwordHash: await hashPassword(body.password), mustChangePassword: true } : {}),
        updatedAt: new Date().toISOString(),
      });
      await audit(store, req, { action: 'account.update', targetAccountId: current.id, outcome: 'ok', detail: Object.keys(body).join(',') });
      res.json(publicAccount(updated!));
    }),
  );

  router.get(
    '/audit',
    auth.requireRole('admin'),
    route(async (req, res) => {
      const q = parse(AuditQuery, req.query);
      res.json({ items: await store.listAudit(q) });
    }),
  );

  router.use(apiErrors(deps.log));
  return router;
}
