import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import IORedis from 'ioredis';
import type { Worker } from 'bullmq';
import { loadTimeLimits, parseTimeLimits, type TimeLimits } from '../data/calendar/deadlines';
import { WorkingCalendar } from '../data/calendar/working-days';
import { Catalogue } from '../data/catalogue';
import { SqliteStore } from '../data/store/sqlite-store';
import { computeDeadlines } from '../data/calendar/deadlines';
import type { Actor, Ticket } from '../data/tickets/ticket';
import { Queues, QUEUE } from '../workers/queues';
import { performAction, type ActionDeps } from '../workers/tickets/actions';
import { pendingTimers } from '../workers/timers/plan';
import { TicketTimers, timerJobId } from '../workers/timers/timers';
import { deletePrefix, tempDir, TEST_REDIS_URL, testPrefix, waitFor } from './helpers/harness';
import { newTicket, receivedEvent } from './helpers/ticket-fixtures';

jest.setTimeout(60_000);

const calendar = WorkingCalendar.load();
const catalogue = Catalogue.load();
const dispatcher: Actor = { id: 'disp-1', role: 'dispatcher' };
const agent: Actor = { id: 'agent-1', role: 'agent', department: 'water-supply' };

/** Urgent limits in calendar seconds, so a whole ladder runs in a few seconds. */
function shortLimits(ack: number, reply: number, supervision: number, leadership: number): TimeLimits {
  const base = loadTimeLimits();
  return parseTimeLimits({
    ...base,
    urgent: { ack: { hours: ack / 3600 }, reply: { hours: reply / 3600 } },
    escalation: { supervision: { hours: supervision / 3600 }, leadership: { hours: leadership / 3600 } },
  });
}

const TIMER_EVENTS = ['warning', 'overdue', 'escalated'];
const timerKeys = (t: Ticket) => t.history.filter((e) => TIMER_EVENTS.includes(e.action)).map((e) => String(e.data?.key));
const ALL_LEVELS = [
  'water-supply.ack.yellow.v1',
  'water-supply.ack.red.v1',
  'water-supply.reply.yellow.v1',
  'water-supply.reply.red.v1',
  'water-supply.reply.supervision.v1',
  'water-supply.reply.leadership.v1',
];

interface Rig {
  store: SqliteStore;
  redis: IORedis;
  queues: Queues;
  prefix: string;
  file: string;
  limits: TimeLimits;
  timers: TicketTimers;
  deps: ActionDeps;
  close(): Promise<void>;
}

async function rig(label: string, limits: TimeLimits, redisUrl = TEST_REDIS_URL): Promise<Rig> {
  const dir = tempDir(label);
  const file = path.join(dir, 'hotline.sqlite');
  const store = new SqliteStore({ file });
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = testPrefix(label);
  const queues = new Queues(redis, prefix);
  const timers = new TicketTimers({ store, queues, calendar, limits, catalogue });
  const deps: ActionDeps = { store, queues, catalogue, limits, calendar, timers };
  return {
    store, redis, queues, prefix, file, limits, timers, deps,
    async close() {
      await queues.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
      await store.close();
    },
  };
}

/** An urgent ticket (water outage) received now and dispatched to the water company: its timers start. */
async function dispatchedTicket(r: Rig): Promise<Ticket> {
  const now = new Date();
  const deadlines = computeDeadlines({ receivedAt: now, type: '求助', urgent: true, enterprise: false }, r.limits, calendar);
  const { ticket } = await r.store.createTicket(newTicket({ type: '求助', urgent: true, receivedAt: now.toISOString(), deadlines, description: '整栋楼停水一天了' }), receivedEvent(now.toISOString()));
  return performAction(ticket.id, { kind: 'dispatch', lead: 'water-supply' }, dispatcher, r.deps);
}

