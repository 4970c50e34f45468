/** The ticket (工单) as stored, and the events of its history. */

export const TICKET_TYPES = ['咨询', '求助', '投诉', '举报', '建议', '表扬'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];

export function isTicketType(s: string): s is TicketType {
  return (TICKET_TYPES as readonly string[]).includes(s);
}

/**
 * States of the work order (工单), as the domain reference describes them:
 * received (受理) → dispatched (派单: to a unit, or to the dispatch centre) → acknowledged (签收) → in-progress (办理)
 * → replied (答复) → follow-up (回访) → closed (办结); with returned (退单, waiting for the centre to re-dispatch),
 * merged (并单 into another ticket). A reopen (重办) sends a ticket back to dispatched with a new deadline; an answer
 * from the knowledge base (即时办结) closes it from received. The transitions are in lifecycle.ts.
 */
export const TICKET_STATES = ['received', 'dispatched', 'acknowledged', 'in-progress', 'replied', 'follow-up', 'closed', 'returned', 'merged'] as const;
export type TicketState = (typeof TICKET_STATES)[number];

/** States in which a ticket is still being worked on (its timers run). */
export const OPEN_STATES: readonly TicketState[] = ['dispatched', 'acknowledged', 'in-progress', 'returned'];

export type ActorRole = 'citizen' | 'system' | 'classifier' | 'dispatcher' | 'agent' | 'supervisor' | 'admin' | 'liaison';

export interface Actor {
  id: string;
  role: ActorRole;
  /** The unit an agent belongs to (agents act on their own unit's tickets only). */
  department?: string;
}

/** One entry of a ticket's append-only history. */
export interface TicketEvent {
  /** 1-based position in the history. */
  seq: number;
  at: string;
  actor: Actor;
  action: string;
  from?: TicketState;
  to?: TicketState;
  reason?: string;
  data?: Record<string, unknown>;
}

export type NewTicketEvent = Omit<TicketEvent, 'seq'>;

/** Where the citizen talks to us, so replies can reach them in the same conversation (a Bot Framework ConversationReference). */
export interface ChannelInfo {
  channelId: string;
  reference: Record<string, unknown>;
}

export interface Citizen {
  anonymous: boolean;
  /** Mainland mobile number in clear; screens and logs mask it. Absent when anonymous. */
  phone?: string;
  /** Hash of the query code given to anonymous filers (the code itself is shown once, never stored). */
  queryCodeHash?: string;
  /** Name given by another channel (Open311 first/last name) or an enterprise's contact person; screens mask it. */
  name?: string;
  /** E-mail given by another channel (Open311); screens mask it. */
  email?: string;
}

/** An enterprise appeal's filer (企业诉求): the enterprise and what kind of appeal it is. */
export interface EnterpriseInfo {
  /** Unified social credit code (统一社会信用代码, GB 32100), validated with its check character. */
  creditCode: string;
  name: string;
  category: import('../knowledge/entry').EnterpriseCategory;
}

export interface Candidate {
  department: string;
  confidence: number;
}

export interface Routing {
  /** Department code, or null when the ticket went to the dispatch centre. */
  department: string | null;
  /** Queue the ticket was put in: a department code or 'dispatch-centre'. */
  queue: string;
  confidence: number;
  candidates: Candidate[];
  modelVersion: string;
  routedAt: string;
  /** Who decided: the classifier, or a dispatcher (人工派单/改派). Absent on tickets routed before this field existed. */
  by?: 'classifier' | 'dispatcher';
  /** Id of the job that put the ticket in its queue (a re-dispatch puts it in another queue under a new id). */
  jobId?: string;
  /** What the matter is about, for hotspots: the catalogue scope item of the unit that fits it best (e.g. 餐饮油烟扰民). */
  topic?: string;
  /** Where, for hotspots: the road, estate or village named in the location, without house numbers. */
  place?: string;
}

/** How a time limit is counted; kept with each deadline so waiting time (挂起) can be given back in the same unit. */
export type DurationBasis = 'workingDays' | 'workingHours' | 'hours';

