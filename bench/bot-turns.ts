import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { Child, rssOf } from './child';
import { percentile, type BenchResult } from './report';

/**
 * Bot turns under load: the product (dist/bot/main.js, as `npm start` runs it) receives complete complaint
 * conversations over the Bot Framework protocol, as the Emulator sends them (no app id), and replies to a channel
 * service run here (a local serviceUrl). Five turns a conversation: the matter, the place, the phone, the type, the
 * confirmation (which stores the ticket). `CONCURRENCY` conversations at a time. In the same run, a bare express app
 * answers the same client at the same concurrency: its requests/s is the ceiling this machine sets, and the ratio
 * says how much of it the bot keeps. Targets (issue 8): ≥ 200 turns/s, p99 < 200 ms.
 */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 600);
const MATTERS = ['楼下烧烤店油烟太大，晚上十点还在烤', '小区门口的路灯坏了一个多星期', '隔壁工地夜里十二点还在打桩', '人行道上的井盖松动了，踩上去会翻', '菜市场门口占道经营堵得走不了路'];

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });

function post(url: string, body: unknown): Promise<number> {
  const data = Buffer.from(JSON.stringify(body));
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': data.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** The channel service: takes the bot's replies and answers as a channel does. */
async function channelService(): Promise<{ url: string; replies: () => number; close(): Promise<void> }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(`{"id":"r${n}"}`);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, replies: () => n, close: () => new Promise((r) => server.close(() => r())) };
}

/** Runs `total` tasks, `concurrency` at a time. */
async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) await task(next++);
  }));
}

export async function benchBotTurns(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-bench-bot-'));
  const prefix = `bench-bot-${process.pid}`;
  // The model the product would train at first start, trained once beforehand so start-up is not measured.
  const model = path.join(ROOT_MODEL_DIR(), 'classifier.json');
  if (fs.existsSync(model)) {
    fs.mkdirSync(path.join(dir, 'model'), { recursive: true });
    fs.copyFileSync(model, path.join(dir, 'model', 'classifier.json'));
  }
  const channel = await channelService();
  const product = new Child('dist/bot/main.js', { PORT: '0', DATA_DIR: dir, QUEUE_PREFIX: prefix, CONSOLE_DEMO_ACCOUNTS: 'off', CONSOLE_ADMIN_PASSWORD: 'Bench-pass-2026!' }, process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROFILE] : []);
  const bare = new Child('dist/bench/bare-server.js', {});
  try {
    const url = (await product.start(/chat page:\s+(http:\/\/\S+?)\/?\s*$/m))[1];
    const endpoint = url + '/api/messages';
    const turn = (conversation: string, text: string) =>
      post(endpoint, { type: 'message', id: crypto.randomUUID(), channelId: 'emulator', serviceUrl: channel.url, conversation: { id: conversation }, from: { id: 'u-' + conversation }, recipient: { id: 'bot' }, locale: 'zh-CN', text });
    const latencies: number[] = [];
    let failures = 0;
    const timed = async (conversation: string, text: string) => {
      const t0 = process.hrtime.bigint();
      const status = await turn(conversation, text);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (status !== 200 && status !== 201) failures++;
    };
    // Warm-up: a few conversations, not measured.
    for (let i = 0; i < 5; i++) for (const t of [MATTERS[0], '幸福路88号', '13812345678', '是', '确认提交']) await turn(`warm-${i}`, t);
    latencies.length = 0;
    const start = process.hrtime.bigint();
    await pool(CONVERSATIONS, CONCURRENCY, async (i) => {
      const c = `bench-${i}-${crypto.randomUUID()}`;
      for (const t of [MATTERS[i % MATTERS.length], `幸福路${i}号`, `138${String(10000000 + i).slice(-8)}`, '是', '确认提交']) await timed(c, t);
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const productRss = rssOf(product.pid);
    const turns = latencies.length;

    const bareUrl = `http://127.0.0.1:${(await bare.start(/listening (\d+)/))[1]}/echo`;
    const body = { type: 'message', id: 'x', channelId: 'emulator', serviceUrl: channel.url, conversation: { id: 'c' }, from: { id: 'u' }, recipient: { id: 'bot' }, locale: 'zh-CN', text: MATTERS[0] };
    await pool(2000, CONCURRENCY, async () => void (await post(bareUrl, body)));
    const b0 = process.hrtime.bigint();
    const bareN = 20_000;
    await pool(bareN, CONCURRENCY, async () => void (await post(bareUrl, body)));
    const bareRps = bareN / (Number(process.hrtime.bigint() - b0) / 1e9);
    const bareRss = rssOf(bare.pid);
    const tps = turns / seconds;
    const p99 = percentile(latencies, 0.99);
    // Every conversation ended with a ticket stored: count them in the product's store? The receipt turns say so.
    return [
      { name: `bot turns: ${CONVERSATIONS} complaint conversations, ${CONCURRENCY} at a time`, value: tps, unit: 'turns/s', target: '≥ 200 turns/s', ok: tps >= 200, note: `${(CONVERSATIONS / seconds).toFixed(1)} conversations/s; ${failures} failed turns; ${channel.replies()} replies received` },
      { name: 'bot turns: latency p50', value: percentile(latencies, 0.5), unit: 'ms' },
      { name: 'bot turns: latency p99', value: p99, unit: 'ms', target: '< 200 ms', ok: p99 < 200 },
      { name: 'bot turns: bare express endpoint, same client', value: bareRps, unit: 'req/s', note: `bot keeps ${((tps / bareRps) * 100).toFixed(1)}% of it (ratio ${(tps / bareRps).toFixed(3)})` },
      { name: 'bot turns: memory (RSS) product / bare server', value: productRss, unit: 'MB', note: `bare express ${bareRss.toFixed(0)} MB; web + workers in one process, as npm start runs` },
    ];
  } finally {
    await bare.stop();
    await product.stop();
    await channel.close();
    const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Where a trained model may already be (the project's var/model, from npm start or npm run train). */
function ROOT_MODEL_DIR(): string {
  return path.join(__dirname, '..', '..', 'var', 'model');
}
