import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { computeDeadlines, loadTimeLimits, parseTimeLimits } from '../data/calendar/deadlines';
import { WorkingCalendar } from '../data/calendar/working-days';
import { Catalogue } from '../data/catalogue';
import { SqliteStore } from '../data/store/sqlite-store';
import type { Ticket } from '../data/tickets/ticket';
import { Queues, QUEUE } from '../workers/queues';
import { TicketTimers } from '../workers/timers/timers';
import { percentile, rssMb, type BenchResult } from './report';

/**
 * The tickets' timers (issue 4), on a private redis-server so the memory figure is this benchmark's alone:
 * - Redis memory per open ticket: 100,000 open tickets (a mix of types and units, deadlines on the real calendar)
 *   get their wake-up scheduled; used_memory before and after, divided by the tickets. Target < 2 KB.
 * - Lag between a deadline and its escalation event: 1,000 urgent tickets on limits of a few seconds, received over
 *   ten seconds, each going through yellow, red, supervision and leadership for both deadlines (6,000 events)
 *   with the worker running; lag = time recorded in the history − time it was due. Target p99 < 1 s.
 */
export async function benchTimers(): Promise<BenchResult[]> {
  const binary = ['redis-server', '/usr/sbin/redis-server', '/usr/bin/redis-server'].find((b) => spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0);
  if (!binary) return [{ name: 'timers', value: NaN, unit: '', note: 'skipped: redis-server is not installed' }];
  const port = await freePort();
  const server = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const redis = new IORedis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: null });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-bench-timers-'));
  try {
    for (let i = 0; i < 100 && (await redis.ping().catch(() => '')) !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
    const catalogue = Catalogue.load();
    const calendar = WorkingCalendar.load();
    const codes = catalogue.codes();
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);

    // 1. Memory per open ticket.
    const limits = loadTimeLimits();
    const store = new SqliteStore({ file: path.join(dir, 'memory.sqlite') });
    const queues = new Queues(redis, 'bench');
    const timers = new TicketTimers({ store, queues, calendar, limits, catalogue });
    const N = 100_000;
    const types = ['咨询', '求助', '投诉', '举报', '建议'] as const;
    const start = Date.now();
    const before = await usedMemory();
    for (let off = 0; off < N; off += 2000) {
      const page: Ticket[] = [];
      for (let i = off; i < Math.min(N, off + 2000); i++) {
        const receivedAt = new Date(start - (i % 86_400) * 60_000);
        const type = types[i % types.length];
        const deadlines = computeDeadlines({ receivedAt, type, urgent: i % 20 === 0, enterprise: i % 7 === 0 }, limits, calendar);
        const id = String(2611000000 + i);
        page.push({
          id, version: 2, intakeKey: id, state: 'dispatched', type, proposedType: type, urgent: i % 20 === 0, enterprise: i % 7 === 0,
          description: '', location: '', citizen: { anonymous: true }, channel: { channelId: 'bench', reference: {} },
          receivedAt: receivedAt.toISOString(), deadlines,
          assignments: [{ department: codes[i % codes.length], role: 'lead', state: 'dispatched', assignedAt: receivedAt.toISOString(), deadlines: { ...deadlines, version: 1 } }],
          history: [],
        });
      }
      await timers.scheduleMany(page);
    }
    const after = await usedMemory();
    const jobs = await queues.get(QUEUE.timers).getJobCounts('delayed', 'wait');
    const perTicket = (after - before) / N;
    await queues.close();
    await store.close();
    await redis.flushdb();

    // 2. Lag between due time and the recorded event.
    const fast = parseTimeLimits({
      ...limits,
      urgent: { ack: { hours: 2 / 3600 }, reply: { hours: 4 / 3600 } },
      escalation: { supervision: { hours: 1 / 3600 }, leadership: { hours: 2 / 3600 } },
    });
    // Timers fire in the worker processes, whose store connection commits with synchronous=NORMAL (README, Durability).
    const lagStore = new SqliteStore({ file: path.join(dir, 'lag.sqlite'), synchronous: 'NORMAL' });
    const lagQueues = new Queues(redis, 'bench-lag');
    const lagTimers = new TicketTimers({ store: lagStore, queues: lagQueues, calendar, limits: fast, catalogue });
    const worker = lagTimers.worker(redis, 'bench-lag', 16);
    const M = 1000;
    const ids: string[] = [];
    const t0 = Date.now();
    for (let i = 0; i < M; i++) {
      // Received over ten seconds.
      const wait = t0 + (i * 10_000) / M - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const now = new Date();
      const deadlines = computeDeadlines({ receivedAt: now, type: '求助', urgent: true, enterprise: false }, fast, calendar);
      const { ticket } = await lagStore.createTicket(
        { intakeKey: `lag-${i}`, type: '求助', proposedType: '求助', urgent: true, enterprise: false, description: '停水', location: '', citizen: { anonymous: true }, channel: { channelId: 'bench', reference: {} }, receivedAt: now.toISOString(), deadlines },
        { at: now.toISOString(), actor: { id: 'bench', role: 'citizen' }, action: 'received', to: 'received' },
      );
      const dispatched = await lagStore.updateTicket(ticket.id, 1, {
        state: 'dispatched',
        assignments: [{ department: codes[i % codes.length], role: 'lead', state: 'dispatched', assignedAt: now.toISOString(), deadlines: { ...deadlines, version: 1 } }],
      }, { at: now.toISOString(), actor: { id: 'bench', role: 'dispatcher' }, action: 'dispatched', from: 'received', to: 'dispatched' });
      await lagTimers.sync(dispatched);
      ids.push(ticket.id);
    }
    const lags: number[] = [];
    const deadline = Date.now() + 60_000;
    for (;;) {
      lags.length = 0;
      let events = 0;
      for (const id of ids) {
        const t = (await lagStore.getTicket(id))!;
        for (const e of t.history) {
          if (e.data?.dueAt) {
            events++;
            lags.push(Date.parse(e.at) - Date.parse(String(e.data.dueAt)));
          }
        }
      }
      if (events >= M * 6 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    await worker.close();
    await lagQueues.close();
    await lagStore.close();
    const p50 = percentile(lags, 0.5);
    const p99 = percentile(lags, 0.99);
    return [
      { name: 'timers: Redis memory per open ticket', value: perTicket / 1024, unit: 'KB', target: '< 2 KB', ok: perTicket < 2048, note: `${N.toLocaleString('en')} open tickets, ${jobs.delayed + jobs.wait} wake-ups` },
      { name: 'timers: escalation lag p50', value: p50, unit: 'ms', note: `${lags.length} events on ${M} tickets` },
      { name: 'timers: escalation lag p99', value: p99, unit: 'ms', target: '< 1000 ms', ok: p99 < 1000 && lags.length >= M * 6 },
      { name: 'timers: RSS after', value: rssMb(), unit: 'MB' },
    ];
  } finally {
    redis.disconnect();
    server.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
