import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { loadTimeLimits } from '../../data/calendar/deadlines';
import { WorkingCalendar } from '../../data/calendar/working-days';
import { SqliteStore } from '../../data/store/sqlite-store';
import { submitTicket } from '../../workers/intake/submit-ticket';
import { Queues, QUEUE } from '../../workers/queues';
import { copyTestModel, deletePrefix, tempDir, testPrefix, TEST_REDIS_URL, waitFor } from '../helpers/harness';

/**
 * kill -9 of the worker process while 10,000 tickets are in intake: after a restart every ticket is routed exactly
 * once — one routing event in its history, one job in its unit's queue, one notice queued for the citizen.
 */
const N = Number(process.env.FAULT_TICKETS ?? 10_000);
const ROOT = path.join(__dirname, '..', '..');

function startWorker(env: Record<string, string>): ChildProcess {
  const p = spawn(process.execPath, [path.join(ROOT, 'dist', 'workers', 'main.js')], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DOTENV_CONFIG_QUIET: 'true', LOG_LEVEL: 'error', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return p;
}

async function ready(p: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (d) => {
      out += d;
      if (/workers running/.test(out)) resolve();
    });
    p.once('exit', () => reject(new Error('worker exited:\n' + out)));
  });
}

describe('kill -9 of the worker process during intake', () => {
  const dataDir = tempDir('intake-kill');
  const prefix = testPrefix('intake-kill');
  const redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  let worker: ChildProcess | undefined;

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await deletePrefix(redis, prefix);
    redis.disconnect();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`routes each of ${N} tickets exactly once across the kill and the restart`, async () => {
    copyTestModel(dataDir);
    const env = { DATA_DIR: dataDir, QUEUE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, CLASSIFIER_RETRAIN_CRON: 'off', REPORT_CRON: 'off' };
    const store = new SqliteStore({ file: path.join(dataDir, 'hotline.sqlite') });
    const queues = new Queues(redis, prefix);
    const deps = { store, queues, limits: loadTimeLimits(), calendar: WorkingCalendar.load() };
    worker = startWorker(env);
    await ready(worker);
    const ids: string[] = [];
    let next = 0;
    const texts = ['楼下烧烤店油烟太大', '小区门口路灯不亮', '老板拖欠工资三个月', '停水两天没有通知', '工地夜里打桩太吵'];
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < N) {
          const i = next++;
          const r = await submitTicket({ intakeKey: crypto.randomUUID(), description: texts[i % texts.length] + i, location: `幸福路${i}号`, type: '投诉', proposedType: '投诉', urgent: false, enterprise: false, channel: { channelId: 'fault', reference: {} } }, deps, 'secret');
          ids.push(r.ticket.id);
          // Killed mid-way, while tickets are still being confirmed and routed.
          if (ids.length === Math.floor(N / 3) && worker) {
            worker.kill('SIGKILL');
            worker = undefined;
          }
        }
      }),
    );
    expect(ids).toHaveLength(N);
    worker = startWorker(env);
    await ready(worker);
    const intake = queues.get(QUEUE.intake);
    await waitFor(async () => (await store.listTickets({ state: ['received'], limit: 1 })).length === 0, 600_000, 'every ticket routed');
    const tickets = [];
    for (let after: { receivedAt: string; id: string } | undefined; ; ) {
      const page = await store.listTickets({ after, limit: 2000 });
      tickets.push(...page);
      if (page.length < 2000) break;
      after = { receivedAt: page[page.length - 1].receivedAt, id: page[page.length - 1].id };
    }
    expect(tickets).toHaveLength(N);
    for (const t of tickets) {
      const routings = t.history.filter((e) => e.action === 'dispatched' || e.action === 'sent-to-dispatch-centre');
      expect({ id: t.id, routings: routings.length, seqs: new Set(t.history.map((e) => e.seq)).size === t.history.length }).toEqual({ id: t.id, routings: 1, seqs: true });
    }
    // Every intake job finished: the job the killed worker held stays active until its lock expires and the
    // restarted worker takes it up; that delivery queues whatever the killed one had not (before this wait the counts
    // below raced it and failed on short runs).
    await waitFor(async () => Object.values(await intake.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).every((n) => n === 0) || undefined, 120_000, 'every intake job finished');
    // One job per ticket in its queue (job ids derived from the ticket), and one notice for the citizen.
    const byQueue = new Map<string, number>();
    for (const t of tickets) byQueue.set(t.routing!.queue, (byQueue.get(t.routing!.queue) ?? 0) + 1);
    for (const [queue, n] of byQueue) {
      const q = queues.department(queue);
      const counts = await q.getJobCounts('waiting', 'active', 'completed', 'delayed', 'failed', 'prioritized');
      expect({ queue, jobs: Object.values(counts).reduce((a, b) => a + b, 0) }).toEqual({ queue, jobs: n });
    }
    const notify = await queues.notify().getJobCounts('waiting', 'active', 'completed', 'delayed', 'failed', 'prioritized');
    expect(Object.values(notify).reduce((a, b) => a + b, 0)).toBe(N);
    expect((await intake.getJobCounts('failed')).failed).toBe(0);
    await queues.close();
    await store.close();
  }, 900_000);
});
