import { UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { ActionTypes, MessageFactory, type Activity, type ConversationReference, type TurnContext } from 'botbuilder';
import type IORedis from 'ioredis';
import type { Catalogue } from '../data/catalogue';
import { formatDeadlineZh } from '../data/calendar/deadlines';
import { VersionConflictError } from '../data/store/errors';
import type { TicketStore } from '../data/store/types';
import type { Reply, Ticket } from '../data/tickets/ticket';
import { replyActivity, supportsCards } from '../dialogs/cards';
import { closedText, mergedReplyText, mergedText, RATING_CHOICES, ratingReminderText, replyText, routedText } from '../dialogs/texts';
import { QUEUE, type NotifyJob } from '../workers/queues';
import type { Adapters } from './adapters';
import { markdownLineBreaks } from './hotline-bot';
import { markAwaitingRating } from './ratings';
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
  /**
   * This process's own connector URL for the built-in Direct Line. A conversation's reference names the web process
   * that started it; any web process can deliver to it (transcripts are in Redis), so the delivering process posts to
   * itself — the conversation's news still arrives when the process that started it is gone.
   */
  localServiceUrl?: () => string;
  log: Logger;
  /** Where undelivered news is kept for the citizen's next message. */
  redis?: IORedis;
  /** Schedules the reminder to rate a delivered answer (and then the closing as unrated). */
  ratingFollowUp?: (ticketId: string, reply: number) => Promise<void>;
}

async function keepUndelivered(job: NotifyJob, deps: NotifierDeps): Promise<void> {
  const ticket = await deps.store.getTicket(job.ticketId);
  const conversationId = (ticket?.channel.reference as Partial<ConversationReference> | undefined)?.conversation?.id;
  if (!ticket || !conversationId || alreadyNotified(ticket, job.key ?? job.event)) return;
  await deps.redis!.hset(undeliveredKey(deps.prefix, conversationId), `${job.ticketId}|${job.key ?? job.event}`, job.event);
}

function textFor(ticket: Ticket, job: NotifyJob, catalogue: Catalogue, source?: Ticket): string {
  switch (job.event) {
    case 'routed':
    case 'redispatched': {
      const unit = ticket.routing?.department ? catalogue.nameOf(ticket.routing.department) : null;
      return routedText(ticket.id, unit, formatDeadlineZh(ticket.deadlines.reply));
    }
    case 'rating-reminder': {
      const last = [...(ticket.replies ?? [])].reverse().find((r) => r.toCitizen);
      if (!last) throw new UnrecoverableError(`Ticket ${ticket.id} has no reply to rate`);
      return ratingReminderText(ticket.id, catalogue.nameOf(last.department));
    }
    case 'closed':
      return closedText(ticket.id);
    case 'merged-reply': {
      const reply = replyOf(source ?? ticket, job);
      return mergedReplyText(ticket.id, (source ?? ticket).id, catalogue.nameOf(reply.department), reply.text);
    }
    case 'merged':
      return mergedText(ticket.id, ticket.mergedInto ?? '');
    case 'replied': {
      const reply = replyOf(ticket, job);
      return replyText(ticket.id, catalogue.nameOf(reply.department), reply.text);
    }
  }
}

/** The lead unit's answer a 'replied' job is about (key reply-<seq>). */
function replyOf(ticket: Ticket, job: NotifyJob): Reply {
  const seq = Number(/^(?:merged-)?reply-(?:\d+-)?(\d+)$/.exec(job.key ?? '')?.[1]);
  const reply = ticket.replies?.find((r) => r.seq === seq && r.toCitizen);
  if (!reply) throw new UnrecoverableError(`Ticket ${ticket.id} has no reply at ${job.key}`);
  return reply;
}

/** Channels with a conversation to send news into; tickets from other systems (Open311) have none. */
const CHAT_CHANNELS = (channelId: string) => channelId !== 'open311';

function alreadyNotified(ticket: Ticket, key: string): boolean {
  return ticket.history.some((e) => e.action === 'citizen-notified' && (e.data?.key ?? e.data?.event) === key);
}

/**
 * Sends ticket news to the citizen in the conversation the ticket came from, and records it in the history.
 * A message already recorded as sent is not sent again when its job is retried or delivered twice.
 */
export async function notifyCitizen(job: NotifyJob, deps: NotifierDeps): Promise<'sent' | 'skipped'> {
  const ticket = await deps.store.getTicket(job.ticketId);
  if (!ticket) throw new UnrecoverableError(`Ticket ${job.ticketId} does not exist`);
  const key = job.key ?? job.event;
  if (alreadyNotified(ticket, key)) return 'skipped';
  if (!CHAT_CHANNELS(ticket.channel.channelId)) {
    // Another system's ticket (Open311): it reads the news through the API. An answer still starts the follow-up,
    // so the ticket closes as unrated in due time.
    if (job.event === 'replied') {
      const reply = Number(/^reply-(\d+)$/.exec(job.key ?? '')?.[1]);
      if (deps.ratingFollowUp && reply) await deps.ratingFollowUp(ticket.id, reply);
    }
    return 'skipped';
  }
  const stored = ticket.channel.reference as Partial<ConversationReference>;
  const local = deps.isLocal(String(stored.serviceUrl ?? ''));
  const reference = local && deps.localServiceUrl ? { ...stored, serviceUrl: deps.localServiceUrl() } : stored;
  const adapter = local ? deps.adapters.local : deps.adapters.channel;
  const activity = activityFor(ticket, job, deps.catalogue, await sourceOf(job, deps.store));
  // The adapter's turn-error handler would swallow a failed send (and the job would count as done): catch it here.
  let sendError: unknown;
  try {
    await adapter.continueConversationAsync(local ? '' : (deps.botAppId ?? ''), reference, async (context) => {
      try {
        await context.sendActivity(activity);
      } catch (err) {
        sendError = err;
      }
    });
    if (sendError) throw sendError;
  } catch (err) {
    // The channel says the conversation is gone or closed to the bot: retrying will not help.
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 403 || status === 404) throw new UnrecoverableError(`Channel refused the message (${status})`);
    throw err;
  }
  await recordDelivery(deps.store, ticket, job, key);
  if (job.event === 'replied') await afterAnswerDelivered(ticket, job, String(reference.conversation?.id), deps);
  if (job.event === 'rating-reminder' && deps.redis) await markAwaitingRating(deps.redis, deps.prefix, String(reference.conversation?.id), ticket.id);
  return 'sent';
}

