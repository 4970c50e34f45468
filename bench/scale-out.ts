import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { projectRoot } from '../bot/config';
import { Open311Clients } from '../bot/open311/clients';
import { SqliteStore } from '../data/store/sqlite-store';
import type { Ticket } from '../data/tickets/ticket';
import { Queues } from '../workers/queues';
import type { BenchResult } from './report';

/**
 * Scale-out on one machine: separate web processes (dist/bot/web.js) and worker processes (dist/workers/main.js) on
 * one Redis and one embedded store file (SQLite lets several processes share it; each write is one transaction).
 * Tickets are filed over HTTP — Open311, one request a ticket, with a client_token — round robin over the web
 * processes still up. Optionally one web and one worker process are killed -9 part-way: a failed request is retried
 * on another web process with the same client_token, as a client behind a load balancer would. Used by
 * `npm run bench -- scale` (figures) and test/scale-out.test.ts (every ticket once, across the kills).
 */
const ROOT = projectRoot();
const TEXTS = ['楼下烧烤店油烟太大，晚上十点还在烤', '小区门口的路灯坏了一个多星期', '老板拖欠工资三个月不给', '停水两天了也没有通知', '工地夜里打桩吵得睡不着', '药店卖过期药'];

async function until<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A web or worker process of the product, with its output kept for errors. */
export class ProductProc {
  readonly child: ChildProcess;
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

  /** The web process's address (or 'ready' for a worker process) once it says it is ready. */
  ready(): Promise<string> {
    return until(() => {
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

export interface ScaleOutOptions {
  tickets: number;
  webs: number;
  workers: number;
  redis: IORedis;
  redisUrl: string;
  prefix: string;
  /** An empty folder: DATA_DIR of every process (store file, model). */
  dir: string;
  /** A trained model to copy into DATA_DIR/model, so the processes do not train one. */
  modelFile?: string;
  /** kill -9 of the first web and the first worker process once this share of the tickets is filed. */
  killAt?: number;
  concurrency?: number;
}

export interface ScaleOutRun {
  seconds: number;
  ticketsPerSecond: number;
  retried: number;
  tickets: Ticket[];
  store: SqliteStore;
  queues: Queues;
  /** Stops the processes and closes the store and queues (the caller removes the folder and the keys). */
  close(): Promise<void>;
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

export async function runScaleOut(o: ScaleOutOptions): Promise<ScaleOutRun> {
  if (o.modelFile && fs.existsSync(o.modelFile)) {
    fs.mkdirSync(path.join(o.dir, 'model'), { recursive: true });
    fs.copyFileSync(o.modelFile, path.join(o.dir, 'model', 'classifier.json'));
  }
  const store = new SqliteStore({ file: path.join(o.dir, 'hotline.sqlite') });
  const queues = new Queues(o.redis, o.prefix);
  const { apiKey } = await new Open311Clients(store).create('压测客户端', 'scale-out');
  const env = { DATA_DIR: o.dir, QUEUE_PREFIX: o.prefix, REDIS_URL: o.redisUrl, LOG_LEVEL: 'error', CLASSIFIER_RETRAIN_CRON: 'off', REPORT_CRON: 'off', PORT: '0', OPS_PORT: '0', CONSOLE_DEMO_ACCOUNTS: 'on' };
  // Started together: the web processes bootstrap the console accounts at the same moment.
  const webs = Array.from({ length: o.webs }, () => new ProductProc('web', env));
  const workers = Array.from({ length: o.workers }, () => new ProductProc('workers', env));
  const procs = [...webs, ...workers];
  const close = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await queues.close();
    await store.close();
  };
  try {
    const urls = await Promise.all(webs.map((w) => w.ready()));
    await Promise.all(workers.map((w) => w.ready()));
    const alive = urls.map(() => true);
    let retried = 0;
    let next = 0;
    let filed = 0;
    const file = async (i: number) => {
      for (let attempt = 0; ; attempt++) {
        // Round robin over the web processes still up, as a load balancer whose health checks removed a dead one.
        const up = urls.filter((_, k) => alive[k]);
        const url = up[(i + attempt) % up.length];
        try {
          const res = await fetch(url + '/open311/v2/requests.json', {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ api_key: apiKey, service_code: 'complaint', description: `${TEXTS[i % TEXTS.length]}（${i}）`, address_string: `幸福路${i % 300}号`, client_token: `${o.prefix}-${i}` }).toString(),
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
    const wall0 = Date.now();
    await Promise.all(
      Array.from({ length: o.concurrency ?? 32 }, async () => {
        while (next < o.tickets) {
          await file(next++);
          filed++;
          if (o.killAt !== undefined && filed === Math.floor(o.tickets * o.killAt)) {
            webs[0].kill9();
            alive[0] = false;
            workers[0].kill9();
          }
        }
      }),
    );
    await until(async () => ((await store.listTickets({ state: ['received'], limit: 1 })).length === 0 ? true : undefined), 600_000, 'every ticket routed');
    const tickets = await allTickets(store);
    const last = Math.max(...tickets.map((t) => Date.parse(t.routing!.routedAt)));
    const seconds = (last - wall0) / 1000;
    return { seconds, ticketsPerSecond: tickets.length / seconds, retried, tickets, store, queues, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** `npm run bench -- scale`: Open311 intake through 2 web processes with 1 worker process, then with 3. */
export async function benchScaleOut(): Promise<BenchResult[]> {
  const n = Number(process.env.BENCH_SCALE ?? 4000);
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: null });
  const modelFile = path.join(ROOT, 'var', 'model', 'classifier.json');
  const out: BenchResult[] = [];
  try {
    const rates: number[] = [];
    for (const workers of [1, 3]) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-bench-scale-'));
      const prefix = `bench-scale-${process.pid}-${workers}`;
      try {
        const r = await runScaleOut({ tickets: n, webs: 2, workers, redis, redisUrl, prefix, dir, modelFile });
        await r.close();
        rates.push(r.ticketsPerSecond);
        out.push({ name: `scale-out: Open311 intake, 2 web + ${workers} worker process${workers > 1 ? 'es' : ''}`, value: r.ticketsPerSecond, unit: 'tickets/s', note: `${r.tickets.length}/${n} filed and routed in ${r.seconds.toFixed(1)} s` });
      } finally {
        const keys = await redis.keys(`${prefix}:*`);
        for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    out[1].note += `; ${(rates[1] / rates[0]).toFixed(2)} × the one-worker rate on ${os.cpus().length} cores`;
    return out;
  } finally {
    redis.disconnect();
  }
}
