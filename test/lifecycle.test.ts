import * as path from 'node:path';
import { computeDeadlines, giveBackWaitingTime, loadTimeLimits } from '../data/calendar/deadlines';
import { WorkingCalendar } from '../data/calendar/working-days';
import { Catalogue } from '../data/catalogue';
import { SqliteStore } from '../data/store/sqlite-store';
import { decide, LifecycleError, type Command } from '../data/tickets/lifecycle';
import type { Actor, Ticket } from '../data/tickets/ticket';
import { Queues } from '../workers/queues';
import { performAction } from '../workers/tickets/actions';
import IORedis from 'ioredis';
import { deletePrefix, tempDir, TEST_REDIS_URL, testPrefix } from './helpers/harness';
import { newTicket, receivedEvent } from './helpers/ticket-fixtures';

const limits = loadTimeLimits();
const calendar = WorkingCalendar.load();
const catalogue = Catalogue.load();

const dispatcher: Actor = { id: 'disp-1', role: 'dispatcher' };
const dispatcher2: Actor = { id: 'disp-2', role: 'dispatcher' };
const supervisor: Actor = { id: 'sup-1', role: 'supervisor' };
const agentUM: Actor = { id: 'agent-um', role: 'agent', department: 'urban-management' };
const agentUM2: Actor = { id: 'agent-um-2', role: 'agent', department: 'urban-management' };
const agentHC: Actor = { id: 'agent-hc', role: 'agent', department: 'housing-construction' };
const citizen: Actor = { id: 'citizen', role: 'citizen' };
const system: Actor = { id: 'system', role: 'system' };

// Monday 23 November 2026, 10:00 in Beijing.
const T0 = new Date('2026-11-23T02:00:00Z');
const at = (hours: number) => new Date(T0.getTime() + hours * 3600_000);

function received(overrides: Partial<Ticket> = {}): Ticket {
  const receivedAt = T0.toISOString();
  const base = newTicket({ receivedAt });
  return {
    ...base,
    deadlines: computeDeadlines({ receivedAt: T0, type: '投诉', urgent: false, enterprise: false }, limits, calendar),
    id: '2611230001',
    version: 1,
    state: 'received',
    history: [{ ...receivedEvent(receivedAt), seq: 1 }],
    ...overrides,
  };
}

/** Applies a command as the store would: patch, version + 1, the event appended. */
function apply(t: Ticket, cmd: Command, actor: Actor, now = at(1)): Ticket {
  const d = decide(t, cmd, { actor, now, limits, calendar, isDepartment: (c) => catalogue.has(c) });
  const next = { ...t, ...d.patch, version: t.version + 1, history: [...t.history, { ...d.event, seq: t.history.length + 1 }] };
  return JSON.parse(JSON.stringify(next));
}