describe('warning and escalation timers (real Redis, limits in seconds)', () => {
  let r: Rig;
  let worker: Worker | undefined;
  beforeAll(async () => {
    r = await rig('timers', shortLimits(1.2, 2.4, 1, 2));
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
  });
  afterAll(async () => r.close());

  it('fires yellow, red, supervision and leadership once each, in order, recorded and notified', async () => {
    const t = await dispatchedTicket(r);
    // One wake-up in Redis per open ticket: the next timer.
    expect(await r.queues.get(QUEUE.timers).getJob(timerJobId({ ticketId: t.id, key: 'water-supply.ack.yellow.v1' }))).toBeDefined();
    worker = r.timers.worker(r.redis, r.prefix);
    const done = await waitFor(async () => {
      const now = (await r.store.getTicket(t.id))!;
      return timerKeys(now).length === 6 && now;
    }, 15_000, 'six timer events');
    expect(timerKeys(done)).toEqual(ALL_LEVELS);
    const escalated = done.history.filter((e) => e.action === 'escalated');
    expect(escalated.map((e) => e.reason)).toEqual([expect.stringContaining('【督办】'), expect.stringContaining('【通报】')]);
    // Each fired within a second of when it was due.
    for (const e of done.history.filter((x) => TIMER_EVENTS.includes(x.action))) {
      expect(Date.parse(e.at) - Date.parse(String(e.data!.dueAt))).toBeLessThan(1000);
    }
    // Notifications: the unit at each level, its head from red on, the centre's supervision, then the leadership.
    const notes = await r.store.listNotifications({ ticketId: t.id });
    expect(notes).toHaveLength(1 + 2 + 1 + 2 + 3 + 4);
    expect((await r.store.listNotifications({ audience: 'leadership' })).map((n) => n.ticketId)).toContain(t.id);
    // Firing again, and reconciling, adds nothing.
    expect(await r.timers.fire(t.id)).toEqual([]);
    await r.timers.reconcile();
    await new Promise((res) => setTimeout(res, 300));
    expect(timerKeys((await r.store.getTicket(t.id))!)).toEqual(ALL_LEVELS);
    expect(await r.store.listNotifications({ ticketId: t.id })).toHaveLength(13);
  });

  it('a timer for a ticket that has moved on does nothing; a moved deadline replaces its timers', async () => {
    const limits = r.limits;
    const t = await dispatchedTicket(r);
    const ack = await performAction(t.id, { kind: 'acknowledge', department: 'water-supply' }, agent, r.deps);
    // Acknowledged: the acknowledge timers are gone; the next one is the reply's yellow light.
    expect(pendingTimers(ack, calendar, limits)[0].key).toBe('water-supply.reply.yellow.v1');
    const asked = await performAction(t.id, { kind: 'request-extension', department: 'water-supply', until: '2099-01-01', reason: '需要更换主管道' }, agent, r.deps);
    const oldId = timerJobId({ ticketId: t.id, key: 'water-supply.reply.yellow.v1' });
    expect(await r.queues.get(QUEUE.timers).getJob(oldId)).toBeDefined();
    const approved = await performAction(t.id, { kind: 'decide-extension', approve: true }, dispatcher, r.deps);
    expect(asked.deadlines.version).toBe(1);
    expect(approved.deadlines.version).toBe(2);
    expect(await r.queues.get(QUEUE.timers).getJob(oldId)).toBeUndefined();
    expect(await r.queues.get(QUEUE.timers).getJob(timerJobId({ ticketId: t.id, key: 'water-supply.reply.yellow.v2' }))).toBeDefined();
    // A stale wake-up that fires anyway (say it was added before the change) finds nothing due.
    expect(await r.timers.fire(t.id)).toEqual([]);
    const replied = await performAction(t.id, { kind: 'reply', department: 'water-supply', text: '已恢复供水' }, agent, r.deps);
    expect(pendingTimers(replied, calendar, limits)).toEqual([]);
    expect(timerKeys((await r.store.getTicket(t.id))!)).toEqual([]);
  });

  it('waiting on the citizen (挂起) stops the timers; resuming schedules them on the moved deadlines', async () => {
    const t = await dispatchedTicket(r);
    const waiting = await performAction(t.id, { kind: 'wait', reason: '等待市民确认地址' }, dispatcher, r.deps);
    expect(pendingTimers(waiting, calendar, r.limits)).toEqual([]);
    await new Promise((res) => setTimeout(res, 1100)); // deadlines are kept to the second
    const resumed = await performAction(t.id, { kind: 'resume' }, dispatcher, r.deps);
    expect(resumed.deadlines.version).toBe(2);
    expect(Date.parse(resumed.deadlines.reply)).toBeGreaterThan(Date.parse(t.deadlines.reply));
    expect(pendingTimers(resumed, calendar, r.limits)[0].key).toBe('water-supply.ack.yellow.v2');
  });
});

