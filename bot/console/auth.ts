import * as crypto from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import session from 'express-session';
import { csrfSync } from 'csrf-sync';
import type IORedis from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { publicAccount, type Account, type AccountRole, type AuditEntry } from '../../data/accounts/account';
import { dummyHash, verifyPassword } from '../../data/accounts/passwords';
import type { TicketStore } from '../../data/store/types';
import { ApiError, forbidden, notLoggedIn } from './api-error';
import { LoginBody } from './schemas';
import { RedisSessionStore } from './session-store';
import { parse } from './validate';

declare module 'express-session' {
  interface SessionData {
    accountId?: string;
    loginAt?: number;
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The logged-in account, loaded fresh for every request (a disabled account stops working at once). */
    account?: Account;
  }
}

export interface AuthOptions {
  store: TicketStore;
  redis: IORedis;
  prefix: string;
  /** Key the session cookie is signed with. */
  secret: string;
  idleMs: number;
  maxMs: number;
  cookieSecure: boolean;
  /** Failed logins allowed per username and address before a pause (default 5 in 15 minutes). */
  failuresPerUser?: number;
  /** Failed logins allowed per address over all usernames (default 30 in an hour). */
  failuresPerIp?: number;
}

export const SESSION_COOKIE = 'hotline.sid';

/** Appends to the audit log; an audit write failing must not hide the action's own outcome, so it is logged and swallowed by callers that choose to. */
export function audit(store: TicketStore, req: Request, entry: Omit<AuditEntry, 'id' | 'at' | 'actorId' | 'actorName' | 'role' | 'ip'> & Partial<Pick<AuditEntry, 'actorName'>>): Promise<void> {
  const a = req.account;
  return store.appendAudit({
    id: crypto.randomUUID(),
    at: new Date().toISOString(),
    actorId: a?.username ?? 'anonymous',
    actorName: entry.actorName ?? a?.displayName ?? '',
    role: a?.role ?? 'anonymous',
    ip: req.ip,
    ...entry,
  });
}

/** Sessions in Redis, login with throttling, logout, CSRF protection, and guards for the routes behind login. */
export function createAuth(o: AuthOptions) {
  const sessions = session({
    name: SESSION_COOKIE,
    secret: o.secret,
    store: new RedisSessionStore(o.redis, o.prefix, o.idleMs),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'strict', secure: o.cookieSecure, maxAge: o.idleMs, path: '/' },
  });
  const csrf = csrfSync({
    getTokenFromRequest: (req) => (req.headers['x-csrf-token'] as string | undefined) ?? (req.body as { _csrf?: string } | undefined)?._csrf,
    errorConfig: { statusCode: 403, code: 'csrf', message: '页面已过期或请求来源不可信，请刷新页面后重试。' },
  });
  const perUser = new RateLimiterRedis({ storeClient: o.redis, keyPrefix: `${o.prefix}:login-fail-user`, points: o.failuresPerUser ?? 5, duration: 15 * 60, blockDuration: 15 * 60 });
  const perIp = new RateLimiterRedis({ storeClient: o.redis, keyPrefix: `${o.prefix}:login-fail-ip`, points: o.failuresPerIp ?? 30, duration: 3600, blockDuration: 3600 });

  /** Loads the account of the session; ends sessions past their absolute limit or of disabled accounts. */
  const loadAccount: RequestHandler = async (req, _res, next) => {
    try {
      const s = req.session;
      if (s?.accountId) {
        if (!s.loginAt || Date.now() - s.loginAt > o.maxMs) {
          await new Promise<void>((resolve) => s.destroy(() => resolve()));
        } else {
          const account = await o.store.getAccount(s.accountId);
          if (account && !account.disabled) req.account = account;
        }
      }
      next();
    } catch (err) {
      next(err);
    }
  };

  const requireAccount: RequestHandler = (req, _res, next) => next(req.account ? undefined : notLoggedIn());

  const requireRole =
    (...roles: AccountRole[]): RequestHandler =>
    (req, _res, next) =>
      next(!req.account ? notLoggedIn() : roles.includes(req.account.role) ? undefined : forbidden());

  const sessionOut = (req: Request) => ({
    account: publicAccount(req.account!),
    csrfToken: csrf.generateToken(req),
    expiresAt: new Date(Math.min(Date.now() + o.idleMs, (req.session.loginAt ?? Date.now()) + o.maxMs)).toISOString(),
  });

  const router = express.Router();

  router.post('/session', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const body = parse(LoginBody, req.body);
      const ip = req.ip ?? 'unknown';
      const userKey = `${body.username.toLowerCase()}|${ip}`;
      const [u, i] = await Promise.all([perUser.get(userKey), perIp.get(ip)]);
      const blocked = [u, i].find((r, idx) => r && r.consumedPoints >= (idx === 0 ? (o.failuresPerUser ?? 5) : (o.failuresPerIp ?? 30)));
      if (blocked) {
        const minutes = Math.max(1, Math.ceil(blocked.msBeforeNext / 60_000));
        res.setHeader('Retry-After', String(Math.ceil(blocked.msBeforeNext / 1000)));
        await audit(o.store, req, { action: 'login-throttled', outcome: 'refused', actorName: body.username, detail: 'too many failed logins' });
        throw new ApiError(429, 'too-many-attempts', `登录失败次数过多，请 ${minutes} 分钟后再试。`);
      }
      const account = await o.store.findAccountByUsername(body.username);
      const ok = await verifyPassword(body.password, account?.passwordHash ?? (await dummyHash()));
      if (!account || !ok) {
        await Promise.all([perUser.penalty(userKey).catch(() => undefined), perIp.penalty(ip).catch(() => undefined)]);
        await audit(o.store, req, { action: 'login-failed', outcome: 'refused', actorName: body.username });
        throw new ApiError(401, 'bad-credentials', '用户名或密码不正确。');
      }
      if (account.disabled) {
        await audit(o.store, req, { action: 'login-disabled', outcome: 'refused', actorName: body.username });
        throw new ApiError(403, 'account-disabled', '该账号已停用，请联系管理员。');
      }
      await perUser.delete(userKey).catch(() => undefined);
      // A new session id at login, so a session id planted before login is worthless (session fixation).
      await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
      req.session.accountId = account.id;
      req.session.loginAt = Date.now();
      req.account = account;
      await audit(o.store, req, { action: 'login', outcome: 'ok' });
      const out = sessionOut(req);
      await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
      res.status(201).json(out);
    } catch (err) {
      next(err);
    }
  });

  router.get('/session', requireAccount, (req, res) => void res.json(sessionOut(req)));

  router.delete('/session', requireAccount, csrf.csrfSynchronisedProtection, async (req, res, next) => {
    try {
      await audit(o.store, req, { action: 'logout', outcome: 'ok' });
      await new Promise<void>((resolve) => req.session.destroy(() => resolve()));
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      res.status(204).end();
    } catch (err) {
      next(err);
    }
  });

  return { sessions, loadAccount, requireAccount, requireRole, csrf, router, sessionOut };
}

export type Auth = ReturnType<typeof createAuth>;