/** The ticket whose answer a merged ticket's citizen is given (并单: every reporter gets the answer). */
async function sourceOf(job: NotifyJob, store: TicketStore): Promise<Ticket | undefined> {
  const into = /^merged-reply-(\d+)-\d+$/.exec(job.key ?? '')?.[1];
  if (job.event !== 'merged-reply' || !into) return undefined;
  const source = await store.getTicket(into);
  if (!source) throw new UnrecoverableError(`Ticket ${into} does not exist`);
  return source;
}

function activityFor(ticket: Ticket, job: NotifyJob, catalogue: Catalogue, source?: Ticket): Partial<Activity> {
  const reply = job.event === 'replied' ? replyOf(ticket, job) : undefined;
  const card = reply && supportsCards(ticket.channel.channelId) ? replyActivity(ticket.channel.channelId, ticket.id, catalogue.nameOf(reply.department), reply.text) : undefined;
  const activity = card && typeof card !== 'string' ? card : MessageFactory.text(markdownLineBreaks(textFor(ticket, job, catalogue, source)));
  if (job.event === 'replied' || job.event === 'rating-reminder') activity.suggestedActions = { actions: RATING_CHOICES.map((c) => ({ type: ActionTypes.ImBack, title: c, value: c })), to: [] };
  return activity;
}

async function recordDelivery(store: TicketStore, first: Ticket, job: NotifyJob, key: string, how = 'proactive'): Promise<void> {
  let ticket = first;
  for (;;) {
    try {
      await store.appendEvent(ticket.id, ticket.version, {
        at: new Date().toISOString(),
        actor: { id: 'notifier', role: 'system' },
        action: 'citizen-notified',
        data: { event: job.event, key, channel: ticket.channel.channelId, how },
      });
      return;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
      ticket = (await store.getTicket(first.id))!;
      if (alreadyNotified(ticket, key)) return;
    }
  }
}

/** The citizen now has the answer: the conversation waits for its rating, and the follow-up (reminder, then closing) is scheduled. */
async function afterAnswerDelivered(ticket: Ticket, job: NotifyJob, conversationId: string, deps: NotifierDeps): Promise<void> {
  if (deps.redis) await markAwaitingRating(deps.redis, deps.prefix, conversationId, ticket.id);
  const reply = Number(/^reply-(\d+)$/.exec(job.key ?? '')?.[1]);
  if (deps.ratingFollowUp && reply) await deps.ratingFollowUp(ticket.id, reply);
}

/** Redis hash of the news that could not be sent to a conversation (the channel refused it): ticketId|key → event. */
export function undeliveredKey(prefix: string, conversationId: string): string {
  return `${prefix}:undelivered:${conversationId}`;
}

/**
 * Called at the start of every turn: news (a unit's answer) that could not be sent proactively to this conversation
 * is shown now, the next time the citizen writes, and recorded as delivered.
 */
export async function deliverPending(
  context: TurnContext,
  deps: { store: TicketStore; catalogue: Catalogue; redis: IORedis; prefix: string; ratingFollowUp?: (ticketId: string, reply: number) => Promise<void> },
): Promise<void> {
  const conversationId = context.activity.conversation?.id;
  if (!conversationId) return;
  const hashKey = undeliveredKey(deps.prefix, conversationId);
  const pending = await deps.redis.hgetall(hashKey);
  for (const [field, event] of Object.entries(pending)) {
    const [ticketId, key] = field.split('|');
    const ticket = await deps.store.getTicket(ticketId);
    // Claim it first, so two turns at once do not both show it.
    if ((await deps.redis.hdel(hashKey, field)) !== 1 || !ticket) continue;
    const job: NotifyJob = { ticketId, event: event as NotifyJob['event'], key };
    if (alreadyNotified(ticket, key)) continue;
    await context.sendActivity(activityFor(ticket, job, deps.catalogue, await sourceOf(job, deps.store)));
    await recordDelivery(deps.store, ticket, job, key, 'next-message');
    if (job.event === 'replied' || job.event === 'rating-reminder') await markAwaitingRating(deps.redis, deps.prefix, conversationId, ticket.id);
    const reply = Number(/^reply-(\d+)$/.exec(key)?.[1]);
    if (job.event === 'replied' && reply) await deps.ratingFollowUp?.(ticket.id, reply);
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
  worker.on('failed', (job, err) => {
    deps.log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err }, 'citizen notification failed');
    // Out of retries: keep the news for the next time the citizen writes in that conversation.
    if (job && (job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError) && deps.redis) void keepUndelivered(job.data, deps).catch((e) => deps.log.error({ err: e }, 'could not keep undelivered news'));
  });
  worker.on('error', (err) => deps.log.error({ err }, 'notifier error'));
  return worker;
}
