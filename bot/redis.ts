import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import IORedis from 'ioredis';

/** Thrown when no Redis can be reached or started; its message tells the operator what to do. */
export class RedisUnavailableError extends Error {
  readonly code = 'REDIS_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

export interface RedisEndpoint {
  url: string;
  /** Set when this process started the server; stop() ends it. */
  started?: ChildProcess;
  stop(): Promise<void>;
}

export interface EnsureRedisOptions {
  /** REDIS_URL when configured: then it must answer, and nothing else is tried. */
  url?: string;
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
  if (options.url) {
    if (await answers(options.url)) return { url: options.url, stop: none };
    throw new RedisUnavailableError(`无法连接 Redis：REDIS_URL=${redact(options.url)} 没有响应。Redis at REDIS_URL does not answer; check that it runs and the URL is right.`);
  }
  if (await answers(defaultUrl)) return { url: defaultUrl, stop: none };
  const ownUrl = `redis://127.0.0.1:${ownPort}`;
  if (await answers(ownUrl)) return { url: ownUrl, stop: none };
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
