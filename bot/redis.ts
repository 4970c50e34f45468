import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import IORedis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTopology } from './config';

/** Thrown when no Redis can be reached or started; its message tells the operator what to do. */
export class RedisUnavailableError extends Error {
  readonly code = 'REDIS_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

export interface RedisEndpoint {
  /** Where Redis is, for logs and the start-up banner (no password). */
  url: string;
  /** Set when this process started the server; stop() ends it. */
  started?: ChildProcess;
  /**
   * A new connection. failFast: commands fail at once while Redis is away (what a person waits on); otherwise they
   * wait for it (BullMQ workers). On Cluster the client is an ioredis Cluster, which answers the same commands the
   * product uses (every key of the product shares the hash-tagged prefix, so multi-key commands stay in one slot).
   */
  connect(options?: { failFast?: boolean }): IORedis;
  stop(): Promise<void>;
}

function connectionOptions(failFast: boolean | undefined): RedisOptions {
  return failFast ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : { maxRetriesPerRequest: null };
}

/** Connections to a single server at url. */
function standaloneConnect(url: string): RedisEndpoint['connect'] {
  return (o = {}) => new IORedis(url, connectionOptions(o.failFast));
}

/**
 * Connections through Redis Sentinel (the client asks the sentinels for the master and follows a failover) or to
 * Redis Cluster (the client follows the slots). Not started locally: they must answer.
 */
export function topologyConnect(t: Exclude<RedisTopology, { kind: 'standalone' }>): RedisEndpoint['connect'] {
  if (t.kind === 'sentinel') {
    return (o = {}) =>
      new IORedis({
        sentinels: t.sentinels,
        name: t.name,
        username: t.username,
        password: t.password,
        sentinelPassword: t.sentinelPassword,
        // After a failover the old master may still accept a write before it learns it is a replica: reconnect on READONLY.
        reconnectOnError: (err) => err.message.startsWith('READONLY'),
        ...connectionOptions(o.failFast),
      });
  }
  return (o = {}) => {
    const options: ClusterOptions = {
      enableOfflineQueue: !o.failFast,
      redisOptions: { username: t.username, password: t.password, maxRetriesPerRequest: o.failFast ? 1 : null },
    };
    // Typed as a single server's client: see RedisEndpoint.connect.
    return new Cluster(t.nodes, options) as unknown as IORedis;
  };
}

export function describeTopology(t: RedisTopology): string {
  if (t.kind === 'sentinel') return `sentinel "${t.name}" via ${t.sentinels.map((n) => `${n.host}:${n.port}`).join(',')}`;
  if (t.kind === 'cluster') return `cluster via ${t.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  return t.url ? redact(t.url) : 'local';
}

async function topologyAnswers(connect: RedisEndpoint['connect'], timeoutMs: number): Promise<boolean> {
  const client = connect({ failFast: true });
  client.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export interface EnsureRedisOptions {
  /** REDIS_URL when configured: then it must answer, and nothing else is tried. */
  url?: string;
  /** Sentinel or Cluster when configured (REDIS_SENTINELS, REDIS_CLUSTER_NODES): it must answer. */
  topology?: RedisTopology;
  /** The product's data folder; a started server keeps its append-only file in dataDir/redis. */
  dataDir: string;
  log?: (msg: string) => void;
  /** Where a Redis is looked for first when no URL is configured. Default redis://127.0.0.1:6379. */
  defaultUrl?: string;
  /** Port of the redis-server the product starts itself, apart from a system one. Default 6389. */
  ownPort?: number;
  /** The server binary looked for on PATH. Default redis-server. */
  serverBinary?: string;
}

async function answers(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new IORedis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function hasBinary(binary: string): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Finds the Redis to use: REDIS_URL when configured (it must answer); else one on 127.0.0.1:6379; else a
 * redis-server started here with its data (append-only file) under dataDir/redis; else a clear error.
 */
export async function ensureRedis(options: EnsureRedisOptions): Promise<RedisEndpoint> {
  const none = async () => undefined;
  const defaultUrl = options.defaultUrl ?? 'redis://127.0.0.1:6379';
  const ownPort = options.ownPort ?? 6389;
  const binary = options.serverBinary ?? 'redis-server';
  const t = options.topology;
  if (t && t.kind !== 'standalone') {
    const connect = topologyConnect(t);
    if (await topologyAnswers(connect, 10_000)) return { url: describeTopology(t), connect, stop: none };
    throw new RedisUnavailableError(`无法连接 Redis：${describeTopology(t)} 没有响应。Redis (${t.kind}) does not answer; check the ${t.kind === 'sentinel' ? 'sentinels, REDIS_SENTINEL_NAME' : 'cluster nodes'} and the password.`);
  }
  const url = options.url ?? (t?.kind === 'standalone' ? t.url : undefined);
  if (url) {
    if (await answers(url)) return { url: redact(url), connect: standaloneConnect(url), stop: none };
    throw new RedisUnavailableError(`无法连接 Redis：REDIS_URL=${redact(url)} 没有响应。Redis at REDIS_URL does not answer; check that it runs and the URL is right.`);
  }
  if (await answers(defaultUrl)) return { url: defaultUrl, connect: standaloneConnect(defaultUrl), stop: none };
  const ownUrl = `redis://127.0.0.1:${ownPort}`;
  if (await answers(ownUrl)) return { url: ownUrl, connect: standaloneConnect(ownUrl), stop: none };
  if (!hasBinary(binary)) {
    throw new RedisUnavailableError(
      [
        `未找到可用的 Redis。No Redis answers at ${defaultUrl} and there is no ${binary} on PATH.`,
        'Install one (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and start again,',
        'or point the product at a running Redis: REDIS_URL=redis://host:6379 npm start',
      ].join('\n'),
    );
  }
  const dir = path.join(options.dataDir, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  options.log?.(`starting ${binary} on 127.0.0.1:${ownPort} with data in ${dir}`);
  const child = spawn(
    binary,
    ['--port', String(ownPort), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--logfile', path.join(dir, 'redis.log')],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 50; i++) {
    if (await answers(ownUrl, 300)) {
      return {
        url: ownUrl,
        connect: standaloneConnect(ownUrl),
        started: child,
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new RedisUnavailableError(`redis-server 启动失败。redis-server did not start; see ${path.join(dir, 'redis.log')}.`);
}

function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
