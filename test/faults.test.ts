import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import IORedis from 'ioredis';
import { SqliteStore } from '../data/store/sqlite-store';
import { T } from '../dialogs/texts';
import { CaptureChannel } from './helpers/capture-channel';
import { copyTestModel, deletePrefix, tempDir, testPrefix, TEST_REDIS_URL, waitFor } from './helpers/harness';
import { ProductProcess } from './helpers/product-process';

/**
 * Faults that must not lose or duplicate anything, on the product as it runs (node dist/bot/main.js): Redis going
 * away and coming back empty, and the store refusing a write.
 */

const REDIS = ['redis-server', '/usr/bin/redis-server'].find((b) => spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function startRedis(port: number): ChildProcess {
  return spawn(REDIS!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
}

async function redisUp(url: string): Promise<void> {
  const r = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  for (let i = 0; i < 100; i++) {
    if ((await r.connect().then(() => r.ping()).catch(() => '')) === 'PONG') break;
    await new Promise((x) => setTimeout(x, 50));
  }
  r.disconnect();
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}

function sayer(channel: CaptureChannel, url: () => string) {
  return async (conversationId: string, text: string, id: string = crypto.randomUUID()): Promise<string[]> => {
    const seen = channel.texts(conversationId).length;
    const res = await fetch(`${url()}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', id, channelId: 'emulator', serviceUrl: channel.url, conversation: { id: conversationId }, from: { id: 'citizen' }, recipient: { id: 'bot' }, text }),
    });
    expect(res.status).toBe(200);
    return channel.texts(conversationId).slice(seen);
  };
}

(REDIS ? describe : describe.skip)(REDIS ? 'Redis stopped and started again' : 'Redis stopped and started again (skipped: redis-server not installed)', () => {
  const dataDir = tempDir('redis-outage');
  let port: number;
  let redis: ChildProcess;
  let product: ProductProcess;
  let channel: CaptureChannel;

  beforeAll(async () => {
    port = await freePort();
    redis = startRedis(port);
    await redisUp(`redis://127.0.0.1:${port}`);
    copyTestModel(dataDir);
    channel = await new CaptureChannel().start();
    product = await new ProductProcess({ PORT: '0', DATA_DIR: dataDir, QUEUE_PREFIX: 'outage', REDIS_URL: `redis://127.0.0.1:${port}`, LOG_LEVEL: 'error', RECONCILE_AFTER_SECONDS: '1', RECONCILE_INTERVAL_SECONDS: '2' }).start();
  }, 120_000);
  afterAll(async () => {
    await product?.stop();
    await channel?.stop();
    if (redis) await stop(redis);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('tells the citizen to try again while Redis is away, loses nothing confirmed, and routes it and brings its timers back when Redis returns', async () => {
    const say = sayer(channel, () => product.url);
    const conv = 'outage-' + crypto.randomUUID();
    for (const t of ['人行道上的井盖丢了，晚上很危险', '解放路与人民路交叉口', '13812345678', '是']) await say(conv, t);

    await stop(redis);
    const t0 = Date.now();
    const answer = await say(conv, '确认提交');
    // Said at once, not after a hang: the enqueue fails fast.
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(answer[0]).toBe(T.submitFailed);
    // Stored durably before the enqueue was tried: the matter is not lost.
    const store = new SqliteStore({ file: path.join(dataDir, 'hotline.sqlite') });
    const kept = (await store.listTickets({ limit: 1000 })).filter((t) => t.description.startsWith('人行道上的井盖丢了'));
    expect(kept).toHaveLength(1);
    expect(kept[0].state).toBe('received');

    // Redis comes back empty (no persistence): the ticket is routed by reconciliation and its timer is scheduled again.
    redis = startRedis(port);
    await redisUp(`redis://127.0.0.1:${port}`);
    const routed = await waitFor(async () => {
      const t = await store.getTicket(kept[0].id);
      return t && t.state === 'dispatched' ? t : undefined;
    }, 30_000, 'routing after Redis came back');
    expect(routed.history.filter((e) => e.action === 'dispatched' || e.action === 'sent-to-dispatch-centre')).toHaveLength(1);
    const r = new IORedis(`redis://127.0.0.1:${port}`);
    if (routed.assignments?.length) await waitFor(async () => (await r.keys('outage:timers:*')).length > 0, 30_000, 'the ticket\'s timer in Redis');
    r.disconnect();
    // Confirming again (as the bot asked) gives the same ticket, not a second one.
    const receipt = (await say(conv, '确认提交'))[0];
    expect(receipt).toContain(`工单号：${kept[0].id}`);
    expect((await store.listTickets({ limit: 1000 })).filter((t) => t.description.startsWith('人行道上的井盖丢了'))).toHaveLength(1);
    await store.close();
  }, 120_000);
});

describe('the store refusing a write', () => {
  const dataDir = tempDir('store-fault');
  const prefix = testPrefix('store-fault');
  let product: ProductProcess;
  let channel: CaptureChannel;

  beforeAll(async () => {
    copyTestModel(dataDir);
    channel = await new CaptureChannel().start();
    product = await new ProductProcess({ PORT: '0', DATA_DIR: dataDir, QUEUE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'error', SQLITE_BUSY_TIMEOUT_MS: '1000' }).start();
  }, 120_000);
  afterAll(async () => {
    await product?.stop();
    await channel?.stop();
    const redis = new IORedis(TEST_REDIS_URL);
    await deletePrefix(redis, prefix);
    redis.disconnect();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('tells the citizen it did not go through, leaves no half-written ticket, and takes the same confirmation later', async () => {
    const say = sayer(channel, () => product.url);
    const conv = 'store-' + crypto.randomUUID();
    for (const t of ['菜市场门口占道经营堵得走不了路', '东风路菜市场', '匿名', '是']) await say(conv, t);
    // Another process holds the database's write lock: every write the product tries fails (SQLITE_BUSY).
    const blocker = new Database(path.join(dataDir, 'hotline.sqlite'));
    blocker.exec('BEGIN EXCLUSIVE');
    const answer = await say(conv, '确认提交');
    expect(answer[0]).toBe(T.submitFailed);
    blocker.exec('ROLLBACK');
    blocker.close();
    const store = new SqliteStore({ file: path.join(dataDir, 'hotline.sqlite') });
    expect((await store.listTickets({ limit: 1000 })).filter((t) => t.description.startsWith('菜市场门口占道经营'))).toHaveLength(0);
    const receipt = (await say(conv, '确认提交'))[0];
    expect(receipt).toMatch(/工单号：\d{10}/);
    expect((await store.listTickets({ limit: 1000 })).filter((t) => t.description.startsWith('菜市场门口占道经营'))).toHaveLength(1);
    await store.close();
  }, 60_000);
});
