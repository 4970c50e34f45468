import * as fs from 'node:fs';
import * as os from 'node:os';
import IORedis from 'ioredis';
import { runScaleOut, type ScaleOutRun } from '../bench/scale-out';
import { QUEUE } from '../workers/queues';
import { deletePrefix, tempDir, testClassifier, testPrefix, TEST_MODEL_FILE, TEST_REDIS_URL, waitFor } from './helpers/harness';

/**
 * Two web processes and one or three worker processes on the real Redis and one embedded store file; tickets filed
 * over HTTP (Open311) through both web processes (bench/scale-out.ts drives them; `npm run bench -- scale` prints the
 * same figures for more tickets). A third run kills -9 one web and one worker process a third of the way in: every
 * ticket must exist once and be routed once.
 */
const N = Number(process.env.SCALE_TICKETS ?? 1500);

describe('scale-out: 2 web and 3 worker processes on one Redis and one store', () => {
  const redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const cleanup: (() => Promise<void>)[] = [];
  const figures: string[] = [];
  beforeAll(() => void testClassifier());
  afterAll(async () => {
    if (figures.length) console.log(['scale-out, Open311 intake through 2 web processes:', ...figures].join('\n'));
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    redis.disconnect();
  }, 60_000);

  async function run(label: string, workers: number, killAt?: number): Promise<ScaleOutRun> {
    const dir = tempDir('scale-' + label);
    const prefix = testPrefix('scale-' + label);
    cleanup.push(async () => {
      await deletePrefix(redis, prefix);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const r = await runScaleOut({ tickets: N, webs: 2, workers, redis, redisUrl: TEST_REDIS_URL, prefix, dir, modelFile: TEST_MODEL_FILE, killAt });
    cleanup.push(() => r.close());
    return r;
  }

  async function expectEachOnce(r: ScaleOutRun) {
    expect(r.tickets).toHaveLength(N);
    // One ticket per client_token: a retried request did not file a second one.
    expect(new Set(r.tickets.map((t) => t.intakeKey)).size).toBe(N);
    for (const t of r.tickets) {
      const routings = t.history.filter((e) => e.action === 'dispatched' || e.action === 'sent-to-dispatch-centre');
      expect({ id: t.id, routings: routings.length }).toEqual({ id: t.id, routings: 1 });
    }
    // Every intake job finished (one held by a killed worker is taken up when its lock expires), then the counts:
    // one job per ticket in its unit's queue (job ids derived from the ticket), one notice, no failed intake job.
    await waitFor(async () => Object.values(await r.queues.get(QUEUE.intake).getJobCounts('waiting', 'active', 'delayed', 'prioritized')).every((n) => n === 0) || undefined, 120_000, 'every intake job finished');
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

  it(`files ${N} tickets through both web processes with 1 worker process, then with 3: each once`, async () => {
    const one = await run('w1', 1);
    await expectEachOnce(one);
    await one.close();
    const three = await run('w3', 3);
    await expectEachOnce(three);
    await three.close();
    figures.push(`  1 worker process:  ${one.ticketsPerSecond.toFixed(0)} tickets/s (${N} filed and routed in ${one.seconds.toFixed(1)} s)`);
    figures.push(`  3 worker processes: ${three.ticketsPerSecond.toFixed(0)} tickets/s (${N} in ${three.seconds.toFixed(1)} s; ratio ${(three.ticketsPerSecond / one.ticketsPerSecond).toFixed(2)}, ${os.cpus().length} cores)`);
  }, 600_000);

  it('loses and duplicates nothing when one web and one worker process are killed -9 mid-run', async () => {
    const r = await run('kill', 3, 1 / 3);
    await expectEachOnce(r);
    expect(r.tickets.every((t) => t.channel.channelId === 'open311')).toBe(true);
    figures.push(`  3 workers, kill -9 of 1 web + 1 worker after ${Math.floor(N / 3)}: ${N} tickets each filed and routed once in ${r.seconds.toFixed(1)} s; ${r.retried} requests retried on the other web process`);
  }, 600_000);
});
