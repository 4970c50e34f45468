import type { Storage } from 'botbuilder';
import type { NewTicket, NewTicketEvent, Ticket, TicketPatch, TicketState } from '../tickets/ticket';

export interface CreateResult {
  ticket: Ticket;
  /** False when a ticket with the same intakeKey already existed and was returned instead. */
  created: boolean;
}

export interface TicketQuery {
  state?: TicketState[];
  /** Queue code: a department code or 'dispatch-centre'. */
  queue?: string;
  /** Only tickets received before this ISO time. */
  receivedBefore?: string;
  limit?: number;
}

/**
 * The product's store. Two implementations pass one contract suite (test/store-contract.test.ts):
 * the embedded SQLite store (default, on disk under var/) and MongoDB (MONGODB_URI).
 */
export interface TicketStore {
  readonly kind: 'sqlite' | 'mongodb';
  /** Conversation state for botbuilder (ConversationState/UserState), with eTag concurrency. */
  readonly botState: Storage;

  /**
   * Stores a new ticket with a fresh ticket number and its first history event, atomically.
   * Idempotent on input.intakeKey: a second call returns the existing ticket with created=false.
   */
  createTicket(input: NewTicket, event: NewTicketEvent): Promise<CreateResult>;

  getTicket(id: string): Promise<Ticket | null>;

  /**
   * Applies a patch and appends one history event, atomically, only if the ticket is still at expectedVersion.
   * Returns the updated ticket; throws VersionConflictError or TicketNotFoundError.
   */
  updateTicket(id: string, expectedVersion: number, patch: TicketPatch, event: NewTicketEvent): Promise<Ticket>;

  /** Appends a history event without changing state (a notification sent, a note), conditional like updateTicket. */
  appendEvent(id: string, expectedVersion: number, event: NewTicketEvent): Promise<Ticket>;

  /** Tickets matching a query, oldest received first. */
  listTickets(query: TicketQuery): Promise<Ticket[]>;

  /** Pings the underlying database; throws when it is unreachable. */
  ping(): Promise<void>;

  close(): Promise<void>;
}
