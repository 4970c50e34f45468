import * as crypto from 'node:crypto';
import type { WorkingCalendar } from '../../data/calendar/working-days';
import { computeDeadlines, type TimeLimits } from '../../data/calendar/deadlines';
import { VersionConflictError } from '../../data/store/errors';
import { decide } from '../../data/tickets/lifecycle';
import type { TicketStore } from '../../data/store/types';
import type { ChannelInfo, EnterpriseInfo, Ticket, TicketType } from '../../data/tickets/ticket';
import { jobId, type Queues } from '../queues';

/** What the citizen confirmed in the chat. */
export interface IntakeDraft {
  /** Stable for one intake conversation: the same confirmation delivered twice creates one ticket. */
  intakeKey: string;
  description: string;
  location: string;
  phone?: string;
  type: TicketType;
  proposedType: TicketType;
  urgent: boolean;
  enterprise: boolean;
  channel: ChannelInfo;
  /** Answered on the spot from the knowledge base (即时办结): the ticket is closed at once and never queued. */
  answered?: { entryId: string; answer: string };
  /** Name and e-mail given by another channel (Open311), or an enterprise's contact person. */
  contact?: { name?: string; email?: string };
  /** Coordinates given by another channel (Open311). */
  geo?: { lat: number; long: number };
  /** The enterprise of an enterprise appeal (企业诉求). */
  enterpriseInfo?: EnterpriseInfo;
}

export interface Receipt {
  ticket: Ticket;
  /** Shown once to anonymous filers so they can follow the ticket; never stored in clear. */
  queryCode?: string;
}

export interface SubmitDeps {
  store: TicketStore;
  queues: Queues;
  limits: TimeLimits;
  calendar: WorkingCalendar;
  now?: () => Date;
  /** How long a confirmation waits for the intake queue before giving up (Redis away). Default 3000 ms. */
  enqueueTimeoutMs?: number;
}

// No 0/O, 1/I/L: codes are read aloud and typed back.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** Hash of a query code, salted with the ticket's intake key; what the ticket keeps instead of the code. */
export function hashQueryCode(intakeKey: string, code: string): string {
  return crypto.createHash('sha256').update(intakeKey + ':' + code.trim().toUpperCase()).digest('hex');
}

/** The query code of an anonymous filing, derived from the intake key so a retried confirmation shows the same code. */
function queryCodeFor(intakeKey: string, secret: string): string {
  const bytes = crypto.createHmac('sha256', secret).update(intakeKey).digest();
  return Array.from(bytes.subarray(0, 6), (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
}

/**
 * Stores a confirmed ticket, then enqueues it for routing. The ticket is durable before this returns, so the bot
 * can tell the citizen it was received; if enqueueing fails the caller says so, and a retry (same intakeKey) finds the
 * stored ticket and enqueues it again. Tickets left 'received' are also picked up by the intake reconciler.
 */
export async function submitTicket(draft: IntakeDraft, deps: SubmitDeps, secret: string): Promise<Receipt> {
  const receivedAt = (deps.now ?? (() => new Date()))();
  const deadlines = computeDeadlines({ receivedAt, type: draft.type, urgent: draft.urgent, enterprise: draft.enterprise }, deps.limits, deps.calendar);
  const anonymous = !draft.phone;
  const queryCode = anonymous ? queryCodeFor(draft.intakeKey, secret) : undefined;
  const { ticket } = await deps.store.createTicket(
    {
      intakeKey: draft.intakeKey,
      type: draft.type,
      proposedType: draft.proposedType,
      urgent: draft.urgent,
      enterprise: draft.enterprise,
      description: draft.description,
      location: draft.location,
      citizen: {
        anonymous,
        phone: draft.phone,
        queryCodeHash: queryCode && hashQueryCode(draft.intakeKey, queryCode),
        ...(draft.contact?.name ? { name: draft.contact.name } : {}),
        ...(draft.contact?.email ? { email: draft.contact.email } : {}),
      },
      channel: draft.channel,
      ...(draft.geo ? { geo: draft.geo } : {}),
      ...(draft.enterpriseInfo ? { enterpriseInfo: draft.enterpriseInfo } : {}),
      receivedAt: receivedAt.toISOString(),
      deadlines,
    },
    { at: receivedAt.toISOString(), actor: { id: 'citizen', role: 'citizen' }, action: 'received', to: 'received', data: { channel: draft.channel.channelId } },
  );
  if (draft.answered) return { ticket: await closeAsAnswered(ticket, draft.answered, deps), queryCode };
  // The citizen waits for this: when Redis is away the enqueue is given up after a few seconds (the add may still go
  // through later; its job id makes that harmless) and the caller says so. The stored ticket is routed by the
  // intake reconciliation, and confirming again finds it (same intake key).
  await withTimeout(deps.queues.intake().add('route', { ticketId: ticket.id }, { jobId: jobId.intake(ticket.id) }), deps.enqueueTimeoutMs ?? 3000);
  return { ticket, queryCode };
}

/** Thrown when a ticket was stored but could not be queued in time (Redis unavailable). */
export class EnqueueTimeoutError extends Error {
  readonly code = 'ENQUEUE_TIMEOUT';
  constructor(ms: number) {
    super(`Could not queue the ticket within ${ms} ms`);
    this.name = 'EnqueueTimeoutError';
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new EnqueueTimeoutError(ms)), ms)))]);
  } finally {
    clearTimeout(timer);
    p.catch(() => undefined);
  }
}

/**
 * Closes a just-stored ticket as answered directly (即时办结), conditionally on its version; a retry finds it closed
 * already. Should the process die in between, the intake reconciler routes the still-received ticket as an ordinary
 * consultation, so the matter is never lost.
 */
async function closeAsAnswered(ticket: Ticket, answered: { entryId: string; answer: string }, deps: SubmitDeps): Promise<Ticket> {
  for (let current: Ticket | null = ticket; current; current = await deps.store.getTicket(ticket.id)) {
    if (current.state !== 'received') return current;
    const { patch, event } = decide(current, { kind: 'answer-directly', answer: answered.answer, entry: answered.entryId }, {
      actor: { id: 'knowledge-base', role: 'system' },
      now: (deps.now ?? (() => new Date()))(),
      limits: deps.limits,
      calendar: deps.calendar,
      isDepartment: () => true,
    });
    try {
      return await deps.store.updateTicket(current.id, current.version, patch, event);
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
    }
  }
  throw new Error(`Ticket ${ticket.id} disappeared`);
}