function refused(t: Ticket, cmd: Command, actor: Actor, code: string, now = at(1)): void {
  let error: unknown;
  try {
    decide(t, cmd, { actor, now, limits, calendar, isDepartment: (c) => catalogue.has(c) });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(LifecycleError);
  expect((error as LifecycleError).code).toBe(code);
  // Every refusal speaks Chinese to the person.
  expect((error as Error).message).toMatch(/[\u4e00-\u9fff]/);
}

const dispatched = () => apply(received(), { kind: 'dispatch', lead: 'urban-management' }, dispatcher);
const acknowledged = () => apply(dispatched(), { kind: 'acknowledge', department: 'urban-management' }, agentUM);
const replied = () => apply(acknowledged(), { kind: 'reply', department: 'urban-management', text: '已安排执法队员现场处理，店主已整改。' }, agentUM, at(30));

describe('the work order lifecycle', () => {
  it('goes received → dispatched → acknowledged → in progress → replied → follow-up → closed, every step in the history', () => {
    let t = dispatched();
    expect(t.state).toBe('dispatched');
    expect(t.assignments).toEqual([expect.objectContaining({ department: 'urban-management', role: 'lead', state: 'dispatched' })]);
    t = apply(t, { kind: 'acknowledge', department: 'urban-management' }, agentUM);
    t = apply(t, { kind: 'start', department: 'urban-management' }, agentUM);
    expect(t.state).toBe('in-progress');
    t = apply(t, { kind: 'reply', department: 'urban-management', text: '已处理' }, agentUM);
    expect(t.replies).toEqual([expect.objectContaining({ text: '已处理', toCitizen: true, department: 'urban-management' })]);
    t = apply(t, { kind: 'follow-up' }, system);
    t = apply(t, { kind: 'rate', satisfaction: '满意', solved: true }, citizen);
    expect(t).toMatchObject({ state: 'closed', closure: 'rated' });
    expect(t.history.map((e) => [e.action, e.from, e.to, e.actor.role])).toEqual([
      ['received', undefined, 'received', 'citizen'],
      ['dispatched-manually', 'received', 'dispatched', 'dispatcher'],
      ['acknowledged', 'dispatched', 'acknowledged', 'agent'],
      ['started', 'acknowledged', 'in-progress', 'agent'],
      ['replied', 'in-progress', 'replied', 'agent'],
      ['follow-up-started', 'replied', 'follow-up', 'system'],
      ['closed', 'follow-up', 'closed', 'citizen'],
    ]);
    expect(t.history.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('an unsatisfied rating reopens the ticket (重办) to the lead unit with a new deadline, to be acknowledged again', () => {
    const r = replied();
    const t = apply(r, { kind: 'rate', satisfaction: '不满意', solved: false, comment: '油烟还是很大' }, citizen, at(48));
    expect(t).toMatchObject({ state: 'dispatched', reopened: 1 });
    expect(t.ratings).toEqual([expect.objectContaining({ satisfaction: '不满意', solved: false, comment: '油烟还是很大' })]);
    const lead = t.assignments!.find((a) => a.role === 'lead')!;
    expect(lead.state).toBe('dispatched');
    expect(lead.deadlines.version).toBeGreaterThan(r.assignments![0].deadlines.version!);
    // 10 working days counted from the reopen (Wednesday 25 November, 10:00): Wednesday 9 December.
    expect(t.deadlines.reply).toBe('2026-12-09T23:59:59+08:00');
    expect(t.history.at(-1)).toMatchObject({ action: 'reopened', reason: '市民评价不满意' });
    // "Solved" but only basically satisfied closes; satisfied but not solved reopens.
    expect(apply(r, { kind: 'rate', satisfaction: '基本满意', solved: true }, citizen).state).toBe('closed');
    expect(apply(r, { kind: 'rate', satisfaction: '满意', solved: false }, citizen).history.at(-1)!.reason).toBe('市民反映问题未解决');
  });

  it('a return (退单) goes back to the centre, which re-dispatches (改派) with deadlines counted afresh', () => {
    const t = apply(acknowledged(), { kind: 'return', department: 'urban-management', reason: '属于物业服务纠纷，不是城管职责', suggested: 'housing-construction' }, agentUM);
    expect(t.state).toBe('returned');
    expect(t.routing!.queue).toBe('dispatch-centre');
    expect(t.history.at(-1)).toMatchObject({ action: 'returned', data: { suggested: 'housing-construction' } });
    const r = apply(t, { kind: 'dispatch', lead: 'housing-construction' }, dispatcher, at(26));
    expect(r.state).toBe('dispatched');
    expect(r.history.at(-1)).toMatchObject({ action: 'redispatched', data: { source: 'return', lead: 'housing-construction' } });
    expect(r.assignments!.map((a) => [a.department, a.state])).toEqual([
      ['urban-management', 'returned'],
      ['housing-construction', 'dispatched'],
    ]);
    // Re-dispatched on Tuesday 24 November, 12:00: acknowledge by the end of Wednesday.
    expect(r.deadlines.ack).toBe('2026-11-25T23:59:59+08:00');
    refused(r, { kind: 'acknowledge', department: 'urban-management' }, agentUM, 'not-assigned');
    expect(apply(r, { kind: 'acknowledge', department: 'housing-construction' }, agentHC).state).toBe('acknowledged');
  });

  it('lead and supporting units each acknowledge and reply on their own deadlines', () => {
    let t = apply(received(), { kind: 'dispatch', lead: 'urban-management', supports: ['housing-construction', 'urban-management'] }, dispatcher, at(3));
    expect(t.assignments!.map((a) => [a.department, a.role])).toEqual([
      ['urban-management', 'lead'],
      ['housing-construction', 'support'],
    ]);
    const support = t.assignments![1];
    // The lead keeps the deadlines counted from receipt; the supporting unit's run from its dispatch.
    expect(t.assignments![0].deadlines.reply).toBe(t.deadlines.reply);
    expect(support.deadlines.startedAt).toBe('2026-11-23T13:00:00+08:00');
    t = apply(t, { kind: 'acknowledge', department: 'housing-construction' }, agentHC);
    expect(t.state).toBe('dispatched'); // the lead has not acknowledged yet
    t = apply(t, { kind: 'reply', department: 'housing-construction', text: '协办意见：该楼属于老旧小区改造范围。' }, agentHC);
    expect(t.state).toBe('dispatched');
    expect(t.replies![0]).toMatchObject({ toCitizen: false, department: 'housing-construction' });
    t = apply(t, { kind: 'acknowledge', department: 'urban-management' }, agentUM);
    t = apply(t, { kind: 'reply', department: 'urban-management', text: '已处理' }, agentUM);
    expect(t.state).toBe('replied');
  });

  it('extensions (延期): requested by the unit, decided by someone else at the centre; approval moves the deadline', () => {
    const a = acknowledged();
    let t = apply(a, { kind: 'request-extension', department: 'urban-management', until: '2026-12-18', reason: '需协调多个部门联合执法' }, agentUM);
    expect(t.extensions![0]).toMatchObject({ status: 'pending', until: '2026-12-18T23:59:59+08:00' });
    refused(t, { kind: 'request-extension', department: 'urban-management', until: '2026-12-20', reason: '再延' }, agentUM, 'extension-pending');
    refused(t, { kind: 'decide-extension', approve: true }, agentUM, 'forbidden');
    const approved = apply(t, { kind: 'decide-extension', approve: true }, dispatcher);
    expect(approved.deadlines.reply).toBe('2026-12-18T23:59:59+08:00');
    expect(approved.deadlines.version).toBe(2);
    expect(approved.history.at(-1)).toMatchObject({ action: 'extension-approved', actor: dispatcher });
    const refusedOne = apply(t, { kind: 'decide-extension', approve: false, reason: '理由不充分' }, supervisor);
    expect(refusedOne.deadlines.reply).toBe(a.deadlines.reply);
    expect(refusedOne.extensions![0]).toMatchObject({ status: 'refused', decisionReason: '理由不充分' });
    // A dispatcher who is also the requester cannot approve their own request.
    const own = { ...t, extensions: [{ ...t.extensions![0], requestedBy: dispatcher2 }] };
    refused(own, { kind: 'decide-extension', approve: true }, dispatcher2, 'own-extension');
  });

  it('enterprise appeals can be extended once, and no further than the extended limit', () => {
    const base = received({ enterprise: true, deadlines: computeDeadlines({ receivedAt: T0, type: '投诉', urgent: false, enterprise: true }, limits, calendar) });
    const a = apply(apply(base, { kind: 'dispatch', lead: 'urban-management' }, dispatcher), { kind: 'acknowledge', department: 'urban-management' }, agentUM);
    refused(a, { kind: 'request-extension', department: 'urban-management', until: '2027-03-01', reason: '跨年协调' }, agentUM, 'extension-limit');
    let t = apply(a, { kind: 'request-extension', department: 'urban-management', until: '2026-12-10', reason: '需要现场核查' }, agentUM);
    t = apply(t, { kind: 'decide-extension', approve: true }, dispatcher);
    refused(t, { kind: 'request-extension', department: 'urban-management', until: '2026-12-20', reason: '再次延期' }, agentUM, 'extension-limit');
  });

  it('waiting on the citizen (挂起) gives the waiting time back to the open deadlines', () => {
    const a = acknowledged(); // reply due Monday 7 December
    const w = apply(a, { kind: 'wait', reason: '等待市民补充材料' }, dispatcher, at(1));
    refused(w, { kind: 'wait', reason: '再次挂起' }, dispatcher, 'already-waiting');
    // Waited from Monday 11:00 to Wednesday 11:00: two office days → reply deadline two working days later.
    const r = apply(w, { kind: 'resume' }, dispatcher, at(49));
    expect(r.waiting).toBeUndefined();
    expect(a.deadlines.reply).toBe('2026-12-07T23:59:59+08:00');
    expect(r.deadlines.reply).toBe('2026-12-09T23:59:59+08:00');
    expect(r.deadlines.ack).toBe(a.deadlines.ack); // already acknowledged: that deadline stays
    expect(r.deadlines.version).toBe((a.deadlines.version ?? 1) + 1);
    refused(r, { kind: 'resume' }, dispatcher, 'not-waiting');
  });

  it('merges (并单) and answers from the knowledge base (即时办结) close the ticket', () => {
    const m = apply(dispatched(), { kind: 'merge', into: '2611230002' }, dispatcher);
    expect(m).toMatchObject({ state: 'merged', mergedInto: '2611230002', closure: 'merged' });
    refused(m, { kind: 'acknowledge', department: 'urban-management' }, agentUM, 'finished');
    const k = apply(received(), { kind: 'answer-directly', answer: '户外广告设置审批在政务服务中心3号窗口办理。', entry: 'kb-12' }, system);
    expect(k).toMatchObject({ state: 'closed', closure: 'answered-directly' });
    expect(k.replies![0].toCitizen).toBe(true);
  });

  it('refuses transitions that make no sense, with a clear message', () => {
    const r = received();
    const d = dispatched();
    const a = acknowledged();
    const rep = replied();
    const cases: [Ticket, Command, Actor, string][] = [
      [d, { kind: 'reply', department: 'urban-management', text: '已处理' }, agentUM, 'not-acknowledged'],
      [d, { kind: 'start', department: 'urban-management' }, agentUM, 'not-acknowledged'],
      [d, { kind: 'request-extension', department: 'urban-management', until: '2026-12-30', reason: 'x' }, agentUM, 'not-acknowledged'],
      [a, { kind: 'acknowledge', department: 'urban-management' }, agentUM, 'already-acknowledged'],
      [d, { kind: 'acknowledge', department: 'urban-management' }, agentHC, 'not-your-department'],
      [d, { kind: 'acknowledge', department: 'housing-construction' }, agentHC, 'not-assigned'],
      [d, { kind: 'acknowledge', department: 'urban-management' }, dispatcher, 'forbidden'],
      [r, { kind: 'acknowledge', department: 'urban-management' }, agentUM, 'wrong-state'],
      [d, { kind: 'dispatch', lead: 'urban-management' }, agentUM, 'forbidden'],
      [d, { kind: 'dispatch', lead: 'urban-management' }, dispatcher, 'same-dispatch'],
      [d, { kind: 'dispatch', lead: 'no-such-unit' }, dispatcher, 'unknown-department'],
      [d, { kind: 'dispatch', lead: 'dispatch-centre' }, dispatcher, 'unknown-department'],
      [a, { kind: 'dispatch', lead: 'housing-construction' }, dispatcher, 'acknowledged-cannot-redispatch'],
      [a, { kind: 'return', department: 'urban-management', reason: '  ' }, agentUM, 'reason-required'],
      [a, { kind: 'return', department: 'urban-management', reason: '不归我们', suggested: 'nowhere' }, agentUM, 'unknown-department'],
      [rep, { kind: 'return', department: 'urban-management', reason: '不归我们' }, agentUM, 'already-replied'],
      [a, { kind: 'reply', department: 'urban-management', text: '   ' }, agentUM, 'text-required'],
      [rep, { kind: 'reply', department: 'urban-management', text: '再答复' }, agentUM, 'already-replied'],
      [a, { kind: 'request-extension', department: 'urban-management', until: '2026-12-01', reason: '太早' }, agentUM, 'extension-not-later'],
      [a, { kind: 'request-extension', department: 'urban-management', until: '下个月', reason: 'x' }, agentUM, 'bad-date'],
      [a, { kind: 'request-extension', department: 'urban-management', until: '2026-12-30', reason: '' }, agentUM, 'reason-required'],
      [a, { kind: 'decide-extension', approve: true }, dispatcher, 'no-pending-extension'],
      [d, { kind: 'follow-up' }, system, 'wrong-state'],
      [a, { kind: 'rate', satisfaction: '满意', solved: true }, citizen, 'wrong-state'],
      [a, { kind: 'close' }, dispatcher, 'wrong-state'],
      [rep, { kind: 'close' }, agentHC, 'not-your-department'],
      [a, { kind: 'reopen', reason: '重办' }, dispatcher, 'wrong-state'],
      [rep, { kind: 'reopen', reason: '重办' }, agentUM, 'forbidden'],
      [r, { kind: 'wait', reason: '等待' }, dispatcher, 'wrong-state'],
      [d, { kind: 'merge', into: d.id }, dispatcher, 'merge-self'],
      [d, { kind: 'answer-directly', answer: '答案' }, system, 'wrong-state'],
      [r, { kind: 'rate', satisfaction: '满意', solved: true }, agentUM, 'forbidden'],
    ];
    for (const [t, cmd, actor, code] of cases) refused(t, cmd, actor, code);
    // Late extension requests are refused too.
    refused(a, { kind: 'request-extension', department: 'urban-management', until: '2026-12-30', reason: '晚了' }, agentUM, 'extension-too-late', new Date('2026-12-08T02:00:00Z'));
  });

  it('the centre may reopen a closed ticket, not one answered directly or merged', () => {
    const closed = apply(replied(), { kind: 'close', reason: '市民未接听回访电话' }, dispatcher);
    expect(closed).toMatchObject({ state: 'closed', closure: 'unrated' });
    expect(apply(closed, { kind: 'reopen', reason: '市民来电反映仍未解决' }, supervisor)).toMatchObject({ state: 'dispatched', reopened: 1 });
    const kb = apply(received(), { kind: 'answer-directly', answer: '答案' }, system);
    refused(kb, { kind: 'reopen', reason: '再办' }, supervisor, 'wrong-state');
  });
});

describe('waiting time given back, per kind of limit', () => {
  it('calendar hours by the elapsed time; working days by the office days touched; nothing over a weekend', () => {
    const urgent = computeDeadlines({ receivedAt: T0, type: '投诉', urgent: true, enterprise: false }, limits, calendar);
    const moved = giveBackWaitingTime(urgent, at(0.5), at(1.5), calendar, limits.officeHours, { ack: false, reply: false });
    expect(Date.parse(moved.reply) - Date.parse(urgent.reply)).toBe(3600_000);
    const normal = computeDeadlines({ receivedAt: T0, type: '投诉', urgent: false, enterprise: false }, limits, calendar);
    // Friday 27 November 18:00 to Monday 30 November 08:00: no office time passed.
    const weekend = giveBackWaitingTime(normal, new Date('2026-11-27T10:00:00Z'), new Date('2026-11-30T00:00:00Z'), calendar, limits.officeHours, { ack: true, reply: false });
    expect(weekend.reply).toBe(normal.reply);
    expect(weekend.version).toBe(2);
  });
});

describe('two people acting on one ticket at once', () => {
  let store: SqliteStore;
  let redis: IORedis;
  let queues: Queues;
  let dir: string;
  let prefix: string;
  beforeAll(() => {
    dir = tempDir('lifecycle');
    store = new SqliteStore({ file: path.join(dir, 'hotline.sqlite') });
    redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    prefix = testPrefix('lifecycle');
    queues = new Queues(redis, prefix);
  });
  afterAll(async () => {
    await queues.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await store.close();
  });

  it('two agents acknowledging the version they both read: one wins, the other gets a clear conflict', async () => {
    const deps = { store, queues, catalogue, limits, calendar, now: () => at(1) };
    const { ticket } = await store.createTicket(newTicket({ receivedAt: T0.toISOString(), deadlines: received().deadlines }), receivedEvent(T0.toISOString()));
    const d = await performAction(ticket.id, { kind: 'dispatch', lead: 'urban-management' }, dispatcher, deps);
    const results = await Promise.allSettled([
      performAction(ticket.id, { kind: 'acknowledge', department: 'urban-management' }, agentUM, deps, { expectedVersion: d.version }),
      performAction(ticket.id, { kind: 'acknowledge', department: 'urban-management' }, agentUM2, deps, { expectedVersion: d.version }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason).toBeInstanceOf(LifecycleError);
    expect(lost[0].reason.message).toBe('工单刚刚被他人更新，请刷新后再试。');
    const stored = (await store.getTicket(ticket.id))!;
    expect(stored.history.filter((e) => e.action === 'acknowledged')).toHaveLength(1);
    // Without a version from the page, the loser reads again and is told it is already acknowledged.
    await expect(performAction(ticket.id, { kind: 'acknowledge', department: 'urban-management' }, agentUM2, deps)).rejects.toThrow('已经签收');
  });

  it('a return lands in the centre queue; a merge is recorded on both tickets', async () => {
    const deps = { store, queues, catalogue, limits, calendar, now: () => at(2) };
    const one = (await store.createTicket(newTicket({ receivedAt: T0.toISOString(), deadlines: received().deadlines }), receivedEvent(T0.toISOString()))).ticket;
    const two = (await store.createTicket(newTicket({ receivedAt: T0.toISOString(), deadlines: received().deadlines }), receivedEvent(T0.toISOString()))).ticket;
    await performAction(one.id, { kind: 'dispatch', lead: 'urban-management' }, dispatcher, deps);
    const back = await performAction(one.id, { kind: 'return', department: 'urban-management', reason: '非本单位职责' }, agentUM, deps);
    expect(await queues.department('dispatch-centre').getJob(`ticket-${one.id}-${back.history.at(-1)!.seq}`)).toBeDefined();
    await performAction(two.id, { kind: 'dispatch', lead: 'urban-management' }, dispatcher, deps);
    const merged = await performAction(one.id, { kind: 'merge', into: two.id }, dispatcher, deps);
    expect(merged).toMatchObject({ state: 'merged', mergedInto: two.id });
    expect((await store.getTicket(two.id))!.mergedFrom).toEqual([one.id]);
    // Retrying the merge (a crash between the two writes) completes it without a second record.
    await performAction(one.id, { kind: 'merge', into: two.id }, dispatcher, deps);
    expect((await store.getTicket(two.id))!.history.filter((e) => e.action === 'merged-in')).toHaveLength(1);
  });
});
