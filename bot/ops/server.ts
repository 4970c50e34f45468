import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { ProcessPart } from '../process';
import type { Services } from '../services';
import { opsRoutes } from './routes';

/**
 * /healthz, /readyz and /metrics of a process without a web server of its own (a separate worker process), on
 * OPS_PORT. A port already taken is logged, not fatal: the workers run on.
 */
export async function startOpsServer(s: Services): Promise<ProcessPart & { port: number | null }> {
  let accepting = true;
  if (s.config.opsPort === null) return { port: null, stopAccepting: () => void (accepting = false), close: async () => undefined };
  const app = express();
  app.disable('x-powered-by');
  app.use(opsRoutes({ redis: s.redisFast, store: s.store, accepting: () => accepting, metrics: s.metrics }));
  const server = await new Promise<Server | null>((resolve) => {
    const srv = app.listen(s.config.opsPort!, s.config.host, () => resolve(srv));
    srv.once('error', (err) => {
      s.log.warn({ err: err.message, port: s.config.opsPort }, 'ops endpoints not served: port unavailable');
      resolve(null);
    });
  });
  const port = server ? (server.address() as AddressInfo).port : null;
  if (port !== null) console.log(`12345 workers ops endpoints on http://${s.config.host}:${port} (/healthz /readyz /metrics)`);
  return {
    port,
    stopAccepting: () => void (accepting = false),
    close: () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
}
