import * as crypto from 'node:crypto';
import type { Storage, StoreItems } from 'botbuilder';
import { Collection, Db, MongoClient, MongoServerError, type ClientSession, type Document } from 'mongodb';
import { dayKey, formatTicketNumber } from '../tickets/numbering';
import type { NewTicket, NewTicketEvent, Ticket, TicketPatch } from '../tickets/ticket';
import { StateConflictError, TicketNotFoundError, VersionConflictError } from './errors';
import type { Account, AccountPatch, AuditEntry, AuditQuery } from '../accounts/account';
import { SettingConflictError, type Correction, type CreateResult, type DailyCount, type DailyQuery, type Notification, type NotificationQuery, type PlaceTopicCount, type Setting, type TicketChange, type TicketQuery, type TicketStore } from './types';
import { FACTS_VERSION, ticketFacts, type Facts } from '../measures/facts';
import type { MeasureCounts, MeasureQuery } from '../measures/measures';
import { mongoDailyCounts, mongoMeasureCounts, mongoPlaceTopicCounts } from './mongo-facts';

export interface MongoStoreOptions {
  uri: string;
  /** Database name used when the URI names none. */
  dbName: string;
  /** Prefix of the collection names, so tests can run in a database shared with others. Default ''. */
  collectionPrefix?: string;
}

type TicketDoc = Omit<Ticket, 'id'> & { _id: string; queue?: string | null; facts?: Facts; factsVersion?: number };
interface CounterDoc { _id: string; value: number }
interface StateDoc { _id: string; etag: string; doc: Record<string, unknown> }
type CorrectionDoc = Omit<Correction, 'ticketId'> & { _id: string };
type NotificationDoc = Omit<Notification, 'key'> & { _id: string };
type AccountDoc = Omit<Account, 'id'> & { _id: string };
type AuditDoc = Omit<AuditEntry, 'id'> & { _id: string };
type SettingDoc = Omit<Setting, 'key'> & { _id: string };

const DUPLICATE_KEY = 11000;

function toTicket(doc: TicketDoc): Ticket {
  const { _id, queue: _queue, facts: _facts, factsVersion: _fv, ...rest } = doc;
  return { id: _id, ...rest } as Ticket;
}

function fromAccountDoc(d: AccountDoc): Account {
  const { _id, ...rest } = d;
  return { id: _id, ...rest };
}

/**
 * The production store on MongoDB (official driver). A ticket is one document, history included,
 * so a change and its event are one atomic single-document update conditional on the version.
 */
export class MongoStore implements TicketStore {
  readonly kind = 'mongodb' as const;
  readonly botState: Storage;
  private readonly tickets: Collection<TicketDoc>;
  private readonly counters: Collection<CounterDoc>;
  private readonly corrections: Collection<CorrectionDoc>;
  private readonly notifications: Collection<NotificationDoc>;
  private readonly accounts: Collection<AccountDoc>;
  private readonly audit: Collection<AuditDoc>;
  private readonly settings: Collection<SettingDoc>;

  private constructor(private readonly client: MongoClient, db: Db, prefix: string) {
    this.tickets = db.collection<TicketDoc>(prefix + 'tickets');
    this.counters = db.collection<CounterDoc>(prefix + 'counters');
    this.corrections = db.collection<CorrectionDoc>(prefix + 'corrections');
    this.notifications = db.collection<NotificationDoc>(prefix + 'notifications');
    this.accounts = db.collection<AccountDoc>(prefix + 'accounts');
    this.audit = db.collection<AuditDoc>(prefix + 'audit');
    this.settings = db.collection<SettingDoc>(prefix + 'settings');
    this.botState = new MongoBotStorage(db.collection<StateDoc>(prefix + 'bot_state'));
  }

