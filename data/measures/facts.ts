import { shanghaiDate } from '../calendar/deadlines';
import { DISPATCH_CENTRE } from '../catalogue';
import type { Ticket, TicketType } from '../tickets/ticket';

/**
 * The facts the measures are computed from, derived from a ticket by a pure function and stored beside it by both
 * stores in the same write (SQLite: flat tables in the same transaction; MongoDB: a field of the same document), so
 * the measures are always those of the tickets as they are.
 */

/** One per ticket: what the centre received. */
export interface TicketFact {
  ticketId: string;
  receivedAt: string;
  receivedMs: number;
  /** Day of receipt, YYYY-MM-DD, Asia/Shanghai. */
  day: string;
  type: TicketType;
  urgent: boolean;
  enterprise: boolean;
  /** Enterprise appeal category, or null. */
  category: string | null;
  /** The lead unit now, or dispatch-centre while the centre holds it (and for tickets answered directly). */
  department: string;
  state: string;
  closure: string | null;
  channel: string;
  topic: string | null;
  place: string | null;
}

/** One per lead assignment (主办) a ticket has had: how that unit did with it. */
export interface UnitFact {
  ticketId: string;
  department: string;
  /** 1-based position among the ticket's lead assignments (a re-dispatch adds one). */
  seq: number;
  /** When the unit got it (ms since the epoch); the period a unit's measures cover is by this time. */
  dispatchedMs: number;
  day: string;
  type: TicketType;
  enterprise: boolean;
  category: string | null;
  /** Signed for (签收) within the acknowledge deadline. */
  ackOnTime: boolean;
  /** Returned (退单) by this unit. */
  returned: boolean;
  /** Answered the citizen (答复). */
  replied: boolean;
  /** Answered within the reply deadline (as extended). */
  replyOnTime: boolean;
  /**
   * The reply deadline (ms), while it binds this unit (not for a returned or withdrawn assignment). A ticket counts
   * for the on-time rate once it was answered or this deadline has passed — decided at read time.
   */
  replyDueMs: number | null;
  /** Working minutes from dispatch to the answer; null when not answered (or answered before the field existed). */
  handlingMinutes: number | null;
  /** This unit is the ticket's lead now: the citizen's rating and a reopen belong to it. */
  current: boolean;
  /** Still owed by this unit (dispatched, acknowledged or in progress, ticket open). */
  open: boolean;
  /** The deadline (ms) the unit is working to now (acknowledge until signed for, then reply); null when not open. */
  openDueMs: number | null;
  reopened: boolean;
  rated: boolean;
  satisfied: boolean;
  solved: boolean;
}

/** Bumped whenever ticketFacts changes: the stores then derive the facts of every ticket again at start. */
export const FACTS_VERSION = 1;

export interface Facts {
  ticket: TicketFact;
  units: UnitFact[];
}

const FINISHED = new Set(['closed', 'merged']);
const time = (iso: string | undefined) => (iso ? Date.parse(iso) : NaN);

/**
 * The facts of a ticket. Nothing in them depends on the time they are derived: what depends on "now" (answer due,
 * overdue now) is decided by the measures' query from the deadlines kept here.
 */
export function ticketFacts(t: Ticket): Facts {
  const leads = (t.assignments ?? []).filter((a) => a.role === 'lead');
  const current = leads.find((a) => a.state !== 'returned' && a.state !== 'withdrawn');
  const rating = t.ratings?.[t.ratings.length - 1];
  const finished = FINISHED.has(t.state);
  const ticket: TicketFact = {
    ticketId: t.id,
    receivedAt: t.receivedAt,
    receivedMs: Date.parse(t.receivedAt),
    day: shanghaiDate(new Date(t.receivedAt)),
    type: t.type,
    urgent: t.urgent,
    enterprise: t.enterprise,
    category: t.enterpriseInfo?.category ?? null,
    department: current?.department ?? t.routing?.department ?? DISPATCH_CENTRE,
    state: t.state,
    closure: t.closure ?? null,
    channel: t.channel.channelId,
    topic: t.routing?.topic ?? null,
    place: t.routing?.place ?? null,
  };
  const units = leads.map((a, i): UnitFact => {
    const replied = Boolean(a.repliedAt);
    const replyOnTime = replied && time(a.repliedAt) <= time(a.deadlines.reply);
    const isCurrent = a === current;
    const open = !finished && isCurrent && (a.state === 'dispatched' || a.state === 'acknowledged' || a.state === 'in-progress');
    return {
      ticketId: t.id,
      department: a.department,
      seq: i + 1,
      dispatchedMs: Date.parse(a.assignedAt),
      day: shanghaiDate(new Date(a.assignedAt)),
      type: t.type,
      enterprise: t.enterprise,
      category: t.enterpriseInfo?.category ?? null,
      ackOnTime: Boolean(a.acknowledgedAt) && time(a.acknowledgedAt) <= time(a.deadlines.ack),
      returned: a.state === 'returned',
      replied,
      replyOnTime,
      replyDueMs: a.state === 'returned' || a.state === 'withdrawn' ? null : time(a.deadlines.reply),
      handlingMinutes: replied && typeof a.handlingMinutes === 'number' ? a.handlingMinutes : null,
      current: isCurrent,
      open,
      openDueMs: open ? time(a.acknowledgedAt ? a.deadlines.reply : a.deadlines.ack) : null,
      reopened: isCurrent && (t.reopened ?? 0) > 0,
      rated: isCurrent && Boolean(rating),
      satisfied: isCurrent && Boolean(rating) && rating!.satisfaction !== '不满意',
      solved: isCurrent && Boolean(rating?.solved),
    };
  });
  return { ticket, units };
}
