import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

/** The folder holding package.json, found from this file whether it runs from sources or from dist/. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + __dirname);
    dir = parent;
  }
  return dir;
}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const schema = z.object({
  /** HTTP port of the web process. Bot Framework bots use 3978 by convention. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  /** Interface to listen on. Local by default; containers set 0.0.0.0. */
  HOST: z.string().default('127.0.0.1'),
  /** Redis URL. When unset the product uses 127.0.0.1:6379, or starts a local redis-server under var/. */
  REDIS_URL: optionalString,
  /** Redis Sentinel: the sentinels (host:port,host:port,...) that name the current master of REDIS_SENTINEL_NAME. */
  REDIS_SENTINELS: optionalString,
  REDIS_SENTINEL_NAME: z.string().default('mymaster'),
  /** Password of the sentinels themselves, when they require one (the data nodes' password is REDIS_PASSWORD). */
  REDIS_SENTINEL_PASSWORD: optionalString,
  /** Redis Cluster: some of its nodes (host:port,...); QUEUE_PREFIX must then be a hash tag such as {hotline}. */
  REDIS_CLUSTER_NODES: optionalString,
  /** Password (and user, for ACLs) of the data nodes under Sentinel or Cluster; with REDIS_URL put them in the URL. */
  REDIS_USERNAME: optionalString,
  REDIS_PASSWORD: optionalString,
  /** MongoDB connection string. When unset the embedded SQLite store under var/ is used. */
  MONGODB_URI: optionalString,
  /** MongoDB database name (the URI's own database wins when it names one). */
  MONGODB_DB: z.string().default('hotline'),
  /**
   * The embedded store's durability: FULL fsyncs every commit; NORMAL survives a crash but may lose the last commits on
   * a power cut. Unset: FULL, except in a separate worker process (npm run start:workers), whose writes are re-derivable.
   */
  SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).optional(),
  /** How long a write to the embedded store waits for another process's lock before it fails. */
  SQLITE_BUSY_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(10_000),
  /** Where the embedded store, a started Redis and generated secrets live. */
  DATA_DIR: optionalString,
  /** Prefix of every BullMQ key, so several deployments (or tests) can share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_{}.-]+$/).default('hotline'),
  /** Bot Framework app registration. With no app id, local unauthenticated traffic is accepted (Emulator mode). */
  MicrosoftAppId: optionalString,
  MicrosoftAppPassword: optionalString,
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  MicrosoftAppTenantId: optionalString,
  /** HMAC key for the built-in Direct Line tokens; generated and kept under DATA_DIR when unset. */
  DIRECTLINE_SECRET: optionalString,
  /**
   * Below this confidence a ticket goes to the dispatch centre (人工派单) instead of a department. Unset: the
   * threshold the model recommends (the lowest at which its out-of-fold predictions were 97% right).
   */
  CLASSIFIER_THRESHOLD: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : Number(v)))
    .pipe(z.number().min(0).max(1).optional()),
  /** When the classifier retrains on the corpus and the dispatchers' corrections (cron, Asia/Shanghai); "off" disables. */
  CLASSIFIER_RETRAIN_CRON: z.string().default('30 2 * * *'),
  /** How often the workers put back in the intake queue tickets left 'received' (their enqueue failed, Redis lost them), and how old such a ticket must be. */
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  RECONCILE_AFTER_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** How often every open ticket's timers are compared with Redis (also at start and whenever Redis comes back). */
  TIMER_RECONCILE_SECONDS: z.coerce.number().int().min(10).max(86_400).default(600),
  /** When the monthly report (月报) of the previous month is written (cron, Asia/Shanghai); "off" disables. */
  REPORT_CRON: z.string().default('0 1 1 * *'),
  /** This deployment's time limits (办理时限), instead of data/time-limits.json. */
  TIME_LIMITS_FILE: optionalString,
  /** This deployment's working-day calendar corrections (regional holidays, a year not yet published), instead of data/calendar-overrides.json. */
  CALENDAR_OVERRIDES_FILE: optionalString,
  /** Login name of the first administrator, created on first start when no administrator exists. */
  CONSOLE_ADMIN_USERNAME: z.string().regex(/^[a-z0-9_.-]{3,32}$/).default('admin'),
  /** Password of the first administrator. Unset with the embedded store: a random one is generated and printed once. */
  CONSOLE_ADMIN_PASSWORD: optionalString,
  /** Demo accounts (one agent per unit, a dispatcher, a supervisor) with generated passwords: "auto" = only with the embedded store. */
  CONSOLE_DEMO_ACCOUNTS: z.enum(['auto', 'on', 'off']).default('auto'),
  /** A console session ends after this many minutes without a request. */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  /** ... and after this many hours in any case. */
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(72).default(12),
  /** Session cookie only over HTTPS. Set when the product is behind a TLS proxy (and set TRUST_PROXY). */
  COOKIE_SECURE: z.enum(['true', 'false']).default('false'),
  /** Express "trust proxy" setting (e.g. 1, or loopback) so client addresses for the login limit come from X-Forwarded-For. */
  TRUST_PROXY: optionalString,
  /** A separate worker process serves /healthz, /readyz and /metrics on this port ("off": none; 0: any free port). */
  OPS_PORT: z.string().default('9464'),
  /** How long a process may take to shut down on SIGTERM (finish jobs and requests in flight) before it exits anyway. */
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(25),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  redisUrl?: string;
  /** How Redis is reached: one server (REDIS_URL or found/started), Sentinel or Cluster. */
  redisTopology: RedisTopology;
  mongodbUri?: string;
  mongodbDb: string;
  dataDir: string;
  /** Unset: the process decides (FULL, NORMAL for a separate worker process). */
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  sqliteBusyTimeoutMs: number;
  queuePrefix: string;
  bot: { appId?: string; appPassword?: string; appType: string; tenantId?: string };
  directLineSecret?: string;
  /** Undefined: the model's recommended threshold. */
  classifierThreshold?: number;
  /** Null when scheduled retraining is off. */
  classifierRetrainCron: string | null;
  /** Null when the automatic monthly report is off. */
  reportCron: string | null;
  reconcile: { intervalMs: number; afterMs: number; timersMs: number };
  logLevel: string;
  /** Null: no ops server for a separate worker process. */
  opsPort: number | null;
  shutdownTimeoutMs: number;
  root: string;
  console: {
    adminUsername: string;
    adminPassword?: string;
    demoAccounts: boolean;
    sessionIdleMs: number;
    sessionMaxMs: number;
    cookieSecure: boolean;
    trustProxy?: string;
  };
  timeLimitsFile?: string;
  calendarOverridesFile?: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface HostPort {
  host: string;
  port: number;
}

