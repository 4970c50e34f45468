import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import IORedis from 'ioredis';
import { ConfigError, loadConfig } from '../bot/config';
import { CaptureChannel } from './helpers/capture-channel';
import { copyTestModel, tempDir, waitFor } from './helpers/harness';
import { ProductProcess } from './helpers/product-process';
import { converse, freePort, PrivateRedis, REDIS_CLI, REDIS_SERVER, startCluster, startSentinelSet, STREETLIGHT_COMPLAINT } from './helpers/redis-servers';

const routed = (channel: CaptureChannel, conv: string) => () => channel.texts(conv).some((t) => t.startsWith('【工单进展】')) || undefined;

describe('Redis topology configuration', () => {
  it('reads Sentinel and Cluster settings, and refuses a Cluster prefix without a hash tag or two ways at once', () => {
    expect(loadConfig({ REDIS_SENTINELS: '10.0.0.1:26379, 10.0.0.2', REDIS_SENTINEL_NAME: 'hl', REDIS_PASSWORD: 'pw' }).redisTopology).toEqual({
      kind: 'sentinel',
      sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }],
      name: 'hl',
      password: 'pw',
    });
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000,b:7001', QUEUE_PREFIX: '{hotline}' }).redisTopology).toEqual({ kind: 'cluster', nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }] });
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', QUEUE_PREFIX: 'hotline' })).toThrow(/QUEUE_PREFIX: on Redis Cluster it must be a hash tag such as \{hotline\}/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_URL: 'redis://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_SENTINELS: 'a:b:c' })).toThrow(/REDIS_SENTINELS: "a:b:c" is not host:port/);
    expect(loadConfig({}).redisTopology).toEqual({ kind: 'standalone', url: undefined });
  });
});

const skipWhy = !REDIS_SERVER ? 'no redis-server binary on this machine' : !REDIS_CLI ? 'no redis-cli on this machine' : null;
if (skipWhy) console.warn(`Redis Sentinel and Cluster runs skipped: ${skipWhy}`);
// A skipped run says why in its title, as the MongoDB store run does.
const withServers = (title: string, fn: () => void) => (skipWhy ? describe.skip(`${title} (skipped: ${skipWhy})`, fn) : describe(title, fn));

withServers('the product on Redis Sentinel', () => {
  const dir = tempDir('sentinel');
  let set: Awaited<ReturnType<typeof startSentinelSet>>;
  let product: ProductProcess;
  let channel: CaptureChannel;

  beforeAll(async () => {
    set = await startSentinelSet(dir, 'hotline-test');
    copyTestModel(dir);
    channel = await new CaptureChannel().start();
    product = await new ProductProcess({ PORT: '0', DATA_DIR: dir, REDIS_SENTINELS: `127.0.0.1:${set.sentinelPort}`, REDIS_SENTINEL_NAME: 'hotline-test', LOG_LEVEL: 'error', CLASSIFIER_RETRAIN_CRON: 'off', REPORT_CRON: 'off' }).start(120_000);
  }, 180_000);
  afterAll(async () => {
    await product?.kill9();
    await channel?.stop();
    for (const p of [set?.master, set?.replica]) p?.kill();
    set?.sentinel.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes a ticket in, loses its master, follows the failover to the replica, and takes the next one in', async () => {
    expect(product.output).toMatch(/sentinel "hotline-test" via 127\.0\.0\.1:\d+/);
    const first = 'sentinel-' + crypto.randomUUID();
    await converse(product.url, channel, first, STREETLIGHT_COMPLAINT);
    await waitFor(routed(channel, first), 20_000, 'first ticket routed');

    const before = await set.masterPort();
    expect(before).toBe(set.master.port);
    set.master.kill();
    await waitFor(async () => ((await set.masterPort()) === set.replica.port ? true : undefined), 30_000, 'sentinel promotes the replica');
    await waitFor(async () => ((await fetch(product.url + '/readyz')).status === 200 ? true : undefined), 30_000, 'ready on the new master');

    const second = 'sentinel-' + crypto.randomUUID();
    await waitFor(async () => {
      // A turn in the seconds the clients reconnect may be answered "please try again", as a citizen would be.
      await converse(product.url, channel, second, ['你好']);
      return channel.texts(second).length > 0 || undefined;
    }, 20_000, 'bot answers after failover');
    await converse(product.url, channel, second, STREETLIGHT_COMPLAINT);
    await waitFor(routed(channel, second), 30_000, 'second ticket routed after failover');
  }, 120_000);
});

withServers('the product on Redis Cluster', () => {
  const dir = tempDir('cluster');
  let nodes: PrivateRedis[] = [];
  let product: ProductProcess;
  let channel: CaptureChannel;

  beforeAll(async () => {
    nodes = await startCluster(dir);
    copyTestModel(dir);
    channel = await new CaptureChannel().start();
    product = await new ProductProcess({
      PORT: '0',
      DATA_DIR: dir,
      REDIS_CLUSTER_NODES: `127.0.0.1:${nodes[0].port}`,
      QUEUE_PREFIX: '{hotline-test}',
      LOG_LEVEL: 'error',
      CLASSIFIER_RETRAIN_CRON: 'off',
      REPORT_CRON: 'off',
    }).start(120_000);
  }, 180_000);
  afterAll(async () => {
    await product?.kill9();
    await channel?.stop();
    for (const n of nodes) n.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes a ticket in and routes it, with every queue key in the hash-tagged slot', async () => {
    expect(product.output).toMatch(/cluster via 127\.0\.0\.1:\d+/);
    const conv = 'cluster-' + crypto.randomUUID();
    await converse(product.url, channel, conv, STREETLIGHT_COMPLAINT);
    await waitFor(routed(channel, conv), 30_000, 'ticket routed on the cluster');
    expect((await fetch(product.url + '/readyz')).status).toBe(200);
    const metrics = await (await fetch(product.url + '/metrics')).text();
    expect(metrics).toMatch(/hotline_queue_jobs\{queue="intake",state="waiting",process="hotline"\} 0/);
    // The prefix is a hash tag: every key of the product lives in one slot, so on one node.
    const sizes = await Promise.all(
      nodes.map(async (n) => {
        const c = new IORedis(n.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
        try {
          return await c.dbsize();
        } finally {
          c.disconnect();
        }
      }),
    );
    expect(sizes.filter((n) => n > 0)).toHaveLength(1);
  }, 60_000);
});


withServers('the product on a Redis that requires a password', () => {
  const dir = tempDir('redis-auth');
  let server: PrivateRedis;
  let product: ProductProcess;

  beforeAll(async () => {
    server = await new PrivateRedis(await freePort(), ['--requirepass', 'S3cret-redis-pass']).start();
    copyTestModel(dir);
    product = await new ProductProcess({ PORT: '0', DATA_DIR: dir, REDIS_URL: `redis://:S3cret-redis-pass@127.0.0.1:${server.port}`, LOG_LEVEL: 'info', CLASSIFIER_RETRAIN_CRON: 'off', REPORT_CRON: 'off' }).start(120_000);
  }, 180_000);
  afterAll(async () => {
    await product?.kill9();
    server?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the password in REDIS_URL and never prints it', async () => {
    expect((await fetch(product.url + '/readyz')).status).toBe(200);
    expect(product.output).toContain(`redis: redis://***@127.0.0.1:${server.port}`);
    expect(product.output).not.toContain('S3cret-redis-pass');
  });
});
