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
import { measuresOf } from '../data/measures/measures';

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

  it('changes several tickets together, each conditional on its version', async () => {
    const a = (await store.createTicket(newTicket(), receivedEvent())).ticket;
    const b = (await store.createTicket(newTicket(), receivedEvent())).ticket;
    const [a2, b2] = await store.updateTickets([
      { id: a.id, expectedVersion: 1, patch: { state: 'merged', mergedInto: b.id }, event: event('merged') },
      { id: b.id, expectedVersion: 1, patch: { mergedFrom: [a.id] }, event: event('absorbed') },
    ]);
    expect([a2.version, a2.state, b2.version, b2.mergedFrom]).toEqual([2, 'merged', 2, [a.id]]);
    expect(await store.getTicket(a.id)).toEqual(a2);
    expect(await store.getTicket(b.id)).toEqual(b2);
    // The second change is stale: the first is not written either where the store is all-or-none.
    const c = (await store.createTicket(newTicket(), receivedEvent())).ticket;
    await expect(
      store.updateTickets([
        { id: c.id, expectedVersion: 1, patch: { state: 'merged', mergedInto: b.id }, event: event('merged') },
        { id: b.id, expectedVersion: 1, patch: { mergedFrom: [a.id, c.id] }, event: event('absorbed') },
      ]),
    ).rejects.toMatchObject({ code: 'VERSION_CONFLICT', ticketId: b.id });
    if (store.atomicBatches) expect(await store.getTicket(c.id)).toEqual(c);
    expect((await store.getTicket(b.id))!.version).toBe(2);
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

  describe('measures, counted by the store from the facts kept with every write (hand-built fixtures, numbers worked out below)', () => {
    // March 2030 (Asia/Shanghai); "now" is 10 April. Units: A = urban-management, B = water-supply.
    const A = 'urban-management';
    const B = 'water-supply';
    const fromMs = Date.parse('2030-03-01T00:00:00+08:00');
    const toMs = Date.parse('2030-04-01T00:00:00+08:00');
    const nowMs = Date.parse('2030-04-10T00:00:00+08:00');
    const ids: Record<string, string> = {};

    type A = import('../data/tickets/ticket').Assignment;
    const lead = (department: string, assignedAt: string, o: Partial<A> = {}): A => ({
      department,
      role: 'lead',
      state: 'dispatched',
      assignedAt,
      deadlines: { ack: new Date(Date.parse(assignedAt) + 86_400_000).toISOString(), reply: new Date(Date.parse(assignedAt) + 10 * 86_400_000).toISOString(), provisional: false },
      ...o,
    });
    const at = (iso: string, plusHours: number) => new Date(Date.parse(iso) + plusHours * 3600_000).toISOString();

    async function make(name: string, receivedAt: string, patch: import('../data/tickets/ticket').TicketPatch, extra: Partial<import('../data/tickets/ticket').NewTicket> = {}) {
      const { ticket } = await store.createTicket(newTicket({ receivedAt, ...extra }), receivedEvent(receivedAt));
      ids[name] = ticket.id;
      if (Object.keys(patch).length) await store.updateTicket(ticket.id, 1, patch, event('fixture'));
    }

    beforeAll(async () => {
      const d1 = '2030-03-05T02:00:00.000Z';
      const d2 = '2030-03-06T02:00:00.000Z';
      const d3 = '2030-03-07T02:00:00.000Z';
      // T1: A signed for in time, answered in time (120 working minutes), 满意 and solved.
      await make('T1', d1, { state: 'closed', closure: 'rated', assignments: [lead(A, d1, { state: 'replied', acknowledgedAt: at(d1, 1), repliedAt: at(d1, 48), handlingMinutes: 120 })], ratings: [{ at: at(d1, 50), satisfaction: '满意', solved: true }], routing: { ...routing, place: '幸福路', topic: '餐饮油烟扰民' } });
      // T2: A signed for late, answered late (600), 不满意 and not solved, reopened once.
      await make('T2', d1, { state: 'replied', assignments: [lead(A, d1, { state: 'replied', acknowledgedAt: at(d1, 30), repliedAt: at(d1, 300), handlingMinutes: 600 })], ratings: [{ at: at(d1, 301), satisfaction: '不满意', solved: false }], reopened: 1, routing: { ...routing, place: '幸福路', topic: '餐饮油烟扰民' } });
      // T3: A returned it (not signed for); B got it, signed in time, has not answered, and its reply deadline has passed.
      await make('T3', d2, { state: 'acknowledged', assignments: [lead(A, d2, { state: 'returned' }), lead(B, at(d2, 5), { state: 'acknowledged', acknowledgedAt: at(d2, 6) })], routing: { ...routing, place: '滨河路', topic: '污水偷排' } }, { type: '举报', proposedType: '举报' });
      // T4: B has not signed for it; its acknowledge deadline has passed, the reply deadline (20 April) has not.
      await make('T4', d2, { state: 'dispatched', assignments: [lead(B, d2, { deadlines: { ack: '2030-03-20T00:00:00.000Z', reply: '2030-04-20T00:00:00.000Z', provisional: false } })] }, { type: '咨询', proposedType: '咨询' });
      // T5: an enterprise appeal (融资信贷): A answered in time (60), 基本满意 and solved.
      await make('T5', d3, { state: 'closed', closure: 'rated', assignments: [lead(A, d3, { state: 'replied', acknowledgedAt: at(d3, 0.5), repliedAt: at(d3, 20), handlingMinutes: 60 })], ratings: [{ at: at(d3, 21), satisfaction: '基本满意', solved: true }] }, { type: '求助', proposedType: '求助', enterprise: true, enterpriseInfo: { creditCode: '91350100M000100Y43', name: '示例公司', category: '融资信贷' } });
      // T6: received, still with the dispatch centre.
      await make('T6', d3, { state: 'dispatched' });
      // T7: dispatched to A in February, still open and overdue now; outside the period.
      await make('T7', '2030-02-10T02:00:00.000Z', { state: 'dispatched', assignments: [lead(A, '2030-02-10T02:00:00.000Z')] });
    });

    it('counts per unit and for all units as the definitions say', async () => {
      const rows = await store.measureCounts({ fromMs, toMs, nowMs });
      const byUnit = new Map(rows.map((r) => [r.department, r]));
      // A: T1, T2, T3 (returned), T5 dispatched in March; T7 is outside the period but overdue now.
      expect(byUnit.get(A)).toEqual({
        department: A, received: 4, dispatched: 4, ackOnTime: 2, returned: 1, due: 3, repliedOnTime: 2, replied: 3, answered: 3, reopened: 1,
        rated: 3, satisfied: 2, solved: 2, handled: 3, handlingTotalMinutes: 780, handlingP90Minutes: 600, overdueNow: 1,
      });
      // B: T3 (second lead, reply due and missed), T4 (ack missed, reply not yet due); both overdue now.
      expect(byUnit.get(B)).toEqual({
        department: B, received: 2, dispatched: 2, ackOnTime: 1, returned: 0, due: 1, repliedOnTime: 0, replied: 0, answered: 0, reopened: 0,
        rated: 0, satisfied: 0, solved: 0, handled: 0, handlingTotalMinutes: 0, handlingP90Minutes: null, overdueNow: 2,
      });
      // All units: received counts tickets the centre received in March (T1–T6), the rest sums the unit rows.
      // Overdue now is not bound to the period: the other tests' open tickets (due in 2026) count too.
      expect(byUnit.get('*')).toEqual({
        department: '*', received: 6, dispatched: 6, ackOnTime: 3, returned: 1, due: 4, repliedOnTime: 2, replied: 3, answered: 3, reopened: 1,
        rated: 3, satisfied: 2, solved: 2, handled: 3, handlingTotalMinutes: 780, handlingP90Minutes: 600, overdueNow: expect.any(Number),
      });
      expect(byUnit.get('*')!.overdueNow).toBe(rows.filter((r) => r.department !== '*').reduce((a, r) => a + r.overdueNow, 0));
      expect(byUnit.get('*')!.overdueNow).toBeGreaterThanOrEqual(3);
      const m = measuresOf(byUnit.get(A)!);
      expect(m).toMatchObject({ responseRate: 0.5, resolutionRate: 2 / 3, satisfactionRate: 2 / 3, onTimeRate: 2 / 3, returnRate: 0.25, reopenRate: 1 / 3, avgHandlingHours: 4.3, p90HandlingHours: 10, overdueNow: 1 });
    });

    it('restricts to enterprise appeals and to a category', async () => {
      const rows = await store.measureCounts({ fromMs, toMs, nowMs, enterprise: true, category: '融资信贷' });
      expect(rows.find((r) => r.department === '*')).toMatchObject({ received: 1, dispatched: 1, ackOnTime: 1, repliedOnTime: 1, rated: 1, satisfied: 1, solved: 1, handlingP90Minutes: 60, overdueNow: 0 });
      expect(rows.map((r) => r.department).sort()).toEqual(['*', A]);
      const byCategory = await store.measureCounts({ fromMs, toMs, nowMs, enterprise: true, groupBy: 'category' });
      expect(byCategory.map((r) => r.department).sort()).toEqual(['*', '融资信贷']);
      expect(byCategory.find((r) => r.department === '融资信贷')).toMatchObject({ dispatched: 1, repliedOnTime: 1, handlingP90Minutes: 60 });
    });

    it('follows a later change of a ticket: its facts are written with it', async () => {
      const t4 = (await store.getTicket(ids.T4))!;
      await store.updateTicket(t4.id, t4.version, { state: 'acknowledged', assignments: [{ ...t4.assignments![0], state: 'acknowledged', acknowledgedAt: '2030-03-06T03:00:00.000Z' }] }, event('acknowledged'));
      const b = (await store.measureCounts({ fromMs, toMs, nowMs })).find((r) => r.department === B)!;
      expect(b).toMatchObject({ ackOnTime: 2, overdueNow: 1 });
      expect(await store.getTicket(t4.id)).not.toHaveProperty('facts');
    });

    it('counts tickets per day by type and by unit, and per place and topic', async () => {
      const byType = await store.dailyCounts({ fromMs, toMs, by: 'type' });
      expect(byType).toEqual([
        { day: '2030-03-05', key: '投诉', count: 2 },
        { day: '2030-03-06', key: '咨询', count: 1 },
        { day: '2030-03-06', key: '举报', count: 1 },
        { day: '2030-03-07', key: '投诉', count: 1 },
        { day: '2030-03-07', key: '求助', count: 1 },
      ].sort((x, y) => x.day.localeCompare(y.day) || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)));
      const byUnit = await store.dailyCounts({ fromMs, toMs, by: 'department' });
      expect(byUnit.filter((r) => r.day === '2030-03-06')).toEqual([{ day: '2030-03-06', key: B, count: 2 }]);
      expect((await store.dailyCounts({ fromMs, toMs, by: 'category' }))).toEqual([{ day: '2030-03-07', key: '融资信贷', count: 1 }]);
      const hot = await store.placeTopicCounts({ fromMs, toMs });
      expect(hot.map(({ place, topic, count }) => ({ place, topic, count })).sort((a, b) => b.count - a.count)).toEqual([
        { place: '幸福路', topic: '餐饮油烟扰民', count: 2 },
        { place: '滨河路', topic: '污水偷排', count: 1 },
      ]);
      expect(hot.find((h) => h.place === '幸福路')!.ticketIds.sort()).toEqual([ids.T1, ids.T2].sort());
    });
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
