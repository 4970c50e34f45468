import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { DISPATCH_CENTRE } from '../data/catalogue';

/** Every queue name the product uses, in one place. */
export const QUEUE = {
  /** Confirmed tickets waiting to be classified and routed. Job data: { ticketId }. */
  intake: 'intake',
  /** Messages to send to citizens in their conversation. Job data: { ticketId, event }. */
  notify: 'notify',
  /** Classifier retraining, scheduled and on demand. Job data: { trigger, force }. */
  classifier: 'classifier',
  /** Wake-ups for tickets' warnings and escalations (one delayed job per open ticket). Job data: { ticketId, key }. */
  timers: 'timers',
  /** Follow-up of answers the citizen has not rated: a reminder, then closing as unrated. Job data: { ticketId, reply, step }. */
  rating: 'rating',
  /** Monthly reports (月报), on demand and scheduled on the 1st. Job data: { month? }. */
  reports: 'reports',
  /** A department's (or the dispatch centre's) ticket queue. Job data: { ticketId }. */
  department: (code: string) => `dept-${code}`,
} as const;

export const DISPATCH_QUEUE = QUEUE.department(DISPATCH_CENTRE);

export interface TicketJob {
  ticketId: string;
}

export interface NotifyJob {
  ticketId: string;
  /**
   * routed: where the ticket went first; redispatched: a dispatcher sent it to (another) unit; replied: the lead
   * unit's answer (key reply-<seq>); rating-reminder; closed: closed without the citizen's rating; merged: handled
   * together with another ticket (并单); merged-reply: the answer of the ticket it was merged into (key
   * merged-reply-<into>-<seq>).
   */
  event: 'routed' | 'redispatched' | 'replied' | 'rating-reminder' | 'closed' | 'merged' | 'merged-reply';
  /** What makes this message unique for the ticket (default: the event); it is sent at most once per key. */
  key?: string;
}

/** Job ids derived from what the job is about, so a retry or duplicate delivery adds nothing twice. BullMQ ids may not contain ':' or be integers. */
export const jobId = {
  intake: (ticketId: string) => `route-${ticketId}`,
  notify: (ticketId: string, event: string) => `${event}-${ticketId}`,
  department: (ticketId: string) => `ticket-${ticketId}`,
  /** A ticket put in a queue again by the history event at position seq (改派). */
  redispatch: (ticketId: string, seq: number) => `ticket-${ticketId}-${seq}`,
  /** A ticket put in a queue by any later history event at position seq (returned to the centre, reopened). */
  event: (ticketId: string, seq: number) => `ticket-${ticketId}-${seq}`,
  /** A step of the rating follow-up of the reply numbered `reply`. */
  rating: (ticketId: string, reply: number, step: string) => `rating-${step}-${ticketId}-${reply}`,
};

/** Completed jobs are kept a week so their ids keep deduplicating; failed ones a month for inspection. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** The queues of one deployment (one key prefix), created on first use and closed together. */
export class Queues {
  private readonly open = new Map<string, Queue>();

  constructor(readonly connection: ConnectionOptions, readonly prefix: string) {}

  get(name: string): Queue {
    let q = this.open.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
      this.open.set(name, q);
    }
    return q;
  }

  intake(): Queue<TicketJob> {
    return this.get(QUEUE.intake);
  }

  notify(): Queue<NotifyJob> {
    return this.get(QUEUE.notify);
  }

  department(code: string): Queue<TicketJob> {
    return this.get(QUEUE.department(code));
  }

  async close(): Promise<void> {
    await Promise.all([...this.open.values()].map((q) => q.close()));
    this.open.clear();
  }
}
