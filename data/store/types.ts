import type { Storage } from 'botbuilder';
import type { Account, AccountPatch, AuditEntry, AuditQuery } from '../accounts/account';
import type { Actor, NewTicket, NewTicketEvent, Ticket, TicketPatch, TicketState, TicketType } from '../tickets/ticket';
import type { MeasureCounts, MeasureQuery } from '../measures/measures';

/** Tickets received per day (Asia/Shanghai) and key. */
export interface DailyQuery {
  fromMs: number;
  toMs: number;
  /** type: 咨询/求助/…; department: the lead unit (dispatch-centre while the centre holds it); category: enterprise appeal category. */
  by: 'type' | 'department' | 'category';
  enterprise?: boolean;
}

export interface DailyCount {
  day: string;
  key: string;
  count: number;
}

/** Tickets received about one topic at one place (for hotspots), with some of their numbers. */
export interface PlaceTopicCount {
  place: string;
  topic: string;
  count: number;
  /** Up to 50 ticket numbers, newest first. */
  ticketIds: string[];
}

/** One ticket's change in updateTickets. */
export interface TicketChange {
  id: string;
  expectedVersion: number;
  patch: TicketPatch;
  event: NewTicketEvent;
}

export interface CreateResult {
  ticket: Ticket;
  /** False when a ticket with the same intakeKey already existed and was returned instead. */
  created: boolean;
}

export interface TicketQuery {
  state?: TicketState[];
  /** Queue code: a department code or 'dispatch-centre'. */
  queue?: string;
  /** Tickets a unit works on now: it has an assignment (lead or support) that is neither returned nor withdrawn. */
  department?: string;
  /** Only tickets received before this ISO time. */
  receivedBefore?: string;
  /** Keyset paging: only tickets after this one in the (receivedAt, id) order. */
  after?: { receivedAt: string; id: string };
  limit?: number;
}

/**
 * An in-product notification (站内通知): a warning or escalation for a unit's agents, its head, the centre's
 * supervision or the leadership. Kept once per key, so a timer retried after a crash does not notify twice.
 */
export interface Notification {
  key: string;
  ticketId: string;
  at: string;
  audience: 'department' | 'department-head' | 'supervision' | 'leadership';
  /** The unit concerned. */
  department: string;
  level: string;
  text: string;
}

export interface NotificationQuery {
  audience?: Notification['audience'];
  department?: string;
  ticketId?: string;
  limit?: number;
}

/**
 * A routing the classifier got wrong, as the people who fixed it decided: a dispatcher dispatching a ticket from the
 * dispatch centre, re-dispatching it (改派), or re-dispatching after a department returned it (退单). The next
 * retraining learns from it. The text has phone and ID numbers masked before it is kept.
 */
export interface Correction {
  /** One correction per ticket: the latest routing decision wins. */
  ticketId: string;
  text: string;
  department: string;
  /** Where the ticket was before the correction: a department code, or null for the dispatch centre. */
  previousDepartment: string | null;
  source: 'manual-dispatch' | 'redispatch' | 'return';
  type: TicketType;
  urgent: boolean;
  enterprise: boolean;
  actor: Actor;
  at: string;
}

/** A deployment setting an administrator changed in the console (the catalogue, the time limits), versioned. */
export interface Setting<T = unknown> {
  key: string;
  value: T;
  /** 1 for the first saved value; every change increments it. */
  version: number;
  updatedAt: string;
  /** Username of the administrator. */
  updatedBy: string;
}

/** Thrown by putSetting when the setting is no longer at the version the administrator edited. */
export class SettingConflictError extends Error {
  readonly code = 'SETTING_CONFLICT';
  constructor(readonly key: string) {
    super(`Setting ${key} was changed by someone else`);
    this.name = 'SettingConflictError';
  }
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

  /**
   * Several tickets' changes (a merge changes the repeat and the ticket that stays), all or none: each conditional on
   * its version as in updateTicket; the first conflict throws and nothing is written. The embedded store runs them in
   * one SQLite transaction; MongoDB in a multi-document transaction when the deployment supports them (replica set or
   * sharded cluster; `atomicBatches`), and on a standalone server one after another, stopping at the first conflict.
   */
  updateTickets(changes: TicketChange[]): Promise<Ticket[]>;

  /** Whether updateTickets is all-or-none on this deployment. */
  readonly atomicBatches: boolean;

  /** Appends a history event without changing state (a notification sent, a note), conditional like updateTicket. */
  appendEvent(id: string, expectedVersion: number, event: NewTicketEvent): Promise<Ticket>;

  /** Tickets matching a query, oldest received first. */
  listTickets(query: TicketQuery): Promise<Ticket[]>;

  /** Keeps a correction; a later correction of the same ticket replaces the earlier one. Idempotent. */
  saveCorrection(correction: Correction): Promise<void>;

  /** Every kept correction, oldest first. */
  listCorrections(): Promise<Correction[]>;

  /** Keeps a notification; a second call with the same key changes nothing and returns false. */
  saveNotification(n: Notification): Promise<boolean>;

  /** Keeps several notifications in one write; those whose key is already kept are left alone. Returns how many were new. */
  saveNotifications(ns: Notification[]): Promise<number>;

  /** Notifications matching a query, newest first. */
  listNotifications(query: NotificationQuery): Promise<Notification[]>;

  /** Stores a new account; false (and nothing changed) when the username is taken. */
  createAccount(account: Account): Promise<boolean>;

  getAccount(id: string): Promise<Account | null>;

  /** The account with this username (compared lower-case), or null. */
  findAccountByUsername(username: string): Promise<Account | null>;

  /** Every account, by username. */
  listAccounts(): Promise<Account[]>;

  /** Changes an account; returns it, or null when there is none with this id. */
  updateAccount(id: string, patch: AccountPatch): Promise<Account | null>;

  /** Appends to the audit log (append-only; entries are never changed). */
  appendAudit(entry: AuditEntry): Promise<void>;

  /** Audit entries matching a query, newest first. */
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;

  /** A setting, or null when it was never saved (the files in data/ apply). */
  getSetting<T>(key: string): Promise<Setting<T> | null>;

  /** Saves a setting only if it is still at expectedVersion (0: never saved); throws SettingConflictError otherwise. */
  putSetting<T>(key: string, value: T, expectedVersion: number, by: string): Promise<Setting<T>>;

  /**
   * Counts for the measures (data/measures/measures.ts), one row per unit that had tickets in the period and one for
   * all units together (department '*'). Computed by the database from facts kept with every ticket write.
   */
  measureCounts(q: MeasureQuery): Promise<MeasureCounts[]>;

  /** Tickets received per day and key in a period. */
  dailyCounts(q: DailyQuery): Promise<DailyCount[]>;

  /** Tickets received per (place, topic) in a period, for tickets whose routing named both. */
  placeTopicCounts(q: { fromMs: number; toMs: number }): Promise<PlaceTopicCount[]>;

  /** Pings the underlying database; throws when it is unreachable. */
  ping(): Promise<void>;

  close(): Promise<void>;
}
