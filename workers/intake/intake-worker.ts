import { UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from '../../bot/logger';
import type { TicketStore } from '../../data/store/types';
import { QUEUE, jobId, type TicketJob } from '../queues';
import { routeTicket, type RouteDeps } from './route-ticket';

/** The intake worker: a thin adapter from the intake queue to routeTicket. */
export function startIntakeWorker(deps: RouteDeps & { connection: ConnectionOptions; prefix: string; log: Logger; concurrency?: number }): Worker<TicketJob> {
  const worker = new Worker<TicketJob>(
    QUEUE.intake,
    async (job) => {
      const ticket = await routeTicket(job.data.ticketId, deps);
      if (!ticket) throw new UnrecoverableError(`Ticket ${job.data.ticketId} does not exist`);
      deps.log.info({ ticketId: ticket.id, queue: ticket.routing?.queue, confidence: ticket.routing?.confidence }, 'ticket routed');
    },
    // Routing takes milliseconds: a short lock lets a job whose worker died be taken up again within seconds.
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency ?? 32, lockDuration: 10_000, stalledInterval: 5_000 },
  );
  worker.on('failed', (job, err) => deps.log.error({ jobId: job?.id, err }, 'intake job failed'));
  worker.on('error', (err) => deps.log.error({ err }, 'intake worker error'));
  return worker;
}

/**
 * Puts back in the intake queue every ticket still 'received' a while after receipt: one whose enqueue failed
 * (Redis was down when the citizen confirmed), or whose job was lost with Redis. A failed job is retried.
 */
export async function reconcileIntake(store: TicketStore, queues: { intake(): import('bullmq').Queue<TicketJob> }, olderThanMs = 30_000): Promise<number> {
  const stuck = await store.listTickets({ state: ['received'], receivedBefore: new Date(Date.now() - olderThanMs).toISOString(), limit: 5000 });
  const queue = queues.intake();
  for (const t of stuck) {
    const id = jobId.intake(t.id);
    const job = await queue.getJob(id);
    if (job && (await job.isFailed())) await job.retry();
    else if (!job) await queue.add('route', { ticketId: t.id }, { jobId: id });
  }
  return stuck.length;
}