export interface Deadlines {
  /** Acknowledge (签收) and reply (答复) deadlines, ISO times with +08:00 offset. */
  ack: string;
  reply: string;
  /** Enterprise appeals only: the deadline to resolve the matter (15 working days, extendable once to 30). */
  resolve?: string;
  /** True when a deadline falls in a year whose official calendar is not published yet. */
  provisional: boolean;
  /** When the limits started to run (receipt, re-dispatch or reopen); the yellow light is at 75% from here. */
  startedAt?: string;
  /** Incremented whenever the deadlines move (extension, waiting time given back, re-dispatch, reopen): timers are per version. */
  version?: number;
  basis?: { ack: DurationBasis; reply: DurationBasis };
}

/** A unit working on the ticket: the lead unit (主办) or a supporting unit (协办), each with its own deadlines. */
export interface Assignment {
  department: string;
  role: 'lead' | 'support';
  state: 'dispatched' | 'acknowledged' | 'in-progress' | 'replied' | 'returned' | 'withdrawn';
  assignedAt: string;
  deadlines: Deadlines;
  acknowledgedAt?: string;
  repliedAt?: string;
  /** Working minutes (office hours of working days) from assignment to the answer; set when the unit replies. */
  handlingMinutes?: number;
}

/** A reply (答复) to the citizen, or a supporting unit's contribution to the lead unit. */
export interface Reply {
  seq: number;
  at: string;
  department: string;
  actor: Actor;
  text: string;
  /** True for the lead unit's answer to the citizen; false for a supporting unit's input (协办意见). */
  toCitizen: boolean;
}

export interface Extension {
  department: string;
  requestedBy: Actor;
  requestedAt: string;
  /** The reply deadline asked for (ISO, +08:00). */
  until: string;
  reason: string;
  status: 'pending' | 'approved' | 'refused';
  decidedBy?: Actor;
  decidedAt?: string;
  decisionReason?: string;
}

export interface Rating {
  at: string;
  satisfaction: '满意' | '基本满意' | '不满意';
  solved: boolean;
  comment?: string;
}

export interface Ticket {
  /** The ticket number (工单号), short and human-readable; also the primary key. */
  id: string;
  /** Incremented by every update; updates are conditional on it. */
  version: number;
  /** Idempotency key of the intake that created it: the same intake confirmed twice yields the same ticket. */
  intakeKey: string;
  state: TicketState;
  type: TicketType;
  /** The type the bot proposed from the text, kept to measure and improve the proposal. */
  proposedType: TicketType;
  urgent: boolean;
  enterprise: boolean;
  description: string;
  location: string;
  /** Coordinates given by another channel (Open311 lat/long, WGS 84). */
  geo?: { lat: number; long: number };
  citizen: Citizen;
  /** Set on enterprise appeals (企业诉求) filed through the enterprise entry of the bot. */
  enterpriseInfo?: EnterpriseInfo;
  channel: ChannelInfo;
  receivedAt: string;
  deadlines: Deadlines;
  routing?: Routing;
  /** Units working on it; absent until a unit is dispatched. */
  assignments?: Assignment[];
  replies?: Reply[];
  /** Extension requests (延期), newest last. */
  extensions?: Extension[];
  /** Set while the centre waits on the citizen (挂起); the waiting time does not count against the deadlines. */
  waiting?: { since: string; by: Actor; reason: string };
  ratings?: Rating[];
  /** How many times it was reopened (重办). */
  reopened?: number;
  /** The ticket this one was merged into (并单), or the tickets merged into this one. */
  mergedInto?: string;
  mergedFrom?: string[];
  closedAt?: string;
  /** How it was closed: rated by the citizen, closed without a rating, answered directly (即时办结), merged. */
  closure?: 'rated' | 'unrated' | 'answered-directly' | 'merged';
  history: TicketEvent[];
}

export type NewTicket = Omit<Ticket, 'id' | 'version' | 'history' | 'state' | 'routing'>;

/** The fields an update may change. History is appended, never patched. */
export type TicketPatch = Partial<
  Pick<
    Ticket,
    | 'state' | 'routing' | 'deadlines' | 'type' | 'urgent' | 'assignments' | 'replies' | 'extensions' | 'waiting' | 'ratings'
    | 'reopened' | 'mergedInto' | 'mergedFrom' | 'closedAt' | 'closure'
  >
>;
