import type { Worker } from 'bullmq';
import type { Services } from '../bot/services';
import { reconcileIntake, startIntakeWorker } from './intake/intake-worker';

export interface RunningWorkers {
  intake: Worker;
  close(): Promise<void>;
}

/** How often tickets stuck in 'received' (their enqueue failed, or Redis lost the job) are put back in the intake queue. */
const RECONCILE_EVERY_MS = 60_000;

/** Starts the intake worker and its reconciler. */
export function startWorkers(s: Services): RunningWorkers {
  const intake = startIntakeWorker({
    store: s.store,
    queues: s.queues,
    classifier: s.classifier,
    catalogue: s.catalogue,
    threshold: s.config.classifierThreshold,
    connection: s.redis,
    prefix: s.config.queuePrefix,
    log: s.log,
  });
  const reconcile = () =>
    reconcileIntake(s.store, s.queues)
      .then((n) => n && s.log.info({ requeued: n }, 'intake reconciliation put tickets back in the queue'))
      .catch((err) => s.log.warn({ err }, 'intake reconciliation failed'));
  void reconcile();
  const timer = setInterval(reconcile, RECONCILE_EVERY_MS);
  timer.unref();
  return {
    intake,
    async close() {
      clearInterval(timer);
      await intake.close();
    },
  };
}
