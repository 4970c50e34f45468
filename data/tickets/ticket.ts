/** The ticket (工单) as stored, and the events of its history. */

export const TICKET_TYPES = ['咨询', '求助', '投诉', '举报', '建议', '表扬'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];

export function isTicketType(s: string): s is TicketType {
  return (TICKET_TYPES as readonly string[]).includes(s);
}

/**
 * States of the work order. This slice uses received → dispatched; the lifecycle issue adds the rest.
 * received: stored, waiting for the intake worker; dispatched: in a department's or the dispatch centre's queue.
 */
export type TicketState = 'received' | 'dispatched';

export type ActorRole = 'citizen' | 'system' | 'classifier' | 'dispatcher' | 'agent' | 'supervisor' | 'admin';

export interface Actor {
  id: string;
  role: ActorRole;
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
}

export interface Deadlines {
  /** Acknowledge (签收) and reply (答复) deadlines, ISO times with +08:00 offset. */
  ack: string;
  reply: string;
  /** True when a deadline falls in a year whose official calendar is not published yet. */
  provisional: boolean;
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
  citizen: Citizen;
  channel: ChannelInfo;
  receivedAt: string;
  deadlines: Deadlines;
  routing?: Routing;
  history: TicketEvent[];
}

export type NewTicket = Omit<Ticket, 'id' | 'version' | 'history' | 'state' | 'routing'>;

/** The fields an update may change. History is appended, never patched. */
export type TicketPatch = Partial<Pick<Ticket, 'state' | 'routing' | 'deadlines' | 'type' | 'urgent'>>;
