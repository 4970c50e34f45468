import { UnrecoverableError, Worker, type ConnectionOptions, type Queue } from 'bullmq';
import { nextWorkingDayAt } from '../../data/calendar/deadlines';
import type { Ticket } from '../../data/tickets/ticket';
import { performAction, type ActionDeps } from './actions';
import { jobId, QUEUE } from '../queues';

/** A step of the follow-up of an answer the citizen has not rated: remind once, then close as unrated. */
export interface RatingStepJob {
  ticketId: string;
  /** The reply (答复) the rating is about: a later reply starts its own follow-up. */
  reply: number;
  step: 'remind' | 'close';
}

/** When the steps happen: the reminder the next working day at 10:00, the closing the working day after that. */
export const REMIND_AT = '10:00';

function stillAwaiting(ticket: Ticket | null, reply: number): ticket is Ticket {
  if (!ticket || (ticket.state !== 'replied' && ticket.state !== 'follow-up')) return false;
  const last = [...(ticket.replies ?? [])].reverse().find((r) => r.toCitizen);
  return last?.seq === reply;
}

/** Schedules the reminder for an answer just delivered to the citizen (idempotent: the job id names the reply). */
export async function scheduleRatingFollowUp(queue: Queue<RatingStepJob>, ticketId: string, reply: number, deps: Pick<ActionDeps, 'calendar'>, now = new Date()): Promise<void> {
  const at = nextWorkingDayAt(now, deps.calendar, REMIND_AT);
  await queue.add('remind', { ticketId, reply, step: 'remind' }, { jobId: jobId.rating(ticketId, reply, 'remind'), delay: Math.max(0, at.getTime() - now.getTime()) });
}

/**
 * Runs a step. remind: if the answer is still unrated, the citizen is asked once more in the same conversation
 * (a notify job, sent at most once) and the closing is scheduled; close: if still unrated, the ticket closes as
 * unrated (办结, 未评价). A rating, a reopen or a new reply in between makes the step do nothing.
 */
export async function runRatingStep(job: RatingStepJob, deps: ActionDeps & { ratingQueue: Queue<RatingStepJob> }): Promise<'reminded' | 'closed' | 'nothing'> {
  const ticket = await deps.store.getTicket(job.ticketId);
  if (!ticket && job.step === 'remind') throw new UnrecoverableError(`Ticket ${job.ticketId} does not exist`);
  if (!stillAwaiting(ticket, job.reply)) return 'nothing';
  const now = (deps.now ?? (() => new Date()))();
  if (job.step === 'remind') {
    const key = `rating-reminder-${job.reply}`;
    await deps.queues.notify().add('rating-reminder', { ticketId: ticket.id, event: 'rating-reminder', key }, { jobId: jobId.notify(ticket.id, key) });
    const at = nextWorkingDayAt(now, deps.calendar, REMIND_AT);
    await deps.ratingQueue.add('close', { ...job, step: 'close' }, { jobId: jobId.rating(ticket.id, job.reply, 'close'), delay: Math.max(0, at.getTime() - now.getTime()) });
    return 'reminded';
  }
  await performAction(ticket.id, { kind: 'close', reason: '市民经提醒后未评价，按未评价办结' }, { id: 'rating-follow-up', role: 'system' }, deps);
  return 'closed';
}

export function startRatingWorker(deps: ActionDeps & { ratingQueue: Queue<RatingStepJob>; connection: ConnectionOptions; prefix: string }): Worker<RatingStepJob> {
  return new Worker<RatingStepJob>(QUEUE.rating, async (job) => runRatingStep(job.data, deps), { connection: deps.connection, prefix: deps.prefix, concurrency: 4 });
}
