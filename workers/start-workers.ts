import type { Worker } from 'bullmq';
import type { Services } from '../bot/services';
import { startRetrainWorker, type RetrainWorker } from './classifier/retrain-worker';
import { reconcileIntake, startIntakeWorker } from './intake/intake-worker';

export interface RunningWorkers {
  intake: Worker;
  retrain: RetrainWorker;
  close(): Promise<void>;
}

/** How often tickets stuck in 'received' (their enqueue failed, or Redis lost the job) are put back in the intake queue. */
const RECONCILE_EVERY_MS = 60_000;

/** Starts the intake worker and its reconciler, and the classifier's retraining worker and schedule. */
export async function startWorkers(s: Services): Promise<RunningWorkers> {
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
  const retrain = await startRetrainWorker({
    connection: s.redis,
    prefix: s.config.queuePrefix,
    dataDir: s.config.dataDir,
    cron: s.config.classifierRetrainCron,
    publisher: s.redis,
    holder: s.classifier,
    log: s.log,
  });
  void reconcile();
  const timer = setInterval(reconcile, RECONCILE_EVERY_MS);
  timer.unref();
  return {
    intake,
    retrain,
    async close() {
      clearInterval(timer);
      await intake.close();
      await retrain.close();
    },
  };
}
