import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Catalogue } from '../../data/catalogue';
import type { ScoreWeights } from '../../data/measures/measures';
import type { TicketStore } from '../../data/store/types';
import type { Logger } from '../../bot/logger';
import { QUEUE } from '../queues';
import { generateMonthlyReport, previousMonth } from './monthly-report';

export interface ReportJob {
  /** YYYY-MM, or absent for the month before the job runs (the scheduled run on the 1st). */
  month?: string;
}

/** Runs monthly reports: on demand from the console, and scheduled on the 1st of each month (cron, Asia/Shanghai). */
export async function startReportWorker(deps: {
  connection: ConnectionOptions;
  prefix: string;
  store: TicketStore;
  catalogue: Catalogue;
  dataDir: string;
  /** Cron pattern of the automatic report; null: none. */
  cron: string | null;
  weights: () => Promise<ScoreWeights | undefined>;
  log: Logger;
}): Promise<{ worker: Worker<ReportJob>; close(): Promise<void> }> {
  const queue = new Queue<ReportJob>(QUEUE.reports, { connection: deps.connection, prefix: deps.prefix });
  if (deps.cron) await queue.upsertJobScheduler('monthly-report', { pattern: deps.cron, tz: 'Asia/Shanghai' }, { name: 'monthly', data: {}, opts: { attempts: 5, backoff: { type: 'exponential', delay: 60_000 } } });
  else await queue.removeJobScheduler('monthly-report');
  const worker = new Worker<ReportJob>(
    QUEUE.reports,
    async (job) => {
      const month = job.data.month ?? previousMonth(new Date());
      const r = await generateMonthlyReport(deps.store, deps.catalogue, deps.dataDir, month, new Date(), await deps.weights());
      deps.log.info({ month, overdue: r.overdue }, 'monthly report written');
      return { month };
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1, lockDuration: 120_000 },
  );
  worker.on('failed', (job, err) => deps.log.error({ jobId: job?.id, err }, 'monthly report failed'));
  return { worker, close: async () => void (await Promise.all([worker.close(), queue.close()])) };
}
