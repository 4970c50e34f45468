import type { Server } from 'node:http';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { ConversationState } from 'botbuilder';
import type { Worker } from 'bullmq';
import { MainDialog } from '../dialogs/main-dialog';
import { createAdapters } from './adapters';
import { createWebApp } from './app';
import { ActivityDedupe } from './activity-dedupe';
import { opsRoutes } from './ops/routes';
import { connectorPath } from './directline/connector-routes';
import { Transcripts } from './directline/transcripts';
import { HotlineBot } from './hotline-bot';
import { createIntakePort } from './intake';
import { createKnowledgePort } from './knowledge';
import { Open311Clients } from './open311/clients';
import { open311Routes } from './open311/routes';
import { deliverPending, startNotifier } from './notifier';
import { createRatingPort } from './ratings';
import { createStatusPort } from './status';
import { RedisTicketFeed } from '../workers/tickets/feed';
import { TicketTimers } from '../workers/timers/timers';
import { QUEUE } from '../workers/queues';
import { scheduleRatingFollowUp } from '../workers/tickets/rating-follow-up';
import { bootstrapAccounts, type BootstrapResult } from './console/bootstrap';
import { mountConsole, type MountedConsole } from './console/mount';
import type { Services } from './services';

export interface WebServer {
  server: Server;
  /** http://host:port of the running server. */
  url: string;
  notifier: Worker;
  /** What the first start created for the console (administrator, demo accounts). */
  accounts: BootstrapResult;
  /** Readiness goes to 503 (shutting down); requests in flight are still served. */
  stopAccepting(): void;
  close(): Promise<void>;
}

/** Web Chat's prebuilt bundle, served from the installed package (its exports map hides dist/ from require.resolve). */
function webChatDir(): string {
  for (const dir of require.resolve.paths('botframework-webchat') ?? []) {
    const candidate = path.join(dir, 'botframework-webchat', 'dist');
    if (fs.existsSync(path.join(candidate, 'webchat.js'))) return candidate;
  }
  throw new Error('botframework-webchat/dist/webchat.js not found; run npm ci');
}

/** Starts the web part: bot endpoint, Direct Line, chat page, and the notifier that sends ticket news to citizens. */
export async function startWebServer(s: Services, options: { port?: number; host?: string } = {}): Promise<WebServer> {
  const accounts = await bootstrapAccounts(s.store, s.catalogue, s.config, s.log);
  const conversationState = new ConversationState(s.store.botState);
  const intake = createIntakePort({ store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar, classifier: s.classifier, secret: s.secret });
  const ratingFollowUp = (ticketId: string, reply: number) => scheduleRatingFollowUp(s.queues.get(QUEUE.rating), ticketId, reply, { calendar: s.calendar });
  const timers = new TicketTimers({ store: s.store, queues: s.queues, calendar: s.calendar, limits: s.limits, catalogue: s.catalogue });
  const ratings = createRatingPort({ store: s.store, queues: s.queues, catalogue: s.catalogue, limits: s.limits, calendar: s.calendar, timers, feed: new RedisTicketFeed(s.redisFast, s.config.queuePrefix), redis: s.redisFast, prefix: s.config.queuePrefix });
  const status = createStatusPort({ store: s.store, catalogue: s.catalogue, redis: s.redisFast, prefix: s.config.queuePrefix });
  const knowledge = createKnowledgePort({ store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar, knowledge: s.knowledge, catalogue: s.catalogue, secret: s.secret });
  const bot = new HotlineBot(conversationState, new MainDialog(intake, ratings, status, knowledge), s.log, (context) =>
    deliverPending(context, { store: s.store, catalogue: s.catalogue, redis: s.redisFast, prefix: s.config.queuePrefix, ratingFollowUp }),
  );
  const adapters = createAdapters(s.config.bot, s.log);
  const transcripts = new Transcripts(s.redisFast, s.config.queuePrefix);
  const dedupe = new ActivityDedupe(s.redisFast, s.config.queuePrefix);
  // Cleared when the process starts shutting down: /readyz answers 503 so the load balancer sends no new work.
  let accepting = true;
  const open311Clients = new Open311Clients(s.store);
  let serviceUrl = '';
  let consoleMounted: MountedConsole | undefined;
  const app = createWebApp({
    adapters,
    // After the adapter authenticated the activity: a channel's retry of one already handled runs no second turn.
    runTurn: async (context) => {
      const a = context.activity;
      const stopTimer = s.metrics.turnSeconds.startTimer({ channel: String(a.channelId) });
      const once = a.type === 'message' && a.id && a.conversation?.id ? ([a.channelId, a.conversation.id, a.id] as const) : null;
      if (once && !(await dedupe.claim(...once))) return;
      try {
        await bot.run(context);
      } catch (err) {
        if (once) await dedupe.release(...once);
        throw err;
      }
      if (once) await dedupe.done(...once);
      stopTimer();
    },
    transcripts,
    secret: s.secret,
    serviceUrl: () => serviceUrl,
    log: s.log,
    publicDir: path.join(s.config.root, 'bot', 'public'),
    webChatDir: webChatDir(),
    ops: opsRoutes({ redis: s.redisFast, store: s.store, accepting: () => accepting, metrics: s.metrics }),
    mount: (app) => {
      app.use(open311Routes({ store: s.store, catalogue: s.catalogue, clients: open311Clients, propose: intake.propose, submit: intake.submit, log: s.log }));
      consoleMounted = mountConsole(app, s, open311Clients);
    },
  });
  const host = options.host ?? s.config.host;
  const server = await new Promise<Server>((resolve, reject) => {
    const srv = app.listen(options.port ?? s.config.port, host, () => resolve(srv));
    srv.once('error', reject);
  });
  // Shutting down: each response closes its connection, so a client's keep-alive connection does not keep bringing
  // new requests to this process; the client (or the load balancer) opens the next one elsewhere.
  server.prependListener('request', (_req, res) => {
    if (!accepting) res.setHeader('Connection', 'close');
  });
  const port = (server.address() as AddressInfo).port;
  // The bot's replies to built-in Direct Line conversations come back to this process over loopback.
  serviceUrl = `http://127.0.0.1:${port}${connectorPath(s.secret)}`;
  const localPrefix = connectorPath(s.secret);
  const notifier = startNotifier({
    connection: s.redis,
    prefix: s.config.queuePrefix,
    store: s.store,
    catalogue: s.catalogue,
    adapters,
    botAppId: s.config.bot.appId,
    isLocal: (url) => url.includes(localPrefix),
    localServiceUrl: () => serviceUrl,
    log: s.log,
    redis: s.redis,
    ratingFollowUp,
  });
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    server,
    url: `http://${shownHost}:${port}`,
    notifier,
    accounts,
    stopAccepting() {
      accepting = false;
    },
    async close() {
      accepting = false;
      // No new connections from now; idle keep-alive connections end at once, busy ones after their response
      // (Connection: close); requests in flight are finished.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // The consoles' event streams end (they would hold the server open), and the notifier finishes its job.
      await consoleMounted?.close();
      await notifier.close();
      await closed;
      server.closeAllConnections?.();
    },
  };
}