describe('no escalation lost or doubled across crashes and a lost Redis', () => {
  it('kill -9 of the worker process mid-ladder: after restart the missed timers fire at once, each once', async () => {
    const r = await rig('timers-kill', shortLimits(1, 2, 1, 1.5));
    const limitsJson = JSON.stringify({ ...loadTimeLimits(), urgent: { ack: { hours: 1 / 3600 }, reply: { hours: 2 / 3600 } }, escalation: { supervision: { hours: 1 / 3600 }, leadership: { hours: 1.5 / 3600 } } });
    const child = (): Promise<ChildProcess> =>
      new Promise((resolve, reject) => {
        const p = spawn(process.execPath, [path.join(__dirname, 'helpers', 'timer-worker-child.js'), r.file, TEST_REDIS_URL, r.prefix, limitsJson], { stdio: ['ignore', 'pipe', 'inherit'] });
        p.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve(p));
        p.on('exit', (code) => code && reject(new Error('timer worker exited ' + code)));
      });
    try {
      let worker = await child();
      const t = await dispatchedTicket(r);
      await waitFor(async () => timerKeys((await r.store.getTicket(t.id))!).length >= 1, 10_000, 'first timer');
      worker.kill('SIGKILL');
      await new Promise((res) => worker.on('exit', res));
      const beforeRestart = timerKeys((await r.store.getTicket(t.id))!).length;
      expect(beforeRestart).toBeLessThan(6);
      // Everything is overdue by the time the worker comes back.
      await new Promise((res) => setTimeout(res, 4000));
      expect(timerKeys((await r.store.getTicket(t.id))!).length).toBe(beforeRestart);
      const restartedAt = Date.now();
      worker = await child();
      const done = await waitFor(async () => {
        const now = (await r.store.getTicket(t.id))!;
        return timerKeys(now).length >= 6 && now;
      }, 10_000, 'all timers after restart');
      expect(Date.now() - restartedAt).toBeLessThan(5000);
      await new Promise((res) => setTimeout(res, 500));
      expect(timerKeys((await r.store.getTicket(t.id))!)).toEqual(ALL_LEVELS);
      expect(await r.store.listNotifications({ ticketId: done.id })).toHaveLength(13);
      worker.kill('SIGKILL');
    } finally {
      await r.close();
    }
  });

  it('FLUSHDB on the Redis (a private redis-server): reconciliation restores the timers from the store', async () => {
    const binary = ['redis-server', '/usr/bin/redis-server'].find((b) => spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0);
    if (!binary) throw new Error('redis-server is needed for this test (.ci/run installs it)');
    const port = await freePort();
    const server = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const url = `redis://127.0.0.1:${port}`;
    const r = await rig('timers-flush', shortLimits(1, 2, 1, 1.5), url);
    let worker: Worker | undefined;
    try {
      await waitFor(async () => (await r.redis.ping().catch(() => '')) === 'PONG', 10_000, 'private redis');
      const t = await dispatchedTicket(r);
      const queue = r.queues.get(QUEUE.timers);
      // One wake-up (delayed, or waiting if the first light is already due: deadlines are kept to the second).
      const pending = async () => (await queue.getDelayedCount()) + (await queue.getWaitingCount());
      expect(await pending()).toBe(1);
      await r.redis.flushdb();
      expect(await pending()).toBe(0);
      await new Promise((res) => setTimeout(res, 2500)); // the acknowledge timers are overdue now
      const report = await r.timers.reconcile();
      expect(report).toMatchObject({ tickets: 1, scheduled: 1, overdue: 1 });
      worker = r.timers.worker(r.redis, r.prefix);
      const done = await waitFor(async () => {
        const now = (await r.store.getTicket(t.id))!;
        return timerKeys(now).length >= 6 && now;
      }, 15_000, 'all timers after FLUSHDB');
      expect(timerKeys(done)).toEqual(ALL_LEVELS);
    } finally {
      await worker?.close();
      await r.close();
      server.kill('SIGKILL');
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
