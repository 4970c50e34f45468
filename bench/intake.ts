import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import { loadTimeLimits } from '../data/calendar/deadlines';
import { WorkingCalendar } from '../data/calendar/working-days';
import { SqliteStore } from '../data/store/sqlite-store';
import { submitTicket } from '../workers/intake/submit-ticket';
import { QUEUE, Queues } from '../workers/queues';
import { Child, rssOf } from './child';
import { percentile, rssMb, type BenchResult } from './report';

/**
 * Intake under load: tickets confirmed (stored and queued, as the bot's confirmation does, here in the benchmark's
 * process) and routed by the product's worker process (dist/workers/main.js: classify, record, put in the unit's
 * queue, queue the citizen's notice, schedule the timers) — tickets/s from "confirmed" to "in the department's
 * queue", and the latency of each at a fixed offered load. In the same run, BullMQ alone: no-op jobs added here and
 * processed by a child process, for the ratio. Targets (issue 8): ≥ 1,000 tickets/s; p99 < 250 ms at 200 tickets/s.
 */
const N = Number(process.env.BENCH_INTAKE ?? 5000);
const RATE = 200;
const RATE_SECONDS = 10;
const DESCRIPTIONS = ['楼下烧烤店油烟太大，晚上十点还在烤', '小区门口的路灯坏了一个多星期', '老板拖欠工资三个月不给', '公积金怎么提取', '停水两天了也没有通知', '工地夜里打桩吵得睡不着', '药店卖过期药', '公交车改线了没有通知'];

async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await task(next++);
  }));
}

export async function benchIntake(): Promise<BenchResult[]> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-bench-intake-'));
  const prefix = `bench-intake-${process.pid}`;
  const model = path.join(__dirname, '..', '..', 'var', 'model', 'classifier.json');
  if (fs.existsSync(model)) {
    fs.mkdirSync(path.join(dir, 'model'), { recursive: true });
    fs.copyFileSync(model, path.join(dir, 'model', 'classifier.json'));
  }
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: null });
  const store = new SqliteStore({ file: path.join(dir, 'hotline.sqlite') });
  const queues = new Queues(redis, prefix);
  const deps = { store, queues, limits: loadTimeLimits(), calendar: WorkingCalendar.load() };
  const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
  const workers = Array.from({ length: WORKERS }, () => new Child('dist/workers/main.js', { DATA_DIR: dir, QUEUE_PREFIX: prefix, REDIS_URL: redisUrl, CLASSIFIER_RETRAIN_CRON: 'off', REPORT_CRON: 'off' }, process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROFILE] : []));
  const worker = workers[0];
  const events = new QueueEvents(QUEUE.intake, { connection: redis.duplicate(), prefix });
  const done = new Map<string, number>();
  events.on('completed', ({ jobId }) => void done.set(jobId, performance.now()));
  const submitted = new Map<string, number>();
  const submit = async (i: number) => {
    const t = performance.now();
    const r = await submitTicket(
      { intakeKey: crypto.randomUUID(), description: DESCRIPTIONS[i % DESCRIPTIONS.length], location: `幸福路${i % 300}号`, phone: '13812345678', type: '投诉', proposedType: '投诉', urgent: false, enterprise: false, channel: { channelId: 'bench', reference: {} } },
      deps,
      'bench-secret',
    );
    submitted.set(`route-${r.ticket.id}`, t);
  };
  const waitAll = async (ids: string[], timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    while (ids.some((id) => !done.has(id)) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    return ids.filter((id) => done.has(id)).length;
  };
  const noop = new Child('dist/bench/noop-worker.js', { REDIS_URL: redisUrl, QUEUE_PREFIX: prefix });
  try {
    await events.waitUntilReady();
    await Promise.all(workers.map((w) => w.start(/workers running/)));
    // Warm-up.
    await pool(200, 16, submit);
    await waitAll([...submitted.keys()], 30_000);
    submitted.clear();
    done.clear();

    // 1. Throughput: N tickets confirmed as fast as 64 concurrent confirmations go.
    const t0 = performance.now();
    await pool(N, 64, submit);
    const confirmS = (performance.now() - t0) / 1000;
    const routed = await waitAll([...submitted.keys()], 120_000);
    const throughputS = (Math.max(...[...done.values()]) - t0) / 1000;
    const tps = routed / throughputS;
    const workerRss = rssOf(worker.pid);
    submitted.clear();
    done.clear();

    // 2. Latency at a fixed offered load: RATE tickets/s for RATE_SECONDS.
    const start = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < RATE * RATE_SECONDS; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(submit(i));
    }
    await Promise.all(pending);
    await waitAll([...submitted.keys()], 60_000);
    const latencies = [...submitted].filter(([id]) => done.has(id)).map(([id, t]) => done.get(id)! - t);

    // 3. BullMQ alone: no-op jobs added here, processed by a child process, same Redis.
    await noop.start(/noop worker ready/);
    const raw = new Queue('bench-noop', { connection: redis, prefix });
    const rawEvents = new QueueEvents('bench-noop', { connection: redis.duplicate(), prefix });
    await rawEvents.waitUntilReady();
    let rawDone = 0;
    let rawLast = 0;
    rawEvents.on('completed', () => {
      rawDone++;
      rawLast = performance.now();
    });
    const r0 = performance.now();
    await pool(N, 64, async (i) => void (await raw.add('noop', { i }, { removeOnComplete: true })));
    const end = Date.now() + 60_000;
    while (rawDone < N && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const rawTps = rawDone / ((rawLast - r0) / 1000);
    await rawEvents.close();
    await raw.close();
    return [
      { name: `intake: ${N} tickets confirmed → in the unit's queue`, value: tps, unit: 'tickets/s', target: '≥ 1000 tickets/s', ok: tps >= 1000, note: `${routed}/${N} routed in ${throughputS.toFixed(1)} s (all confirmed after ${confirmS.toFixed(1)} s); ${WORKERS} worker process${WORKERS > 1 ? 'es' : ''}` },
      { name: `intake: latency p50 at ${RATE} tickets/s`, value: percentile(latencies, 0.5), unit: 'ms', note: `${latencies.length} tickets over ${RATE_SECONDS} s` },
      { name: `intake: latency p99 at ${RATE} tickets/s`, value: percentile(latencies, 0.99), unit: 'ms', target: '< 250 ms', ok: percentile(latencies, 0.99) < 250 },
      { name: 'intake: BullMQ alone, no-op jobs added + processed', value: rawTps, unit: 'jobs/s', note: `intake keeps ${((tps / rawTps) * 100).toFixed(0)}% of it (ratio ${(tps / rawTps).toFixed(3)})` },
      { name: 'intake: memory (RSS) worker process / confirming process', value: workerRss, unit: 'MB', note: `confirming process ${rssMb().toFixed(0)} MB` },
    ];
  } finally {
    await noop.stop();
    await Promise.all(workers.map((w) => w.stop()));
    await events.close();
    await queues.close();
    await store.close();
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