  /** Connects and creates the indexes the store relies on. */
  static async connect(options: MongoStoreOptions): Promise<MongoStore> {
    const client = new MongoClient(options.uri, { serverSelectionTimeoutMS: 10000 });
    await client.connect();
    const db = client.db(client.options.dbName && client.options.dbName !== 'test' ? undefined : options.dbName);
    const store = new MongoStore(client, db, options.collectionPrefix ?? '');
    await store.tickets.createIndex({ intakeKey: 1 }, { unique: true });
    await store.tickets.createIndex({ state: 1, receivedAt: 1 });
    await store.tickets.createIndex({ queue: 1, receivedAt: 1 });
    await store.corrections.createIndex({ at: 1 });
    await store.notifications.createIndex({ audience: 1, department: 1, at: -1 });
    await store.notifications.createIndex({ ticketId: 1, at: -1 });
    await store.tickets.createIndex({ 'assignments.department': 1, receivedAt: 1 });
    await store.accounts.createIndex({ username: 1 }, { unique: true });
    await store.audit.createIndex({ at: -1 });
    await store.audit.createIndex({ ticketId: 1, at: -1 });
    await store.audit.createIndex({ actorId: 1, at: -1 });
    await store.tickets.createIndex({ 'facts.units.dispatchedMs': 1 });
    await store.tickets.createIndex({ 'facts.units.open': 1, 'facts.units.openDueMs': 1 });
    await store.tickets.createIndex({ 'facts.ticket.receivedMs': 1 });
    const hello = await db.admin().command({ hello: 1 });
    store.atomicBatches = Boolean(hello.setName) || hello.msg === 'isdbgrid';
    await store.rebuildFacts();
    return store;
  }

  /** Derives the facts of tickets written before them or by another version of ticketFacts (conditional on the version). */
  private async rebuildFacts(): Promise<void> {
    for await (const doc of this.tickets.find({ factsVersion: { $ne: FACTS_VERSION } })) {
      const t = toTicket(doc);
      await this.tickets.updateOne({ _id: doc._id, version: doc.version }, { $set: { facts: ticketFacts(t), factsVersion: FACTS_VERSION } });
    }
  }

  async measureCounts(q: MeasureQuery): Promise<MeasureCounts[]> {
    return mongoMeasureCounts(this.tickets as unknown as Collection<Document>, q);
  }

  async dailyCounts(q: DailyQuery): Promise<DailyCount[]> {
    return mongoDailyCounts(this.tickets as unknown as Collection<Document>, q);
  }

  async placeTopicCounts(q: { fromMs: number; toMs: number }): Promise<PlaceTopicCount[]> {
    return mongoPlaceTopicCounts(this.tickets as unknown as Collection<Document>, q);
  }

