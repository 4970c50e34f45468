import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import IORedis from 'ioredis';
import type { CaptureChannel } from './capture-channel';
import { waitFor } from './harness';

/** The redis-server binary on this machine, if any (private servers for Sentinel, Cluster and outage tests). */
export const REDIS_SERVER = ['redis-server', '/usr/bin/redis-server'].find((b) => spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0);
export const REDIS_CLI = ['redis-cli', '/usr/bin/redis-cli'].find((b) => spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0);

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function answers(port: number, password?: string): Promise<boolean> {
  const c = new IORedis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, password });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

/** A private redis-server (nothing on disk unless args say so), killed with kill(). */
export class PrivateRedis {
  child?: ChildProcess;
  constructor(readonly port: number, private readonly args: string[] = [], private readonly cwd = os.tmpdir()) {}

  async start(): Promise<this> {
    this.child = spawn(REDIS_SERVER!, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.args], { stdio: 'ignore', cwd: this.cwd });
    const pass = this.args.indexOf('--requirepass');
    await waitFor(async () => (await answers(this.port, pass >= 0 ? this.args[pass + 1] : undefined)) || undefined, 10_000, `redis-server on ${this.port}`);
    return this;
  }

  kill(): void {
    this.child?.kill('SIGKILL');
  }
}

/** A master, one replica and one sentinel watching them under `name` (quorum 1, failover after one second down). */
export async function startSentinelSet(dir: string, name: string): Promise<{ master: PrivateRedis; replica: PrivateRedis; sentinel: ChildProcess; sentinelPort: number; masterPort: () => Promise<number> }> {
  const master = await new PrivateRedis(await freePort()).start();
  const replica = await new PrivateRedis(await freePort(), ['--replicaof', '127.0.0.1', String(master.port)]).start();
  const sentinelPort = await freePort();
  const conf = path.join(dir, 'sentinel.conf');
  fs.writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 4000`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  );
  const sentinel = spawn(REDIS_SERVER!, [conf, '--sentinel'], { stdio: 'ignore' });
  await waitFor(async () => (await answers(sentinelPort)) || undefined, 10_000, 'sentinel');
  const masterPort = async () => {
    const c = new IORedis(sentinelPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      const [, port] = (await c.call('SENTINEL', 'get-master-addr-by-name', name)) as [string, string];
      return Number(port);
    } finally {
      c.disconnect();
    }
  };
  // The sentinel knows the replica before the test relies on a failover.
  await waitFor(async () => {
    const c = new IORedis(sentinelPort, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      const replicas = (await c.call('SENTINEL', 'replicas', name)) as unknown[];
      return replicas.length > 0 || undefined;
    } finally {
      c.disconnect();
    }
  }, 20_000, 'sentinel sees the replica');
  return { master, replica, sentinel, sentinelPort, masterPort };
}

/** Three cluster-enabled masters joined into one Redis Cluster (no replicas), all slots assigned. */
export async function startCluster(dir: string): Promise<PrivateRedis[]> {
  const nodes: PrivateRedis[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    nodes.push(await new PrivateRedis(port, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'], dir).start());
  }
  const r = spawnSync(REDIS_CLI!, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error('redis-cli --cluster create failed:\n' + r.stdout + r.stderr);
  for (const n of nodes) {
    await waitFor(async () => {
      const c = new IORedis(n.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
      try {
        return /cluster_state:ok/.test(String(await c.call('CLUSTER', 'INFO'))) || undefined;
      } finally {
        c.disconnect();
      }
    }, 20_000, 'cluster state ok');
  }
  return nodes;
}

/** Sends a citizen's messages to a product over the Emulator channel, one after another, as a person would type them. */
export async function converse(productUrl: string, channel: CaptureChannel, conversationId: string, texts: string[]): Promise<void> {
  for (const text of texts) {
    const res = await fetch(productUrl + '/api/messages', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', id: crypto.randomUUID(), channelId: 'emulator', serviceUrl: channel.url, conversation: { id: conversationId }, from: { id: 'u-' + conversationId }, recipient: { id: 'bot' }, text }),
    });
    if (res.status >= 300) throw new Error(`turn "${text}" answered ${res.status}`);
  }
}

/** A complete complaint conversation: description, place, anonymous, confirm. */
export const STREETLIGHT_COMPLAINT = ['小区门口的路灯坏了一个多星期', '建设路12号', '匿名', '是', '确认提交'];
