import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { SqliteStore } from '../data/store/sqlite-store';
import type { Ticket } from '../data/tickets/ticket';
import { Open311Clients } from '../bot/open311/clients';
import { Queues, QUEUE } from '../workers/queues';
import { deletePrefix, tempDir, testPrefix, TEST_REDIS_URL, waitFor } from './helpers/harness';
import { copyTestModel } from './helpers/redis-servers';

/**
 * Scale-out on one machine: separate web processes (npm run start:web) and worker processes (npm run start:workers)
 * on the real Redis and one embedded store file (SQLite allows several processes; each write is one transaction).
 * Tickets are filed over HTTP (Open311, one request a ticket, with a client_token) through both web processes. One
 * run with one worker and one with three give the throughput; a third run kills -9 one web and one worker process
 * mid-way: the load generator retries a failed request on the other web process with the same client_token, as a
 * client behind a load balancer would, and every ticket must exist once and be routed once.
 */
const N = Number(process.env.SCALE_TICKETS ?? 1500);
const ROOT = path.join(__dirname, '..');
const TEXTS = ['楼下烧烤店油烟太大，晚上十点还在烤', '小区门口的路灯坏了一个多星期', '老板拖欠工资三个月不给', '停水两天了也没有通知', '工地夜里打桩吵得睡不着', '药店卖过期药'];

class Proc {
  child: ChildProcess;
  out = '';
  constructor(readonly kind: 'web' | 'workers', env: Record<string, string>) {
    this.child = spawn(process.execPath, [path.join(ROOT, 'dist', kind === 'web' ? 'bot/web.js' : 'workers/main.js')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DOTENV_CONFIG_QUIET: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d) => (this.out += d));
    this.child.stderr!.on('data', (d) => (this.out += d));
  }

  /** The web process's address, or true for a worker process, once it says it is ready. */
  async ready(): Promise<string> {
    return waitFor(() => {
      if (this.child.exitCode !== null) throw new Error(`${this.kind} process exited:\n${this.out}`);
      const m = this.kind === 'web' ? /12345 web process on (http:\/\/\S+)/.exec(this.out) : /workers running/.exec(this.out);
      return m ? (m[1] ?? 'ready') : undefined;
    }, 60_000, `${this.kind} process ready`);
  }

  kill9(): void {
    this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}

interface RunResult {
  seconds: number;
  ticketsPerSecond: number;
  retried: number;
  tickets: Ticket[];
  queues: Queues;
  store: SqliteStore;
}

async function allTickets(store: SqliteStore): Promise<Ticket[]> {
  const out: Ticket[] = [];
  for (let after: { receivedAt: string; id: string } | undefined; ; ) {
    const page = await store.listTickets({ after, limit: 2000 });
    out.push(...page);
    if (page.length < 2000) return out;
    after = { receivedAt: page[page.length - 1].receivedAt, id: page[page.length - 1].id };
  }
}

describe('scale-out: 2 web and 3 worker processes on one Redis and one store', () => {
  const redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    redis.disconnect();
  }, 60_000);

