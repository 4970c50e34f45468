import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { ensureRedis, RedisUnavailableError } from '../bot/redis';
import { SqliteStore } from '../data/store/sqlite-store';
import { T } from '../dialogs/texts';
import { CaptureChannel } from './helpers/capture-channel';
import { deletePrefix, tempDir, testPrefix, TEST_REDIS_URL, waitFor } from './helpers/harness';
import { ProductProcess } from './helpers/product-process';

describe('the product as a process (node dist/bot/main.js)', () => {
  const dataDir = tempDir('process');
  const prefix = testPrefix('process');
  const env = { PORT: '0', DATA_DIR: dataDir, QUEUE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'warn' };
  let product: ProductProcess;
  let channel: CaptureChannel;

  beforeAll(async () => {
    channel = await new CaptureChannel().start();
    product = await new ProductProcess(env).start();
  }, 120_000);
  afterAll(async () => {
    await product?.stop();
    await channel.stop();
    const redis = new IORedis(TEST_REDIS_URL);
    await deletePrefix(redis, prefix);
    redis.disconnect();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function say(conversationId: string, text: string): Promise<string[]> {
    const seen = channel.texts(conversationId).length;
    const res = await fetch(`${product.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: 'message', id: crypto.randomUUID(), channelId: 'emulator', serviceUrl: channel.url,
        conversation: { id: conversationId }, from: { id: 'citizen' }, recipient: { id: 'bot' }, text,
      }),
    });
    expect(res.status).toBe(200);
    return channel.texts(conversationId).slice(seen);
  }

  it('keeps a confirmed ticket and a conversation in progress across kill -9 of every process', async () => {
    const filed = 'filed-' + crypto.randomUUID();
    await say(filed, '小区门口的下水道堵了，污水漫到路上好几天了');
    await say(filed, '建设路100号');
    await say(filed, '匿名');
    await say(filed, '是');
    const receipt = (await say(filed, '确认提交'))[0];
    const id = /工单号：(\d{10})/.exec(receipt)![1];

    const ongoing = 'ongoing-' + crypto.randomUUID();
    expect(await say(ongoing, '楼上天天半夜拖椅子，吵得人睡不着')).toEqual([T.askLocation]);

    // Killed at once, before the intake worker may even have routed the ticket.
    await product.kill9();
    const store = new SqliteStore({ file: path.join(dataDir, 'hotline.sqlite') });
    try {
      expect((await store.getTicket(id))?.description).toBe('小区门口的下水道堵了，污水漫到路上好几天了');
    } finally {
      await store.close();
    }

    await product.start();
    // The conversation goes on at the step it was at.
    expect(await say(ongoing, '人民路8号3单元')).toEqual([T.askContact]);
    // The ticket is routed after the restart, and the citizen hears of it exactly once.
    await waitFor(() => channel.texts(filed).filter((t) => t.startsWith('【工单进展】')).length === 1, 40_000, 'routed message after restart').catch((err) => {
      throw new Error(`${err.message}; channel saw ${JSON.stringify(channel.texts(filed))}; output: ${product.output}`);
    });
    const reopened = new SqliteStore({ file: path.join(dataDir, 'hotline.sqlite') });
    try {
      const t = (await reopened.getTicket(id))!;
      expect(t.state).toBe('dispatched');
      expect(t.history.filter((e) => e.action === 'dispatched' || e.action === 'sent-to-dispatch-centre')).toHaveLength(1);
    } finally {
      await reopened.close();
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(channel.texts(filed).filter((t) => t.startsWith('【工单进展】'))).toHaveLength(1);
  }, 120_000);
});

describe('finding Redis', () => {
  it('stops with a clear message, not a stack trace, when the configured Redis does not answer', async () => {
    const p = new ProductProcess({ PORT: '0', DATA_DIR: tempDir('noredis'), REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'warn' }).launch();
    expect(await p.exited()).toBe(3);
    expect(p.output).toContain('无法连接 Redis');
    expect(p.output).toContain('REDIS_URL');
    expect(p.output).not.toMatch(/^\s+at /m);
  });

  it('explains how to install Redis or set REDIS_URL when none answers and no redis-server is on PATH', async () => {
    const attempt = ensureRedis({ dataDir: tempDir('noredis2'), defaultUrl: 'redis://127.0.0.1:1', ownPort: 2, serverBinary: 'redis-server-not-installed' });
    await expect(attempt).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(attempt).rejects.toThrow(/apt-get install redis-server[\s\S]*REDIS_URL=redis:\/\/host:6379/);
  });

  it('starts its own redis-server with data under the data folder when none answers', async () => {
    const dataDir = tempDir('ownredis');
    const port = 20000 + (process.pid % 20000);
    const endpoint = await ensureRedis({ dataDir, defaultUrl: 'redis://127.0.0.1:1', ownPort: port });
    try {
      expect(endpoint.url).toBe(`redis://127.0.0.1:${port}`);
      expect(endpoint.started).toBeDefined();
      const redis = new IORedis(endpoint.url);
      expect(await redis.ping()).toBe('PONG');
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      redis.disconnect();
      expect(fs.existsSync(path.join(dataDir, 'redis'))).toBe(true);
    } finally {
      await endpoint.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
