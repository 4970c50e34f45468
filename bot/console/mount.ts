import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type Express } from 'express';
import { DISPATCH_CENTRE } from '../../data/catalogue';
import { QUEUE } from '../../workers/queues';
import { RedisTicketFeed } from '../../workers/tickets/feed';
import { TicketTimers } from '../../workers/timers/timers';
import type { Services } from '../services';
import { consoleApi } from './api';
import type { Open311Clients } from '../open311/clients';
import { createAuth } from './auth';
import { LiveHub } from './live';
import { OPENAPI_PATH, openApiDocument } from './openapi';

/** chart.js's UMD bundle in node_modules (its exports map hides dist/ from require.resolve). */
function chartJsFile(): string {
  for (const dir of require.resolve.paths('chart.js') ?? []) {
    const candidate = path.join(dir, 'chart.js', 'dist', 'chart.umd.min.js');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('chart.js/dist/chart.umd.min.js not found; run npm install');
}

export interface MountedConsole {
  live: LiveHub;
  close(): Promise<void>;
}

/** Where the console lives in the product's web server. */
export const CONSOLE_PATH = '/console/';
export const QUEUE_BOARD_PATH = '/console/queues';

/**
 * Mounts the console on the web app: its API under /api/console, the OpenAPI document, the page under /console/,
 * and the BullMQ dashboard (bull-board) under /console/queues for administrators only.
 */
export function mountConsole(app: Express, s: Services, open311Clients: Open311Clients): MountedConsole {
  const c = s.config.console;
  if (c.trustProxy) app.set('trust proxy', /^\d+$/.test(c.trustProxy) ? Number(c.trustProxy) : c.trustProxy);
  const auth = createAuth({
    store: s.store,
    redis: s.redisFast,
    prefix: s.config.queuePrefix,
    // The session key is derived from the deployment's secret, so no second secret has to be managed.
    secret: crypto.createHmac('sha256', s.secret).update('console-session').digest('base64url'),
    idleMs: c.sessionIdleMs,
    maxMs: c.sessionMaxMs,
    cookieSecure: c.cookieSecure,
  });
  const live = new LiveHub(s.redis, s.config.queuePrefix);
  const timers = new TicketTimers({ store: s.store, queues: s.queues, calendar: s.calendar, limits: s.limits, catalogue: s.catalogue });
  app.get(OPENAPI_PATH, (_req, res) => void res.json(openApiDocument()));
  app.use(
    '/api/console',
    consoleApi({ store: s.store, queues: s.queues, catalogue: s.catalogue, limits: s.limits, calendar: s.calendar, timers, feed: new RedisTicketFeed(s.redisFast, s.config.queuePrefix), live, auth, log: s.log, redis: s.redisFast, prefix: s.config.queuePrefix, knowledge: s.knowledge, open311Clients, dataDir: s.config.dataDir }),
  );

  const board = new ExpressAdapter();
  board.setBasePath(QUEUE_BOARD_PATH);
  const names = [QUEUE.intake, QUEUE.notify, QUEUE.timers, QUEUE.rating, QUEUE.classifier, QUEUE.department(DISPATCH_CENTRE), ...s.catalogue.codes().map((code) => QUEUE.department(code))];
  createBullBoard({ queues: names.map((n) => new BullMQAdapter(s.queues.get(n))), serverAdapter: board, options: { uiConfig: { boardTitle: '12345 队列' } } });
  app.use(QUEUE_BOARD_PATH, auth.sessions, auth.loadAccount, (req, res, next) => {
    if (req.account?.role === 'admin') return next();
    // A page, not an API: send the person to the login page.
    res.redirect(302, CONSOLE_PATH + '#login');
  }, board.getRouter());

  // Chart.js for the measures pages, served from the installed package (no CDN).
  const chartJs = chartJsFile();
  app.get(CONSOLE_PATH + 'vendor/chart.umd.min.js', (_req, res) => res.sendFile(chartJs, { maxAge: '1d' }));
  app.use(CONSOLE_PATH, express.static(path.join(s.config.root, 'bot', 'console', 'public'), { index: 'index.html' }));
  return { live, close: () => live.close() };
}