export type RedisTopology =
  | { kind: 'standalone'; url?: string }
  | { kind: 'sentinel'; sentinels: HostPort[]; name: string; username?: string; password?: string; sentinelPassword?: string }
  | { kind: 'cluster'; nodes: HostPort[]; username?: string; password?: string };

function hostPorts(name: string, value: string, defaultPort: number): HostPort[] {
  return value.split(',').map((part) => {
    // host, host:port, or [IPv6]:port
    const m = /^\s*(?:\[([^\]\s]+)\]|([^:\s[\]]+))(?::(\d{1,5}))?\s*$/.exec(part);
    if (!m) throw new ConfigError(`Invalid configuration:\n  ${name}: "${part.trim()}" is not host:port`);
    return { host: m[1] ?? m[2], port: m[3] ? Number(m[3]) : defaultPort };
  });
}

/** BullMQ on Redis Cluster keeps a queue's keys in one slot only when the prefix is a hash tag: {name} or {name}-x. */
export const HASH_TAGGED_PREFIX = /^\{[^{}]+\}/;

function redisTopology(e: z.infer<typeof schema>): RedisTopology {
  const chosen = [e.REDIS_URL && 'REDIS_URL', e.REDIS_SENTINELS && 'REDIS_SENTINELS', e.REDIS_CLUSTER_NODES && 'REDIS_CLUSTER_NODES'].filter(Boolean);
  if (chosen.length > 1) throw new ConfigError(`Invalid configuration:\n  ${chosen.join(', ')}: set only one way of reaching Redis`);
  if (e.REDIS_SENTINELS) {
    return { kind: 'sentinel', sentinels: hostPorts('REDIS_SENTINELS', e.REDIS_SENTINELS, 26379), name: e.REDIS_SENTINEL_NAME, username: e.REDIS_USERNAME, password: e.REDIS_PASSWORD, sentinelPassword: e.REDIS_SENTINEL_PASSWORD };
  }
  if (e.REDIS_CLUSTER_NODES) {
    if (!HASH_TAGGED_PREFIX.test(e.QUEUE_PREFIX)) {
      throw new ConfigError(`Invalid configuration:\n  QUEUE_PREFIX: on Redis Cluster it must be a hash tag such as {hotline} (now "${e.QUEUE_PREFIX}"), so that each queue's keys stay in one slot`);
    }
    return { kind: 'cluster', nodes: hostPorts('REDIS_CLUSTER_NODES', e.REDIS_CLUSTER_NODES, 6379), username: e.REDIS_USERNAME, password: e.REDIS_PASSWORD };
  }
  return { kind: 'standalone', url: e.REDIS_URL };
}

