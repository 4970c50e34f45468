import * as crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StateConflictError, TicketNotFoundError, VersionConflictError } from '../data/store/errors';
import { MongoStore } from '../data/store/mongo-store';
import { SqliteStore } from '../data/store/sqlite-store';
import { SettingConflictError, type TicketStore } from '../data/store/types';
import type { Routing } from '../data/tickets/ticket';
import { tempDir } from './helpers/harness';
import { newTicket, receivedEvent } from './helpers/ticket-fixtures';

interface StoreFactory {
  /** Opens the store; reopening returns a new connection to the same data. */
  open(): Promise<TicketStore>;
  destroy(): Promise<void>;
}

const routing: Routing = {
  department: 'urban-management',
  queue: 'urban-management',
  confidence: 0.9,
  candidates: [{ department: 'urban-management', confidence: 0.9 }],
  modelVersion: 'nb-test',
  routedAt: '2026-11-22T02:00:01.000Z',
};
const event = (action: string) => ({ at: '2026-11-22T02:00:01.000Z', actor: { id: 'x', role: 'system' as const }, action });

/** The contract every store implementation passes. */
function storeContract(factory: StoreFactory) {
  let store: TicketStore;
  beforeAll(async () => void (store = await factory.open()));
  afterAll(async () => {
    await store.close();
    await factory.destroy();
  });

  it('creates a ticket with a number, version 1, state received and its first event', async () => {
    const { ticket, created } = await store.createTicket(newTicket(), receivedEvent());
    expect(created).toBe(true);
    expect(ticket.id).toMatch(/^261122\d{4,}$/);
    expect(ticket.version).toBe(1);
    expect(ticket.state).toBe('received');
    expect(ticket.history).toEqual([{ ...receivedEvent(), seq: 1 }]);
    expect(await store.getTicket(ticket.id)).toEqual(ticket);
  });

  it('is idempotent on the intake key', async () => {
    const input = newTicket();
    const first = await store.createTicket(input, receivedEvent());
    const again = await store.createTicket(input, receivedEvent());
    const concurrent = await Promise.all([1, 2, 3].map(() => store.createTicket(input, receivedEvent())));
    expect(again.created).toBe(false);
    expect(again.ticket.id).toBe(first.ticket.id);
    expect(concurrent.every((c) => c.ticket.id === first.ticket.id && !c.created)).toBe(true);
  });

  it('numbers tickets uniquely and per day of receipt in Asia/Shanghai', async () => {
    const made = await Promise.all(Array.from({ length: 20 }, () => store.createTicket(newTicket({ receivedAt: '2026-11-24T15:59:00.000Z' }), receivedEvent())));
    const ids = made.map((m) => m.ticket.id);
    expect(new Set(ids).size).toBe(20);
    expect(ids.every((id) => id.startsWith('261124'))).toBe(true);
    // 16:00 UTC is already the next day in Shanghai.
    const next = await store.createTicket(newTicket({ receivedAt: '2026-11-24T16:00:00.000Z' }), receivedEvent());
    expect(next.ticket.id).toBe('2611250001');
  });

  it('returns null for a missing ticket', async () => {
    expect(await store.getTicket('0000000000')).toBeNull();
  });

  it('updates conditionally on the version and appends one event', async () => {
    const { ticket } = await store.createTicket(newTicket(), receivedEvent());
    const updated = await store.updateTicket(ticket.id, 1, { state: 'dispatched', routing }, { ...event('dispatched'), from: 'received', to: 'dispatched' });
    expect(updated.version).toBe(2);
    expect(updated.state).toBe('dispatched');
    expect(updated.routing).toEqual(routing);
    expect(updated.history.map((e) => [e.seq, e.action])).toEqual([[1, 'received'], [2, 'dispatched']]);
    expect(await store.getTicket(ticket.id)).toEqual(updated);
    await expect(store.updateTicket(ticket.id, 1, { state: 'dispatched' }, event('again'))).rejects.toBeInstanceOf(VersionConflictError);
    await expect(store.updateTicket('0000000000', 1, {}, event('x'))).rejects.toBeInstanceOf(TicketNotFoundError);
    expect((await store.getTicket(ticket.id))!.history).toHaveLength(2);
  });

  it('lets exactly one of two concurrent updates of the same version win', async () => {
    const { ticket } = await store.createTicket(newTicket(), receivedEvent());
    const results = await Promise.allSettled([
      store.updateTicket(ticket.id, 1, { state: 'dispatched', routing }, event('a')),
      store.updateTicket(ticket.id, 1, { state: 'dispatched', routing }, event('b')),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(VersionConflictError);
    const stored = (await store.getTicket(ticket.id))!;
    expect(stored.version).toBe(2);
    expect(stored.history).toHaveLength(2);
  });

  it('appends events without changing state', async () => {
    const { ticket } = await store.createTicket(newTicket(), receivedEvent());
    const t = await store.appendEvent(ticket.id, 1, event('citizen-notified'));
    expect(t.state).toBe('received');
    expect(t.version).toBe(2);
    expect(t.history[1]).toMatchObject({ seq: 2, action: 'citizen-notified' });
  });

  it('lists tickets by state, queue and receipt time, oldest first', async () => {
    const a = (await store.createTicket(newTicket({ receivedAt: '2026-11-20T01:00:00.000Z' }), receivedEvent())).ticket;
    const b = (await store.createTicket(newTicket({ receivedAt: '2026-11-20T00:00:00.000Z' }), receivedEvent())).ticket;
    await store.updateTicket(a.id, 1, { state: 'dispatched', routing: { ...routing, queue: 'q-list-test' } }, event('dispatched'));
    const inQueue = await store.listTickets({ queue: 'q-list-test' });
    expect(inQueue.map((t) => t.id)).toEqual([a.id]);
    const old = await store.listTickets({ state: ['received'], receivedBefore: '2026-11-20T12:00:00.000Z' });
    expect(old.map((t) => t.id)).toEqual([b.id]);
    expect((await store.listTickets({ limit: 2 })).length).toBe(2);
  });

  it('keeps bot state with eTag concurrency', async () => {
    const s = store.botState;
    expect(await s.read(['conv/1'])).toEqual({});
    await s.write({ 'conv/1': { step: 1 } });
    const first = (await s.read(['conv/1']))['conv/1'];
    expect(first.step).toBe(1);
    expect(typeof first.eTag).toBe('string');
    await s.write({ 'conv/1': { ...first, step: 2 } });
    await expect(s.write({ 'conv/1': { ...first, step: 3 } })).rejects.toBeInstanceOf(StateConflictError);
    await s.write({ 'conv/1': { step: 4, eTag: '*' } });
    expect((await s.read(['conv/1']))['conv/1'].step).toBe(4);
    await s.delete(['conv/1']);
    expect(await s.read(['conv/1'])).toEqual({});
  });

  it('keeps what it stored across a reopen', async () => {
    const { ticket } = await store.createTicket(newTicket(), receivedEvent());
    const other = await factory.open();
    try {
      expect(await other.getTicket(ticket.id)).toEqual(ticket);
    } finally {
      await other.close();
    }
  });

  it('keeps one correction per ticket, the latest winning, oldest first', async () => {
    const base = {
      text: '小区门口占道卖菜',
      previousDepartment: null,
      source: 'manual-dispatch' as const,
      type: '投诉' as const,
      urgent: false,
      enterprise: false,
      actor: { id: 'dispatcher-1', role: 'dispatcher' as const },
    };
    await store.saveCorrection({ ...base, ticketId: 'C2', department: 'market-regulation', at: '2026-11-22T03:00:00.000Z' });
    await store.saveCorrection({ ...base, ticketId: 'C1', department: 'housing-construction', at: '2026-11-22T02:00:00.000Z' });
    await store.saveCorrection({ ...base, ticketId: 'C1', department: 'urban-management', previousDepartment: 'housing-construction', source: 'redispatch', at: '2026-11-22T04:00:00.000Z' });
    await store.saveCorrection({ ...base, ticketId: 'C1', department: 'urban-management', previousDepartment: 'housing-construction', source: 'redispatch', at: '2026-11-22T04:00:00.000Z' });
    const all = await store.listCorrections();
    expect(all.map((c) => [c.ticketId, c.department, c.source])).toEqual([
      ['C2', 'market-regulation', 'manual-dispatch'],
      ['C1', 'urban-management', 'redispatch'],
    ]);
    expect(all[1]).toEqual({ ...base, ticketId: 'C1', department: 'urban-management', previousDepartment: 'housing-construction', source: 'redispatch', at: '2026-11-22T04:00:00.000Z' });
  });

  it('pages through tickets in (receivedAt, id) order without gaps or repeats', async () => {
    const receivedAt = '2026-10-01T01:00:00.000Z';
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await store.createTicket(newTicket({ receivedAt: i < 3 ? receivedAt : '2026-10-01T02:00:00.000Z' }), receivedEvent())).ticket.id);
    const seen: string[] = [];
    let after: { receivedAt: string; id: string } | undefined;
    for (;;) {
      const page = await store.listTickets({ receivedBefore: '2026-10-02T00:00:00.000Z', after, limit: 2 });
      if (!page.length) break;
      seen.push(...page.map((t) => t.id));
      after = { receivedAt: page.at(-1)!.receivedAt, id: page.at(-1)!.id };
    }
    expect(seen.filter((id) => made.includes(id))).toEqual(made);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('removes a field patched to undefined (a ticket no longer waiting)', async () => {
    const { ticket } = await store.createTicket(newTicket(), receivedEvent());
    const waiting = await store.updateTicket(ticket.id, 1, { waiting: { since: '2026-11-22T03:00:00.000Z', by: { id: 'd', role: 'dispatcher' }, reason: '等待补充材料' } }, event('waiting'));
    expect(waiting.waiting?.reason).toBe('等待补充材料');
    const resumed = await store.updateTicket(ticket.id, 2, { waiting: undefined }, event('resumed'));
    expect(resumed.waiting).toBeUndefined();
    expect((await store.getTicket(ticket.id))!.waiting).toBeUndefined();
  });

  it('keeps each notification once per key, newest first, by audience, unit and ticket', async () => {
    const n = { ticketId: 'N1', audience: 'department' as const, department: 'water-supply', level: 'yellow', text: '【黄灯预警】' };
    expect(await store.saveNotification({ ...n, key: 'N1.a', at: '2026-11-22T02:00:00.000Z' })).toBe(true);
    expect(await store.saveNotification({ ...n, key: 'N1.a', at: '2026-11-22T02:00:00.000Z' })).toBe(false);
    expect(await store.saveNotification({ ...n, key: 'N1.b', at: '2026-11-22T03:00:00.000Z', audience: 'supervision', level: 'supervision' })).toBe(true);
    expect((await store.listNotifications({ ticketId: 'N1' })).map((x) => x.key)).toEqual(['N1.b', 'N1.a']);
    expect(await store.saveNotifications([{ ...n, key: 'N1.a', at: '2026-11-22T02:00:00.000Z' }, { ...n, key: 'N1.c', at: '2026-11-22T01:00:00.000Z' }])).toBe(1);
    expect((await store.listNotifications({ ticketId: 'N1' })).map((x) => x.key)).toEqual(['N1.b', 'N1.a', 'N1.c']);
    expect(await store.listNotifications({ audience: 'supervision', department: 'water-supply', ticketId: 'N1' })).toEqual([
      { ...n, key: 'N1.b', at: '2026-11-22T03:00:00.000Z', audience: 'supervision', level: 'supervision' },
    ]);
  });

  it('lists the tickets a unit works on now: lead or supporting, not after it returned them', async () => {
    const unit = 'u' + Date.now().toString(36);
    const deadlines = { ack: '2026-11-23T23:59:59+08:00', reply: '2026-12-04T23:59:59+08:00', provisional: false };
    const assignment = (department: string, role: 'lead' | 'support', state: 'dispatched' | 'returned' = 'dispatched') => ({ department, role, state, assignedAt: '2026-11-22T02:00:01.000Z', deadlines });
    const a = (await store.createTicket(newTicket(), receivedEvent())).ticket;
    const b = (await store.createTicket(newTicket(), receivedEvent())).ticket;
    const c = (await store.createTicket(newTicket(), receivedEvent())).ticket;
    await store.updateTicket(a.id, 1, { state: 'dispatched', assignments: [assignment(unit, 'lead')] }, event('dispatched'));
    await store.updateTicket(b.id, 1, { state: 'dispatched', assignments: [assignment('other-' + unit, 'lead'), assignment(unit, 'support')] }, event('dispatched'));
    await store.updateTicket(c.id, 1, { state: 'dispatched', assignments: [assignment(unit, 'lead')] }, event('dispatched'));
    expect((await store.listTickets({ department: unit })).map((t) => t.id)).toEqual([a.id, b.id, c.id]);
    await store.updateTicket(c.id, 2, { state: 'returned', assignments: [assignment(unit, 'lead', 'returned')] }, event('returned'));
    expect((await store.listTickets({ department: unit })).map((t) => t.id)).toEqual([a.id, b.id]);
    expect((await store.listTickets({ department: 'other-' + unit })).map((t) => t.id)).toEqual([b.id]);
  });

  it('keeps accounts with unique usernames (any case) and changes them', async () => {
    const name = 'agent' + Date.now().toString(36);
    const account = { id: crypto.randomUUID(), username: name.toUpperCase(), displayName: '张三', role: 'agent' as const, department: 'water-supply', passwordHash: 'scrypt$x', disabled: false, createdAt: '2026-11-22T02:00:00.000Z', updatedAt: '2026-11-22T02:00:00.000Z' };
    expect(await store.createAccount(account)).toBe(true);
    expect(await store.createAccount({ ...account, id: crypto.randomUUID() })).toBe(false);
    expect((await store.findAccountByUsername(name))?.id).toBe(account.id);
    expect((await store.getAccount(account.id))?.username).toBe(name);
    const changed = await store.updateAccount(account.id, { disabled: true, department: undefined, role: 'dispatcher' });
    expect(changed).toMatchObject({ disabled: true, role: 'dispatcher', displayName: '张三' });
    expect(changed!.department).toBeUndefined();
    expect((await store.getAccount(account.id))!.department).toBeUndefined();
    expect(await store.updateAccount('missing', { disabled: true })).toBeNull();
    expect((await store.listAccounts()).some((a) => a.id === account.id)).toBe(true);
  });

  it('keeps settings versioned: a save over a changed setting is refused', async () => {
    const key = 'k-' + crypto.randomUUID();
    expect(await store.getSetting(key)).toBeNull();
    const first = await store.putSetting(key, { a: 1 }, 0, 'admin');
    expect(first).toMatchObject({ key, value: { a: 1 }, version: 1, updatedBy: 'admin' });
    await expect(store.putSetting(key, { a: 2 }, 0, 'other')).rejects.toThrow(SettingConflictError);
    expect((await store.putSetting(key, { a: 3 }, 1, 'admin')).version).toBe(2);
    await expect(store.putSetting(key, { a: 4 }, 1, 'other')).rejects.toThrow(SettingConflictError);
    expect(await store.getSetting(key)).toMatchObject({ value: { a: 3 }, version: 2 });
  });

  it('keeps the audit log append-only, newest first, by actor, ticket and action', async () => {
    const actor = 'act-' + crypto.randomUUID();
    const entry = (id: string, at: string, action: string, ticketId?: string) => ({ id, at, actorId: actor, actorName: '李四', role: 'agent' as const, action, ticketId, outcome: 'ok' as const });
    await store.appendAudit(entry(actor + '1', '2026-11-22T02:00:00.000Z', 'login'));
    await store.appendAudit(entry(actor + '2', '2026-11-22T03:00:00.000Z', 'ticket.acknowledge', 'T-' + actor));
    await store.appendAudit(entry(actor + '2', '2026-11-22T09:00:00.000Z', 'changed'));
    expect((await store.listAudit({ actorId: actor })).map((e) => e.action)).toEqual(['ticket.acknowledge', 'login']);
    expect((await store.listAudit({ ticketId: 'T-' + actor })).map((e) => e.id)).toEqual([actor + '2']);
    expect((await store.listAudit({ actorId: actor, before: '2026-11-22T03:00:00.000Z' })).map((e) => e.id)).toEqual([actor + '1']);
    expect((await store.listAudit({ actorId: actor, action: 'login' })).length).toBe(1);
  });
}

describe('embedded SQLite store', () => {
  const dir = tempDir('store');
  storeContract({
    open: async () => new SqliteStore({ file: path.join(dir, 'store.sqlite') }),
    destroy: async () => fs.rmSync(dir, { recursive: true, force: true }),
  });

  it('hands out unique ticket numbers to several processes writing at once', async () => {
    const file = path.join(tempDir('store-mp'), 'shared.sqlite');
    new SqliteStore({ file }).close();
    const script = path.join(__dirname, 'helpers', 'create-tickets-child.js');
    const runs = await Promise.all(
      [0, 1, 2, 3].map(
        (n) =>
          new Promise<string[]>((resolve, reject) => {
            const child = spawn(process.execPath, [script, file, String(n), '60'], { stdio: ['ignore', 'pipe', 'inherit'] });
            let out = '';
            child.stdout.on('data', (d) => (out += d));
            child.on('exit', (code) => (code === 0 ? resolve(out.trim().split('\n')) : reject(new Error('child exited ' + code))));
          }),
      ),
    );
    const ids = runs.flat();
    expect(ids).toHaveLength(240);
    expect(new Set(ids).size).toBe(240);
    const store = new SqliteStore({ file });
    expect((await store.listTickets({ limit: 1000 })).length).toBe(240);
    await store.close();
  });
});

const mongoUri = process.env.MONGODB_URI;
const mongoReason = 'MONGODB_URI is not set; set it to a MongoDB server to run the contract suite on MongoDB';
(mongoUri ? describe : describe.skip)(mongoUri ? 'MongoDB store' : `MongoDB store (skipped: ${mongoReason})`, () => {
  const prefix = `test_${process.pid}_${Date.now()}_`;
  let first: MongoStore | undefined;
  storeContract({
    open: async () => {
      const s = await MongoStore.connect({ uri: mongoUri!, dbName: 'hotline_test', collectionPrefix: prefix });
      first ??= s;
      return s;
    },
    destroy: async () => {
      const s = await MongoStore.connect({ uri: mongoUri!, dbName: 'hotline_test', collectionPrefix: prefix });
      await s.dropAll();
      await s.close();
    },
  });
});
if (!mongoUri) console.warn(`[store-contract] MongoDB run skipped: ${mongoReason}.`);