  async createTicket(input: NewTicket, event: NewTicketEvent): Promise<CreateResult> {
    const existing = await this.tickets.findOne({ intakeKey: input.intakeKey });
    if (existing) return { ticket: toTicket(existing), created: false };
    const day = dayKey(new Date(input.receivedAt));
    const id = formatTicketNumber(day, await this.nextSequence('ticket:' + day));
    const ticket: Ticket = { ...input, id, version: 1, state: 'received', history: [{ ...event, seq: 1 }] };
    const doc: TicketDoc = { ...input, _id: id, version: 1, state: 'received', queue: null, history: ticket.history, facts: ticketFacts(ticket), factsVersion: FACTS_VERSION };
    try {
      await this.tickets.insertOne(doc);
      return { ticket: toTicket(doc), created: true };
    } catch (err) {
      // Two deliveries of the same confirmation raced: the other one stored it first.
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) {
        const winner = await this.tickets.findOne({ intakeKey: input.intakeKey });
        if (winner) return { ticket: toTicket(winner), created: false };
      }
      throw err;
    }
  }

  /** The next value of a counter. Two upserts creating the same counter race; the loser retries and increments. */
  private async nextSequence(name: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const counter = await this.counters.findOneAndUpdate({ _id: name }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' });
        return counter!.value;
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY) || attempt >= 3) throw err;
      }
    }
  }

  async getTicket(id: string): Promise<Ticket | null> {
    const doc = await this.tickets.findOne({ _id: id });
    return doc ? toTicket(doc) : null;
  }

  async updateTicket(id: string, expectedVersion: number, patch: TicketPatch, event: NewTicketEvent): Promise<Ticket> {
    return this.applyChange({ id, expectedVersion, patch, event });
  }

  /** One conditional change; in the caller's transaction when a session is given. */
  private async applyChange({ id, expectedVersion, patch, event }: TicketChange, session?: ClientSession): Promise<Ticket> {
    // The facts of the ticket as it will be go into the same single-document update (read first; the update is
    // conditional on the version read, so a change in between is a conflict as before).
    const current = await this.tickets.findOne({ _id: id }, { session });
    if (!current) throw new TicketNotFoundError(id);
    if (current.version !== expectedVersion) throw new VersionConflictError(id, expectedVersion);
    const next = JSON.parse(JSON.stringify({ ...toTicket(current), ...patch, version: expectedVersion + 1, history: [...current.history, { ...event, seq: expectedVersion + 1 }] })) as Ticket;
    const set: Record<string, unknown> = { version: expectedVersion + 1, facts: ticketFacts(next), factsVersion: FACTS_VERSION };
    const unset: Record<string, ''> = {};
    // A field patched to undefined is removed (as JSON.stringify drops it in the embedded store).
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) unset[k] = '';
      else set[k] = v;
    }
    if (patch.routing) set.queue = patch.routing.queue;
    // history.length === version always holds, so the new event's position is expectedVersion + 1.
    const updated = await this.tickets.findOneAndUpdate(
      { _id: id, version: expectedVersion },
      { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}), $push: { history: { ...event, seq: expectedVersion + 1 } } },
      { returnDocument: 'after', session },
    );
    if (updated) return toTicket(updated);
    const exists = await this.tickets.countDocuments({ _id: id }, { limit: 1, session });
    if (!exists) throw new TicketNotFoundError(id);
    throw new VersionConflictError(id, expectedVersion);
  }

  /** Set at connect: a replica set or a sharded cluster runs multi-document transactions; a standalone server does not. */
  atomicBatches = false;

  async updateTickets(changes: TicketChange[]): Promise<Ticket[]> {
    if (!this.atomicBatches) {
      const out: Ticket[] = [];
      for (const c of changes) out.push(await this.applyChange(c));
      return out;
    }
    const session = this.client.startSession();
    try {
      // withTransaction retries the whole function on a transient error (a failover, a write conflict with another
      // transaction); a VersionConflictError thrown inside aborts it and reaches the caller.
      return await session.withTransaction(async () => {
        const out: Ticket[] = [];
        for (const c of changes) out.push(await this.applyChange(c, session));
        return out;
      }, { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } });
    } finally {
      await session.endSession();
    }
  }

  appendEvent(id: string, expectedVersion: number, event: NewTicketEvent): Promise<Ticket> {
    return this.updateTicket(id, expectedVersion, {}, event);
  }

  async listTickets(query: TicketQuery): Promise<Ticket[]> {
    const filter: Record<string, unknown> = {};
    if (query.state?.length) filter.state = { $in: query.state };
    if (query.queue) filter.queue = query.queue;
    if (query.department) {
      // Tickets from before assignments existed count their routed unit as lead (as withAssignments reads them).
      filter.$and = [
        {
          $or: [
            { assignments: { $elemMatch: { department: query.department, state: { $nin: ['returned', 'withdrawn'] } } } },
            { assignments: { $exists: false }, 'routing.department': query.department },
          ],
        },
      ];
    }
    if (query.receivedBefore) filter.receivedAt = { $lt: query.receivedBefore };
    if (query.after) {
      const { receivedAt, id } = query.after;
      filter.$or = [{ receivedAt: { $gt: receivedAt } }, { receivedAt, _id: { $gt: id } }];
    }
    const docs = await this.tickets.find(filter).sort({ receivedAt: 1, _id: 1 }).limit(query.limit ?? 1000).toArray();
    return docs.map(toTicket);
  }

  async saveCorrection(c: Correction): Promise<void> {
    const { ticketId, ...rest } = c;
    await this.corrections.replaceOne({ _id: ticketId }, rest, { upsert: true });
  }

  async listCorrections(): Promise<Correction[]> {
    const docs = await this.corrections.find({}).sort({ at: 1, _id: 1 }).toArray();
    return docs.map(({ _id, ...rest }) => ({ ticketId: _id, ...rest }));
  }

  async saveNotification(n: Notification): Promise<boolean> {
    return (await this.saveNotifications([n])) === 1;
  }

  async saveNotifications(ns: Notification[]): Promise<number> {
    if (ns.length === 0) return 0;
    const r = await this.notifications.bulkWrite(
      ns.map(({ key, ...rest }) => ({ updateOne: { filter: { _id: key }, update: { $setOnInsert: rest }, upsert: true } })),
      { ordered: false },
    );
    return r.upsertedCount;
  }

  async listNotifications(query: NotificationQuery): Promise<Notification[]> {
    const filter: Record<string, unknown> = {};
    if (query.audience) filter.audience = query.audience;
    if (query.department) filter.department = query.department;
    if (query.ticketId) filter.ticketId = query.ticketId;
    const docs = await this.notifications.find(filter).sort({ at: -1, _id: 1 }).limit(query.limit ?? 200).toArray();
    return docs.map(({ _id, ...rest }) => ({ key: _id, ...rest }));
  }

  async createAccount(a: Account): Promise<boolean> {
    const { id, ...rest } = a;
    try {
      await this.accounts.insertOne({ _id: id, ...rest, username: a.username.toLowerCase() });
      return true;
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) return false;
      throw err;
    }
  }

  async getAccount(id: string): Promise<Account | null> {
    const d = await this.accounts.findOne({ _id: id });
    return d ? fromAccountDoc(d) : null;
  }

  async findAccountByUsername(username: string): Promise<Account | null> {
    const d = await this.accounts.findOne({ username: username.toLowerCase() });
    return d ? fromAccountDoc(d) : null;
  }

  async listAccounts(): Promise<Account[]> {
    return (await this.accounts.find({}).sort({ username: 1 }).toArray()).map(fromAccountDoc);
  }

  async updateAccount(id: string, patch: AccountPatch): Promise<Account | null> {
    const set: Record<string, unknown> = {};
    const unset: Record<string, ''> = {};
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) unset[k] = '';
      else set[k] = v;
    }
    const d = await this.accounts.findOneAndUpdate({ _id: id }, { ...(Object.keys(set).length ? { $set: set } : {}), ...(Object.keys(unset).length ? { $unset: unset } : {}) }, { returnDocument: 'after' });
    return d ? fromAccountDoc(d) : null;
  }

  async appendAudit(e: AuditEntry): Promise<void> {
    const { id, ...rest } = e;
    await this.audit.updateOne({ _id: id }, { $setOnInsert: rest }, { upsert: true });
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    const filter: Record<string, unknown> = {};
    if (query.actorId) filter.actorId = query.actorId;
    if (query.ticketId) filter.ticketId = query.ticketId;
    if (query.action) filter.action = query.action;
    if (query.before) filter.at = { $lt: query.before };
    const docs = await this.audit.find(filter).sort({ at: -1, _id: -1 }).limit(query.limit ?? 200).toArray();
    return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }

  async getSetting<T>(key: string): Promise<Setting<T> | null> {
    const d = await this.settings.findOne({ _id: key });
    if (!d) return null;
    const { _id, ...rest } = d;
    return { key: _id, ...rest } as Setting<T>;
  }

  async putSetting<T>(key: string, value: T, expectedVersion: number, by: string): Promise<Setting<T>> {
    const setting: Setting<T> = { key, value, version: expectedVersion + 1, updatedAt: new Date().toISOString(), updatedBy: by };
    const { key: _key, ...rest } = setting;
    if (expectedVersion === 0) {
      try {
        await this.settings.insertOne({ _id: key, ...rest });
      } catch (err) {
        if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) throw new SettingConflictError(key);
        throw err;
      }
      return setting;
    }
    const r = await this.settings.replaceOne({ _id: key, version: expectedVersion }, rest);
    if (r.modifiedCount !== 1) throw new SettingConflictError(key);
    return setting;
  }

  async ping(): Promise<void> {
    await this.client.db('admin').command({ ping: 1 });
  }

  /** Drops this store's collections: for tests only. */
  async dropAll(): Promise<void> {
    for (const c of [this.tickets, this.counters, this.corrections, this.notifications, this.accounts, this.audit, this.settings, (this.botState as MongoBotStorage).collection]) {
      await c.drop().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** botbuilder Storage on a MongoDB collection, eTag-conditional like botbuilder's MemoryStorage. */
class MongoBotStorage implements Storage {
  constructor(readonly collection: Collection<StateDoc>) {}

  async read(keys: string[]): Promise<StoreItems> {
    const docs = await this.collection.find({ _id: { $in: keys } }).toArray();
    const items: StoreItems = {};
    for (const d of docs) items[d._id] = { ...d.doc, eTag: d.etag };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    for (const [key, item] of Object.entries(changes)) {
      const { eTag, ...doc } = item as { eTag?: string };
      const etag = crypto.randomUUID();
      if (!eTag || eTag === '*') {
        await this.collection.replaceOne({ _id: key }, { etag, doc }, { upsert: true });
        continue;
      }
      const res = await this.collection.updateOne({ _id: key, etag: eTag }, { $set: { etag, doc } });
      if (res.matchedCount === 1) continue;
      // No current item with that eTag: like MemoryStorage, a missing item is simply created.
      try {
        await this.collection.insertOne({ _id: key, etag, doc });
      } catch (err) {
        if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) throw new StateConflictError(key);
        throw err;
      }
    }
  }

  async delete(keys: string[]): Promise<void> {
    await this.collection.deleteMany({ _id: { $in: keys } });
  }
}