  /** Starts 2 web processes and `workers` worker processes on a fresh store and prefix, and files N tickets. */
  async function run(label: string, workers: number, kill?: { atFraction: number }): Promise<RunResult> {
    const dir = tempDir('scale-' + label);
    const prefix = testPrefix('scale-' + label);
    copyTestModel(dir);
    const store = new SqliteStore({ file: path.join(dir, 'hotline.sqlite') });
    const { apiKey } = await new Open311Clients(store).create('压测客户端', 'test');
    const queues = new Queues(redis, prefix);
    const procs: Proc[] = [];
    cleanup.push(async () => {
      await Promise.all(procs.map((p) => p.stop()));
      await queues.close();
      await store.close();
      await deletePrefix(redis, prefix);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const env = { DATA_DIR: dir, QUEUE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'error', CLASSIFIER_RETRAIN_CRON: 'off', REPORT_CRON: 'off', PORT: '0', OPS_PORT: '0', CONSOLE_DEMO_ACCOUNTS: 'on' };
    // Started together: two web processes bootstrap the console accounts at the same moment.
    const webs = [new Proc('web', env), new Proc('web', env)];
    const workerProcs = Array.from({ length: workers }, () => new Proc('workers', env));
    procs.push(...webs, ...workerProcs);
    const urls = await Promise.all(webs.map((w) => w.ready()));
    await Promise.all(workerProcs.map((w) => w.ready()));
    const alive = urls.map(() => true);

    let retried = 0;
    let next = 0;
    let filed = 0;
    const wall0 = Date.now();
    const file = async (i: number) => {
      const token = `${label}-${i}`;
      for (let attempt = 0; ; attempt++) {
        // Round robin over the web processes still up, as a load balancer whose health checks removed a dead one.
        const up = urls.filter((_, k) => alive[k]);
        const url = up[(i + attempt) % up.length];
        try {
          const res = await fetch(url + '/open311/v2/requests.json', {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ api_key: apiKey, service_code: 'complaint', description: `${TEXTS[i % TEXTS.length]}（${i}）`, address_string: `幸福路${i % 300}号`, client_token: token }).toString(),
          });
          if (res.status === 201) return;
          if (res.status < 500) throw new Error(`refused ${res.status}: ${await res.text()}`);
        } catch (err) {
          if (err instanceof Error && err.message.startsWith('refused')) throw err;
        }
        // A connection reset or a 5xx: the same ticket again, with the same client_token.
        retried++;
        if (attempt > 50) throw new Error(`ticket ${i} not filed after ${attempt} attempts`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < N) {
          const i = next++;
          await file(i);
          filed++;
          if (kill && filed === Math.floor(N * kill.atFraction)) {
            webs[0].kill9();
            alive[0] = false;
            workerProcs[0].kill9();
          }
        }
      }),
    );
    await waitFor(async () => (await store.listTickets({ state: ['received'], limit: 1 })).length === 0 || undefined, 300_000, 'every ticket routed');
    const tickets = await allTickets(store);
    const last = Math.max(...tickets.map((t) => Date.parse(t.routing!.routedAt)));
    const seconds = (last - wall0) / 1000;
    return { seconds, ticketsPerSecond: N / seconds, retried, tickets, queues, store };
  }

  function expectEachOnce(r: RunResult) {
    expect(r.tickets).toHaveLength(N);
    // One ticket per client_token: a retried request did not file a second one.
    expect(new Set(r.tickets.map((t) => t.intakeKey)).size).toBe(N);
    for (const t of r.tickets) {
      const routings = t.history.filter((e) => e.action === 'dispatched' || e.action === 'sent-to-dispatch-centre');
      expect({ id: t.id, routings: routings.length }).toEqual({ id: t.id, routings: 1 });
    }
  }

  async function expectOneJobEach(r: RunResult) {
    const byQueue = new Map<string, number>();
    for (const t of r.tickets) byQueue.set(t.routing!.queue, (byQueue.get(t.routing!.queue) ?? 0) + 1);
    for (const [queue, n] of byQueue) {
      const counts = await r.queues.department(queue).getJobCounts('waiting', 'active', 'completed', 'delayed', 'failed', 'prioritized');
      expect({ queue, jobs: Object.values(counts).reduce((a, b) => a + b, 0) }).toEqual({ queue, jobs: n });
    }
    await waitFor(async () => {
      const c = await r.queues.notify().getJobCounts('waiting', 'active', 'completed', 'delayed', 'failed', 'prioritized');
      return Object.values(c).reduce((a, b) => a + b, 0) === N || undefined;
    }, 30_000, 'one notice per ticket');
    expect((await r.queues.get(QUEUE.intake).getJobCounts('failed')).failed).toBe(0);
  }

  const figures: string[] = [];
  afterAll(() => {
    if (figures.length) console.log(['scale-out, Open311 intake through 2 web processes:', ...figures].join('\n'));
  });

  it(`files ${N} tickets through both web processes with 1 worker process, then with 3: each once`, async () => {
    const one = await run('w1', 1);
    expectEachOnce(one);
    await expectOneJobEach(one);
    const three = await run('w3', 3);
    expectEachOnce(three);
    await expectOneJobEach(three);
    figures.push(`  1 worker process:  ${one.ticketsPerSecond.toFixed(0)} tickets/s (${N} filed and routed in ${one.seconds.toFixed(1)} s)`);
    figures.push(`  3 worker processes: ${three.ticketsPerSecond.toFixed(0)} tickets/s (${N} in ${three.seconds.toFixed(1)} s; ratio ${(three.ticketsPerSecond / one.ticketsPerSecond).toFixed(2)})`);
  }, 600_000);

  it('loses and duplicates nothing when one web and one worker process are killed -9 mid-run', async () => {
    const r = await run('kill', 3, { atFraction: 1 / 3 });
    expectEachOnce(r);
    await expectOneJobEach(r);
    expect(r.tickets.every((t) => t.channel.channelId === 'open311')).toBe(true);
    figures.push(`  3 workers, kill -9 of 1 web + 1 worker at ${Math.floor(N / 3)}: ${N} tickets each filed and routed once in ${r.seconds.toFixed(1)} s; ${r.retried} requests retried on the other web process`);
  }, 600_000);
});