/** Reads and validates the environment once; nothing else in the product touches process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError('Invalid configuration:\n' + lines.join('\n'));
  }
  const e = parsed.data;
  const root = projectRoot();
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    redisTopology: redisTopology(e),
    mongodbUri: e.MONGODB_URI,
    mongodbDb: e.MONGODB_DB,
    dataDir: path.resolve(root, e.DATA_DIR ?? 'var'),
    sqliteSynchronous: e.SQLITE_SYNCHRONOUS,
    sqliteBusyTimeoutMs: e.SQLITE_BUSY_TIMEOUT_MS,
    queuePrefix: e.QUEUE_PREFIX,
    bot: { appId: e.MicrosoftAppId, appPassword: e.MicrosoftAppPassword, appType: e.MicrosoftAppType, tenantId: e.MicrosoftAppTenantId },
    directLineSecret: e.DIRECTLINE_SECRET,
    classifierThreshold: e.CLASSIFIER_THRESHOLD,
    classifierRetrainCron: e.CLASSIFIER_RETRAIN_CRON.trim() === '' || e.CLASSIFIER_RETRAIN_CRON.trim() === 'off' ? null : e.CLASSIFIER_RETRAIN_CRON.trim(),
    reportCron: e.REPORT_CRON.trim() === '' || e.REPORT_CRON.trim() === 'off' ? null : e.REPORT_CRON.trim(),
    reconcile: { intervalMs: e.RECONCILE_INTERVAL_SECONDS * 1000, afterMs: e.RECONCILE_AFTER_SECONDS * 1000, timersMs: e.TIMER_RECONCILE_SECONDS * 1000 },
    logLevel: e.LOG_LEVEL,
    opsPort: e.OPS_PORT.trim() === 'off' ? null : Number(e.OPS_PORT),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    root,
    console: {
      adminUsername: e.CONSOLE_ADMIN_USERNAME,
      adminPassword: e.CONSOLE_ADMIN_PASSWORD,
      demoAccounts: e.CONSOLE_DEMO_ACCOUNTS === 'on' || (e.CONSOLE_DEMO_ACCOUNTS === 'auto' && !e.MONGODB_URI),
      sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
      sessionMaxMs: e.SESSION_MAX_HOURS * 3600_000,
      cookieSecure: e.COOKIE_SECURE === 'true',
      trustProxy: e.TRUST_PROXY,
    },
    timeLimitsFile: e.TIME_LIMITS_FILE && path.resolve(root, e.TIME_LIMITS_FILE),
    calendarOverridesFile: e.CALENDAR_OVERRIDES_FILE && path.resolve(root, e.CALENDAR_OVERRIDES_FILE),
  };
}

/** Every environment variable the product reads (deployment files are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);
