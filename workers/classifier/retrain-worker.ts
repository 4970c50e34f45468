import * as fs from 'node:fs';
import * as path from 'node:path';
import { Queue, QueueEvents, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type IORedis from 'ioredis';
import { projectRoot } from '../../bot/config';
import type { Logger } from '../../bot/logger';
import { QUEUE } from '../queues';
import { deployChannel, type ClassifierHolder } from './holder';
import type { RetrainResult } from './retrain';

export interface RetrainJob {
  /** Why it runs: the schedule, or someone asked (npm run retrain, the console). */
  trigger: 'scheduled' | 'on-demand';
  force?: boolean;
}

export const RETRAIN_SCHEDULER_ID = 'classifier-retrain';

/** The compiled processor file: BullMQ runs it in a child process. */
function processorFile(): string {
  const compiled = path.join(__dirname, 'retrain-processor.js');
  if (fs.existsSync(compiled)) return compiled;
  // Running from TypeScript sources (tests): use the build that `npm test` makes first.
  return path.join(projectRoot(), 'dist', 'workers', 'classifier', 'retrain-processor.js');
}

export interface RetrainWorkerDeps {
  connection: ConnectionOptions;
  prefix: string;
  dataDir: string;
  /** Cron pattern (Asia/Shanghai) of the scheduled retraining; null removes the schedule. */
  cron: string | null;
  /** Publishes deployments to the other processes. */
  publisher: IORedis;
  /** This process's classifier, replaced at once when a model is deployed. */
  holder?: ClassifierHolder;
  log: Logger;
}

export interface RetrainWorker {
  worker: Worker<RetrainJob, RetrainResult>;
  queue: Queue<RetrainJob, RetrainResult>;
  close(): Promise<void>;
}

/** Starts the retraining worker and keeps its schedule (a BullMQ job scheduler) in line with the configuration. */
export async function startRetrainWorker(deps: RetrainWorkerDeps): Promise<RetrainWorker> {
  const queue = new Queue<RetrainJob, RetrainResult>(QUEUE.classifier, { connection: deps.connection, prefix: deps.prefix });
  // One retraining at a time across every worker process of the deployment (two would race to replace the model).
  await queue.setGlobalConcurrency(1);
  if (deps.cron) {
    await queue.upsertJobScheduler(
      RETRAIN_SCHEDULER_ID,
      { pattern: deps.cron, tz: 'Asia/Shanghai' },
      { name: 'retrain', data: { trigger: 'scheduled' }, opts: { attempts: 2, backoff: { type: 'fixed', delay: 60_000 }, removeOnComplete: 100, removeOnFail: 100 } },
    );
  } else {
    await queue.removeJobScheduler(RETRAIN_SCHEDULER_ID);
  }
  const worker = new Worker<RetrainJob, RetrainResult>(QUEUE.classifier, processorFile(), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 1,
    workerForkOptions: { env: { ...process.env, DATA_DIR: deps.dataDir } },
  });
  worker.on('completed', (job: Job<RetrainJob, RetrainResult>, result: RetrainResult) => {
    deps.log.info(
      { jobId: job.id, trigger: job.data.trigger, deployed: result.deployed, reason: result.reason, candidate: result.candidate, current: result.current },
      'classifier retraining finished',
    );
    if (!result.deployed) return;
    deps.holder?.reload();
    void deps.publisher.publish(deployChannel(deps.prefix), result.candidate?.version ?? '').catch(() => undefined);
  });
  worker.on('failed', (job, err) => deps.log.error({ jobId: job?.id, err }, 'classifier retraining failed'));
  worker.on('error', (err) => deps.log.error({ err }, 'retrain worker error'));
  return {
    worker,
    queue,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}

/** Asks for a retraining now; resolves with its result when waitMs is given (a worker must be running). */
export async function requestRetrain(
  connection: ConnectionOptions,
  prefix: string,
  options: { force?: boolean; waitMs?: number } = {},
): Promise<{ jobId: string; result?: RetrainResult }> {
  const queue = new Queue<RetrainJob, RetrainResult>(QUEUE.classifier, { connection, prefix });
  const events = options.waitMs ? new QueueEvents(QUEUE.classifier, { connection, prefix }) : undefined;
  try {
    await events?.waitUntilReady();
    const job = await queue.add('retrain', { trigger: 'on-demand', force: options.force }, { jobId: `retrain-${Date.now()}`, removeOnComplete: 100, removeOnFail: 100 });
    if (!events) return { jobId: job.id! };
    const result = (await job.waitUntilFinished(events, options.waitMs)) as RetrainResult;
    return { jobId: job.id!, result };
  } finally {
    await events?.close();
    await queue.close();
  }
}
