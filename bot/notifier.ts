import { UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import type { ConversationReference } from 'botbuilder';
import type { Catalogue } from '../data/catalogue';
import { formatDeadlineZh } from '../data/calendar/deadlines';
import { VersionConflictError } from '../data/store/errors';
import type { TicketStore } from '../data/store/types';
import type { Ticket } from '../data/tickets/ticket';
import { routedText } from '../dialogs/texts';
import { QUEUE, type NotifyJob } from '../workers/queues';
import type { Adapters } from './adapters';
import { markdownLineBreaks } from './hotline-bot';
import type { Logger } from './logger';

export interface NotifierDeps {
  connection: ConnectionOptions;
  prefix: string;
  store: TicketStore;
  catalogue: Catalogue;
  adapters: Adapters;
  /** App id for proactive messages on the authenticated channel adapter. */
  botAppId?: string;
  /** True for conversations of the built-in Direct Line, which go through the local adapter. */
  isLocal: (serviceUrl: string) => boolean;
  log: Logger;
}

function textFor(ticket: Ticket, event: NotifyJob['event'], catalogue: Catalogue): string {
  switch (event) {
    case 'routed':
    case 'redispatched': {
      const unit = ticket.routing?.department ? catalogue.nameOf(ticket.routing.department) : null;
      return routedText(ticket.id, unit, formatDeadlineZh(ticket.deadlines.reply));
    }
  }
}

function alreadyNotified(ticket: Ticket, key: string): boolean {
  return ticket.history.some((e) => e.action === 'citizen-notified' && (e.data?.key ?? e.data?.event) === key);
}

/**
 * Sends ticket news to the citizen in the conversation the ticket came from, and records it in the history.
 * A message already recorded as sent is not sent again when its job is retried or delivered twice.
 */
export async function notifyCitizen(job: NotifyJob, deps: NotifierDeps): Promise<'sent' | 'skipped'> {
  let ticket = await deps.store.getTicket(job.ticketId);
  if (!ticket) throw new UnrecoverableError(`Ticket ${job.ticketId} does not exist`);
  const key = job.key ?? job.event;
  if (alreadyNotified(ticket, key)) return 'skipped';
  const reference = ticket.channel.reference as Partial<ConversationReference>;
  const local = deps.isLocal(String(reference.serviceUrl ?? ''));
  const adapter = local ? deps.adapters.local : deps.adapters.channel;
  const text = textFor(ticket, job.event, deps.catalogue);
  await adapter.continueConversationAsync(local ? '' : (deps.botAppId ?? ''), reference, async (context) => {
    await context.sendActivity(markdownLineBreaks(text));
  });
  for (;;) {
    try {
      await deps.store.appendEvent(ticket.id, ticket.version, {
        at: new Date().toISOString(),
        actor: { id: 'notifier', role: 'system' },
        action: 'citizen-notified',
        data: { event: job.event, key, channel: ticket.channel.channelId },
      });
      return 'sent';
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      ticket = (await deps.store.getTicket(job.ticketId))!;
    }
  }
}

/** The notify queue's worker: runs in the web process, which has the bot adapters. */
export function startNotifier(deps: NotifierDeps): Worker<NotifyJob> {
  const worker = new Worker<NotifyJob>(QUEUE.notify, async (job) => void (await notifyCitizen(job.data, deps)), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 16,
    // A message takes well under a second to send: a short lock lets a job whose process died be retried within seconds.
    lockDuration: 10_000,
    stalledInterval: 5_000,
  });
  worker.on('failed', (job, err) => deps.log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err }, 'citizen notification failed'));
  worker.on('error', (err) => deps.log.error({ err }, 'notifier error'));
  return worker;
}
