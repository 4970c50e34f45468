import * as path from 'node:path';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { Adapters } from './adapters';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './json-depth';
import { connectorRoutes } from './directline/connector-routes';
import { directLineRoutes } from './directline/directline-routes';
import type { Transcripts } from './directline/transcripts';
import type { Logger } from './logger';

export interface WebAppDeps {
  adapters: Adapters;
  runTurn: (context: TurnContext) => Promise<void>;
  transcripts: Transcripts;
  secret: string;
  serviceUrl: () => string;
  log: Logger;
  /** Folder of the chat page (bot/public). */
  publicDir: string;
  /** Folder holding Web Chat's webchat.js bundle. */
  webChatDir: string;
  /** Health, readiness and metrics endpoints. */
  ops?: express.Router;
  /** Mounts further parts (the agents' console) before the chat page and the error handler. */
  mount?: (app: Express) => void;
}

const account = z.object({ id: z.string().min(1).max(256) }).passthrough();

/** The shape an incoming Bot Framework activity must have before the adapter sees it; anything else is a 400. */
const incomingActivity = z
  .object({
    type: z.string().min(1).max(64),
    channelId: z.string().min(1).max(64),
    serviceUrl: z.string().url().max(2048),
    conversation: account,
    from: account,
    recipient: account.optional(),
    text: z.string().max(100_000).optional(),
    id: z.string().max(512).optional(),
  })
  .passthrough();

function badRequest(res: express.Response, message: string) {
  res.status(400).json({ error: { code: 'BadRequest', message } });
}

/** The express app: Bot Framework endpoint, built-in Direct Line and connector, the chat page and Web Chat's bundle. */
export function createWebApp(deps: WebAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          // Web Chat styles its components at run time.
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:', 'blob:'],
          'connect-src': ["'self'"],
          // The product may be served over plain HTTP on a local network; TLS (and HSTS) belong to the proxy in front.
          'upgrade-insecure-requests': null,
        },
      },
      strictTransportSecurity: false,
    }),
  );

  // /healthz, /readyz and /metrics (bot/ops/).
  if (deps.ops) app.use(deps.ops);

  const messages: RequestHandler = async (req, res) => {
    if (nestedDeeperThan(req.body, MAX_JSON_DEPTH)) return badRequest(res, 'Invalid activity: nested too deeply');
    const parsed = incomingActivity.safeParse(req.body);
    if (!parsed.success) return badRequest(res, 'Invalid activity: ' + parsed.error.issues.map((i) => i.path.join('.') || i.message).join(', '));
    await deps.adapters.channel.process(req, res, deps.runTurn);
  };
  app.post('/api/messages', express.json({ limit: '512kb' }), messages);

  app.use(connectorRoutes(deps.secret, deps.transcripts));
  app.use(directLineRoutes({ secret: deps.secret, transcripts: deps.transcripts, log: deps.log, serviceUrl: deps.serviceUrl, deliver: (activity) => deps.adapters.local.processActivityDirect('', activity as never, deps.runTurn) }));

  deps.mount?.(app);

  app.get('/webchat/webchat.js', (_req, res) => res.sendFile(path.join(deps.webChatDir, 'webchat.js'), { maxAge: '1d' }));
  app.use(express.static(deps.publicDir, { index: 'index.html' }));

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) deps.log.error({ err }, 'request failed');
    if (res.headersSent) return;
    const message = status === 500 ? '服务暂时不可用，请稍后再试。' : status === 413 ? '内容过大，请精简后再发送。' : '请求格式不正确。';
    res.status(status).json({ error: { code: status === 500 ? 'InternalError' : status === 413 ? 'PayloadTooLarge' : 'BadRequest', message } });
  };
  app.use(onError);
  return app;
}
