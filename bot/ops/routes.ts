import express, { type Router } from 'express';
import type { Metrics } from './metrics';

/** What the readiness check asks of a process's dependencies. */
export interface ReadinessDeps {
  redis: { ping(): Promise<string> };
  store: { ping(): Promise<void> };
  /** False once the process is shutting down: a load balancer stops sending it new work. */
  accepting: () => boolean;
  metrics?: Metrics;
}

async function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error('timeout')), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

/**
 * /healthz — liveness: the process answers. /readyz — readiness: Redis and the store answer within a second and the
 * process is not shutting down (503 otherwise, naming what failed). /metrics — Prometheus text format.
 */
export function opsRoutes(deps: ReadinessDeps): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    const [redis, store] = await Promise.all([
      within(deps.redis.ping(), 1000).then(() => true, () => false),
      within(deps.store.ping(), 1000).then(() => true, () => false),
    ]);
    const accepting = deps.accepting();
    const ready = redis && store && accepting;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unready', redis, store, accepting });
  });
  if (deps.metrics) {
    const registry = deps.metrics.registry;
    router.get('/metrics', async (_req, res) => {
      try {
        res.type(registry.contentType).send(await registry.metrics());
      } catch {
        res.status(503).type('text/plain').send('# metrics unavailable (Redis or the store did not answer)\n');
      }
    });
  }
  return router;
}
