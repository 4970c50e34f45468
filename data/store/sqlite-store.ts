import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import type { Storage, StoreItems } from 'botbuilder';
import { dayKey, formatTicketNumber } from '../tickets/numbering';
import type { NewTicket, NewTicketEvent, Ticket, TicketPatch } from '../tickets/ticket';
import { StateConflictError, TicketNotFoundError, VersionConflictError } from './errors';
import type { Account, AccountPatch, AuditEntry, AuditQuery } from '../accounts/account';
import { activeAssignments, withAssignments } from '../tickets/lifecycle';
import { SettingConflictError, type Correction, type CreateResult, type DailyCount, type DailyQuery, type Notification, type NotificationQuery, type PlaceTopicCount, type Setting, type TicketChange, type TicketQuery, type TicketStore } from './types';
import type { MeasureCounts, MeasureQuery } from '../measures/measures';
import { SqliteFacts } from './sqlite-facts';

export interface SqliteStoreOptions {
  /** Database file. Its folder is created when missing. */
  file: string;
  /** How long a writer waits for another process's lock before failing, in ms. Default 10000. */
  busyTimeoutMs?: number;
  /**
   * FULL (default): every commit is fsync'd, so what was written survives a power cut. NORMAL: commits survive the
   * process dying but the last ones may be lost on a power cut; for processes whose writes are all re-derivable (the
   * worker processes: routing, escalations — see README, "Durability").
   */
  synchronous?: 'FULL' | 'NORMAL';
}

