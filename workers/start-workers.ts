import type { Worker } from 'bullmq';
import type { Services } from '../bot/services';
import { startRetrainWorker, type RetrainWorker } from './classifier/retrain-worker';
import { reconcileIntake, startIntakeWorker } from './intake/intake-worker';
import { QUEUE } from './queues';
import { RedisTicketFeed } from './tickets/feed';
import { startRatingWorker } from './tickets/rating-follow-up';
import { sweepUnitQueues } from './tickets/queue-sweep';
import { TicketTimers } from './timers/timers';
import { startReportWorker } from './reports/report-worker';
import { WEIGHTS_SETTING, type ScoreWeights } from '../data/measures/measures';

export interface RunningWorkers {
  intake: Worker;
  timers: TicketTimers;
  timerWorker: Worker;
  retrain: RetrainWorker;
  close(): Promise<void>;
}

/** Starts the intake worker and its reconciler, the tickets' timers and their reconciler, and the classifier's retraining worker and schedule. */
export async function startWorkers(s: Services): Promise<RunningWorkers> {
  const timers = new TicketTimers({ store: s.store, queues: s.queues, calendar: s.calendar, limits: s.limits, catalogue: s.catalogue, onFired: (level) => s.metrics.escalations.inc({ level }) });
  const timerWorker = timers.worker(s.redis, s.config.queuePrefix);
  timerWorker.on('failed', (job, err) => s.log.error({ jobId: job?.id, err }, 'timer job failed'));
  timerWorker.on('error', (err) => s.log.error({ err }, 'timer worker error'));
  const reconcileTimers = () =>
    timers
      .reconcile()
      .then((r) => r.overdue && s.log.info(r, 'timer reconciliation restored overdue timers'))
      .catch((err) => s.log.warn({ err }, 'timer reconciliation failed'));
  const intake = startIntakeWorker({
    timers,
    feed: new RedisTicketFeed(s.redis, s.config.queuePrefix),
    store: s.store,
    queues: s.queues,
    classifier: s.classifier,
    catalogue: s.catalogue,
    threshold: s.config.classifierThreshold,
    observe: (queue, seconds) => s.metrics.intakeSeconds.observe({ queue }, seconds),
    connection: s.redis,
    prefix: s.config.queuePrefix,
    log: s.log,
  });
  const reconcile = () =>
    reconcileIntake(s.store, s.queues, s.config.reconcile.afterMs)
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
  const ratingWorker = startRatingWorker({
    store: s.store,
    queues: s.queues,
    catalogue: s.catalogue,
    limits: s.limits,
    calendar: s.calendar,
    timers,
    feed: new RedisTicketFeed(s.redis, s.config.queuePrefix),
    ratingQueue: s.queues.get(QUEUE.rating),
    connection: s.redis,
    prefix: s.config.queuePrefix,
  });
  ratingWorker.on('failed', (job, err) => s.log.warn({ jobId: job?.id, err }, 'rating follow-up failed'));
  const reports = await startReportWorker({
    connection: s.redis,
    prefix: s.config.queuePrefix,
    store: s.store,
    catalogue: s.catalogue,
    dataDir: s.config.dataDir,
    cron: s.config.reportCron,
    weights: async () => (await s.store.getSetting<ScoreWeights>(WEIGHTS_SETTING))?.value,
    log: s.log,
  });
  // Units' queues keep the jobs of the tickets the units have now (see queue-sweep.ts).
  const sweep = () =>
    sweepUnitQueues({ store: s.store, queues: s.queues, catalogue: s.catalogue })
      .then((r) => r.removed && s.log.info(r, 'units\' queues swept of finished tickets'))
      .catch((err) => s.log.warn({ err }, 'queue sweep failed'));
  void reconcile();
  void reconcileTimers().then(sweep);
  const timer = setInterval(reconcile, s.config.reconcile.intervalMs);
  timer.unref();
  const timerCheck = setInterval(() => void reconcileTimers().then(sweep), s.config.reconcile.timersMs);
  timerCheck.unref();
  // Redis came back after being away (restarted, failed over, emptied): what it may have lost is put back now.
  let lost = false;
  const onClose = () => void (lost = true);
  const onReady = () => {
    if (!lost) return;
    lost = false;
    s.log.warn('redis is back: reconciling intake and timers');
    void reconcile();
    void reconcileTimers();
  };
  s.redis.on('close', onClose);
  s.redis.on('ready', onReady);
  return {
    intake,
    timers,
    timerWorker,
    retrain,
    async close() {
      clearInterval(timer);
      clearInterval(timerCheck);
      s.redis.off('close', onClose);
      s.redis.off('ready', onReady);
      await ratingWorker.close();
      await reports.close();
      await timerWorker.close();
      await intake.close();
      await retrain.close();
    },
  };
}