/** How long SQLite itself may block on another process's lock before retryBusy takes over, in ms. */
const SYNC_BUSY_MS = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tickets (
  id TEXT PRIMARY KEY,
  intake_key TEXT NOT NULL UNIQUE,
  version INTEGER NOT NULL,
  state TEXT NOT NULL,
  queue TEXT,
  received_at TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_state_received ON tickets(state, received_at);
CREATE INDEX IF NOT EXISTS tickets_queue_received ON tickets(queue, received_at);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bot_state (key TEXT PRIMARY KEY, etag TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS corrections (ticket_id TEXT PRIMARY KEY, at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notifications (key TEXT PRIMARY KEY, ticket_id TEXT NOT NULL, audience TEXT NOT NULL, department TEXT NOT NULL, at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS notifications_audience ON notifications(audience, department, at);
CREATE INDEX IF NOT EXISTS notifications_ticket ON notifications(ticket_id, at);
CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (id TEXT PRIMARY KEY, at TEXT NOT NULL, actor_id TEXT NOT NULL, ticket_id TEXT, action TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE INDEX IF NOT EXISTS audit_ticket ON audit(ticket_id, at);
CREATE INDEX IF NOT EXISTS audit_actor ON audit(actor_id, at);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, version INTEGER NOT NULL, doc TEXT NOT NULL);
`;

/** Units working on each ticket now (active assignments), so a unit's queue is an index lookup. */
const DEPARTMENTS_SCHEMA = `
CREATE TABLE ticket_departments (department TEXT NOT NULL, received_at TEXT NOT NULL, ticket_id TEXT NOT NULL, PRIMARY KEY (department, received_at, ticket_id));
CREATE INDEX ticket_departments_ticket ON ticket_departments(ticket_id);
`;

function workingUnits(ticket: Ticket): string[] {
  return [...new Set(activeAssignments(withAssignments(ticket)).map((a) => a.department))];
}

/**
 * The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a ticket confirmed to the citizen
 * survives a power cut, and several processes on one machine can share it (SQLite's file locks serialize writers).
 * Each ticket is one row holding the whole document, history included, so a change and its event commit together.
 */
export class SqliteStore implements TicketStore {
  readonly kind = 'sqlite' as const;
  readonly botState: Storage;
  private readonly db: Database.Database;
  private readonly facts: SqliteFacts;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly busyTimeoutMs: number;

  /**
   * Runs a write, retrying while another process holds the write lock (SQLITE_BUSY), yielding to the event loop
   * between attempts, until the busy timeout; then the error is thrown.
   */
  private async retryBusy<T>(fn: () => T): Promise<T> {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return fn();
      } catch (err) {
        if (!String((err as { code?: string }).code).startsWith('SQLITE_BUSY') || Date.now() > deadline) throw err;
        await new Promise((r) => (attempt < 4 ? setImmediate(r) : setTimeout(r, Math.min(attempt - 3, 10))));
      }
    }
  }

  /** A prepared statement, prepared once per SQL text (preparing costs more than running on the hot paths). */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }
  /** The connection conversation state is written on (see SqliteBotStorage). */
  private readonly stateDb: Database.Database;

  constructor(options: SqliteStoreOptions) {
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    // A writer waiting for another process's lock waits here, asynchronously (retryBusy), not in SQLite's busy
    // handler, which would block this process's event loop in sleeps of up to 100 ms.
    this.db.pragma(`busy_timeout = ${SYNC_BUSY_MS}`);
    this.busyTimeoutMs = options.busyTimeoutMs ?? 10000;
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    this.db.exec(SCHEMA);
    this.migrateDepartments();
    this.facts = new SqliteFacts(this.db);
    this.facts.rebuildIfStale(() => this.stmt('SELECT doc FROM tickets').iterate() as Iterable<{ doc: string }>);
    this.stateDb = new Database(options.file);
    this.stateDb.pragma(`busy_timeout = ${SYNC_BUSY_MS}`);
    this.stateDb.pragma('synchronous = NORMAL');
    this.botState = new SqliteBotStorage(this.stateDb, (fn) => this.retryBusy(fn));
  }

  /** Creates and fills the unit index for a database written before it existed. */
  private migrateDepartments(): void {
    const exists = this.stmt("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ticket_departments'").get();
    if (exists) return;
    this.db.transaction(() => {
      this.db.exec(DEPARTMENTS_SCHEMA);
      const insert = this.stmt('INSERT OR IGNORE INTO ticket_departments(department, received_at, ticket_id) VALUES (?, ?, ?)');
      for (const row of this.stmt('SELECT doc FROM tickets').iterate() as Iterable<{ doc: string }>) {
        const t: Ticket = JSON.parse(row.doc);
        for (const d of workingUnits(t)) insert.run(d, t.receivedAt, t.id);
      }
    }).immediate();
  }

  async createTicket(input: NewTicket, event: NewTicketEvent): Promise<CreateResult> {
    const run = this.db.transaction((): CreateResult => {
      const existing = this.stmt('SELECT doc FROM tickets WHERE intake_key = ?').get(input.intakeKey) as { doc: string } | undefined;
      if (existing) return { ticket: JSON.parse(existing.doc), created: false };
      const day = dayKey(new Date(input.receivedAt));
      const row = this.stmt('INSERT INTO counters(name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value')
        .get('ticket:' + day) as { value: number };
      const ticket: Ticket = {
        ...input,
        id: formatTicketNumber(day, row.value),
        version: 1,
        state: 'received',
        history: [{ ...event, seq: 1 }],
      };
      this.stmt('INSERT INTO tickets(id, intake_key, version, state, queue, received_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(ticket.id, ticket.intakeKey, ticket.version, ticket.state, null, ticket.receivedAt, JSON.stringify(ticket));
      this.facts.write(ticket);
      return { ticket, created: true };
    });
    return this.retryBusy(() => run.immediate());
  }

  /**
   * Loads whole tickets as they are (history included) in one transaction: a migration from the system a centre ran
   * before, or a benchmark's data. Existing ticket numbers are replaced. Not part of the TicketStore contract.
   */
  importTickets(tickets: Ticket[]): void {
    const insert = this.stmt('INSERT OR REPLACE INTO tickets(id, intake_key, version, state, queue, received_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const unit = this.stmt('INSERT OR IGNORE INTO ticket_departments(department, received_at, ticket_id) VALUES (?, ?, ?)');
    this.db
      .transaction(() => {
        for (const t of tickets) {
          insert.run(t.id, t.intakeKey, t.version, t.state, t.routing?.queue ?? null, t.receivedAt, JSON.stringify(t));
          for (const d of workingUnits(t)) unit.run(d, t.receivedAt, t.id);
          this.facts.write(t);
        }
      })
      .immediate();
  }

  async getTicket(id: string): Promise<Ticket | null> {
    const row = this.stmt('SELECT doc FROM tickets WHERE id = ?').get(id) as { doc: string } | undefined;
    return row ? JSON.parse(row.doc) : null;
  }

  /** One conditional change, inside the caller's transaction. */
  private applyChange({ id, expectedVersion, patch, event }: TicketChange): Ticket {
    const row = this.stmt('SELECT doc FROM tickets WHERE id = ?').get(id) as { doc: string } | undefined;
    if (!row) throw new TicketNotFoundError(id);
    const current: Ticket = JSON.parse(row.doc);
    if (current.version !== expectedVersion) throw new VersionConflictError(id, expectedVersion);
    const next: Ticket = {
      ...current,
      ...patch,
      version: expectedVersion + 1,
      history: [...current.history, { ...event, seq: current.history.length + 1 }],
    };
    const result = this.stmt('UPDATE tickets SET version = ?, state = ?, queue = ?, doc = ? WHERE id = ? AND version = ?')
      .run(next.version, next.state, next.routing?.queue ?? null, JSON.stringify(next), id, expectedVersion);
    if (result.changes !== 1) throw new VersionConflictError(id, expectedVersion);
    if (patch.assignments !== undefined || patch.routing !== undefined) {
      this.stmt('DELETE FROM ticket_departments WHERE ticket_id = ?').run(id);
      const insert = this.stmt('INSERT OR IGNORE INTO ticket_departments(department, received_at, ticket_id) VALUES (?, ?, ?)');
      for (const d of workingUnits(next)) insert.run(d, next.receivedAt, id);
    }
    this.facts.write(next);
    return next;
  }

  async updateTicket(id: string, expectedVersion: number, patch: TicketPatch, event: NewTicketEvent): Promise<Ticket> {
    const run = this.db.transaction((): Ticket => this.applyChange({ id, expectedVersion, patch, event }));
    return this.retryBusy(() => run.immediate());
  }

  readonly atomicBatches = true;

  async updateTickets(changes: TicketChange[]): Promise<Ticket[]> {
    const run = this.db.transaction((): Ticket[] => changes.map((c) => this.applyChange(c)));
    return this.retryBusy(() => run.immediate());
  }

  appendEvent(id: string, expectedVersion: number, event: NewTicketEvent): Promise<Ticket> {
    return this.updateTicket(id, expectedVersion, {}, event);
  }

  async listTickets(query: TicketQuery): Promise<Ticket[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.state?.length) {
      where.push(`state IN (${query.state.map(() => '?').join(',')})`);
      params.push(...query.state);
    }
    if (query.queue) {
      where.push('queue = ?');
      params.push(query.queue);
    }
    if (query.department) {
      where.push('id IN (SELECT ticket_id FROM ticket_departments WHERE department = ?)');
      params.push(query.department);
    }
    if (query.receivedBefore) {
      where.push('received_at < ?');
      params.push(query.receivedBefore);
    }
    if (query.after) {
      where.push('(received_at > ? OR (received_at = ? AND id > ?))');
      params.push(query.after.receivedAt, query.after.receivedAt, query.after.id);
    }
    const sql =
      'SELECT doc FROM tickets' +
      (where.length ? ' WHERE ' + where.join(' AND ') : '') +
      ' ORDER BY received_at, id LIMIT ?';
    params.push(query.limit ?? 1000);
    const rows = this.stmt(sql).all(...params) as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc));
  }

  async measureCounts(q: MeasureQuery): Promise<MeasureCounts[]> {
    return this.facts.measureCounts(q);
  }

  async dailyCounts(q: DailyQuery): Promise<DailyCount[]> {
    return this.facts.dailyCounts(q);
  }

  async placeTopicCounts(q: { fromMs: number; toMs: number }): Promise<PlaceTopicCount[]> {
    return this.facts.placeTopicCounts(q);
  }

  async saveCorrection(c: Correction): Promise<void> {
    await this.retryBusy(() =>
      this.stmt('INSERT INTO corrections(ticket_id, at, doc) VALUES (?, ?, ?) ON CONFLICT(ticket_id) DO UPDATE SET at = excluded.at, doc = excluded.doc').run(c.ticketId, c.at, JSON.stringify(c)),
    );
  }

  async listCorrections(): Promise<Correction[]> {
    const rows = this.stmt('SELECT doc FROM corrections ORDER BY at, ticket_id').all() as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc));
  }

  async saveNotification(n: Notification): Promise<boolean> {
    return (await this.saveNotifications([n])) === 1;
  }

  async saveNotifications(ns: Notification[]): Promise<number> {
    const stmt = this.stmt('INSERT INTO notifications(key, ticket_id, audience, department, at, doc) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING');
    return this.retryBusy(() => this.db.transaction(() => ns.reduce((added, n) => added + stmt.run(n.key, n.ticketId, n.audience, n.department, n.at, JSON.stringify(n)).changes, 0)).immediate());
  }

  async listNotifications(query: NotificationQuery): Promise<Notification[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.audience) {
      where.push('audience = ?');
      params.push(query.audience);
    }
    if (query.department) {
      where.push('department = ?');
      params.push(query.department);
    }
    if (query.ticketId) {
      where.push('ticket_id = ?');
      params.push(query.ticketId);
    }
    params.push(query.limit ?? 200);
    const rows = this.db
      .prepare('SELECT doc FROM notifications' + (where.length ? ' WHERE ' + where.join(' AND ') : '') + ' ORDER BY at DESC, key LIMIT ?')
      .all(...params) as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc));
  }

  async createAccount(a: Account): Promise<boolean> {
    const r = await this.retryBusy(() => this.stmt('INSERT INTO accounts(id, username, doc) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(a.id, a.username.toLowerCase(), JSON.stringify({ ...a, username: a.username.toLowerCase() })));
    return r.changes === 1;
  }

  async getAccount(id: string): Promise<Account | null> {
    const row = this.stmt('SELECT doc FROM accounts WHERE id = ?').get(id) as { doc: string } | undefined;
    return row ? JSON.parse(row.doc) : null;
  }

  async findAccountByUsername(username: string): Promise<Account | null> {
    const row = this.stmt('SELECT doc FROM accounts WHERE username = ?').get(username.toLowerCase()) as { doc: string } | undefined;
    return row ? JSON.parse(row.doc) : null;
  }

  async listAccounts(): Promise<Account[]> {
    return (this.stmt('SELECT doc FROM accounts ORDER BY username').all() as { doc: string }[]).map((r) => JSON.parse(r.doc));
  }

  async updateAccount(id: string, patch: AccountPatch): Promise<Account | null> {
    const run = this.db.transaction((): Account | null => {
      const row = this.stmt('SELECT doc FROM accounts WHERE id = ?').get(id) as { doc: string } | undefined;
      if (!row) return null;
      const next: Account = JSON.parse(JSON.stringify({ ...JSON.parse(row.doc), ...patch }));
      this.stmt('UPDATE accounts SET doc = ? WHERE id = ?').run(JSON.stringify(next), id);
      return next;
    });
    return this.retryBusy(() => run.immediate());
  }

  async appendAudit(e: AuditEntry): Promise<void> {
    await this.retryBusy(() => this.stmt('INSERT INTO audit(id, at, actor_id, ticket_id, action, doc) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING').run(e.id, e.at, e.actorId, e.ticketId ?? null, e.action, JSON.stringify(e)));
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.actorId) {
      where.push('actor_id = ?');
      params.push(query.actorId);
    }
    if (query.ticketId) {
      where.push('ticket_id = ?');
      params.push(query.ticketId);
    }
    if (query.action) {
      where.push('action = ?');
      params.push(query.action);
    }
    if (query.before) {
      where.push('at < ?');
      params.push(query.before);
    }
    params.push(query.limit ?? 200);
    const rows = this.stmt('SELECT doc FROM audit' + (where.length ? ' WHERE ' + where.join(' AND ') : '') + ' ORDER BY at DESC, id DESC LIMIT ?').all(...params) as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc));
  }

  async getSetting<T>(key: string): Promise<Setting<T> | null> {
    const row = this.stmt('SELECT doc FROM settings WHERE key = ?').get(key) as { doc: string } | undefined;
    return row ? JSON.parse(row.doc) : null;
  }

  async putSetting<T>(key: string, value: T, expectedVersion: number, by: string): Promise<Setting<T>> {
    const setting: Setting<T> = { key, value, version: expectedVersion + 1, updatedAt: new Date().toISOString(), updatedBy: by };
    const changes = await this.retryBusy(() =>
      expectedVersion === 0
        ? this.stmt('INSERT INTO settings(key, version, doc) VALUES (?, 1, ?) ON CONFLICT DO NOTHING').run(key, JSON.stringify(setting)).changes
        : this.stmt('UPDATE settings SET version = ?, doc = ? WHERE key = ? AND version = ?').run(setting.version, JSON.stringify(setting), key, expectedVersion).changes,
    );
    if (changes !== 1) throw new SettingConflictError(key);
    return setting;
  }

  async ping(): Promise<void> {
    this.stmt('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.stateDb.open) this.stateDb.close();
    if (this.db.open) this.db.close();
  }
}

/** botbuilder Storage on the same SQLite file, with the eTag rules of botbuilder's MemoryStorage. */
/**
 * Conversation state on its own connection to the same file, with synchronous=NORMAL: in WAL mode a commit is then
 * durable against the process dying (kill -9 loses nothing) but not fsync'd at once, so a power cut may lose the last
 * seconds of conversations (the citizen types again) — never a ticket, whose connection stays synchronous=FULL. It
 * saves an fsync on every turn of every conversation.
 */
class SqliteBotStorage implements Storage {
  private readonly getRow: Database.Statement;
  private readonly getEtag: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;

  constructor(private readonly db: Database.Database, private readonly retryBusy: <T>(fn: () => T) => Promise<T>) {
    this.getRow = db.prepare('SELECT etag, doc FROM bot_state WHERE key = ?');
    this.getEtag = db.prepare('SELECT etag FROM bot_state WHERE key = ?');
    this.upsert = db.prepare('INSERT INTO bot_state(key, etag, doc) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET etag = excluded.etag, doc = excluded.doc');
    this.remove = db.prepare('DELETE FROM bot_state WHERE key = ?');
  }

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    const stmt = this.getRow;
    for (const key of keys) {
      const row = stmt.get(key) as { etag: string; doc: string } | undefined;
      if (row) items[key] = { ...JSON.parse(row.doc), eTag: row.etag };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    const run = this.db.transaction(() => {
      for (const [key, item] of Object.entries(changes)) {
        const { eTag, ...doc } = item as { eTag?: string };
        const etag = crypto.randomUUID();
        const old = this.getEtag.get(key) as { etag: string } | undefined;
        if (old && eTag && eTag !== '*' && eTag !== old.etag) throw new StateConflictError(key);
        this.upsert.run(key, etag, JSON.stringify(doc));
      }
    });
    await this.retryBusy(() => run.immediate());
  }

  async delete(keys: string[]): Promise<void> {
    await this.retryBusy(() => this.db.transaction(() => keys.forEach((k) => this.remove.run(k))).immediate());
  }
}
