import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { Catalogue } from '../data/catalogue';
import { loadTimeLimits, type TimeLimits } from '../data/calendar/deadlines';
import { WorkingCalendar } from '../data/calendar/working-days';
import { openStore } from '../data/store/open-store';
import type { TicketStore } from '../data/store/types';
import { loadKnowledgeFile } from '../data/knowledge/entry';
import { ClassifierHolder } from '../workers/classifier/holder';
import { KnowledgeHolder } from '../workers/knowledge/holder';
import { loadOrTrainClassifier, modelPaths } from '../workers/classifier/load';
import { Queues } from '../workers/queues';
import type { Config } from './config';
import type { Logger } from './logger';
import { ensureRedis, type RedisEndpoint } from './redis';
import { applySettings, followSettings } from './settings';
import { Metrics } from './ops/metrics';

/** Everything a process of the product shares, opened once from the configuration. */
export interface Services {
  config: Config;
  log: Logger;
  redisEndpoint: RedisEndpoint;
  /** Redis connection for BullMQ workers and subscriptions: commands wait while Redis is away and run when it is back. */
  redis: IORedis;
  /**
   * Redis connection for what a person is waiting on (queueing a ticket, chat transcripts, sessions, throttles):
   * commands fail at once while Redis is away, so the bot can say "please try again" instead of hanging.
   */
  redisFast: IORedis;
  store: TicketStore;
  catalogue: Catalogue;
  limits: TimeLimits;
  calendar: WorkingCalendar;
  /** The deployed classifier, replaced in place when retraining deploys a new model. */
  classifier: ClassifierHolder;
  /** The knowledge base (即时办结), replaced in place when an administrator edits it. */
  knowledge: KnowledgeHolder;
  queues: Queues;
  /** This process's Prometheus metrics (served at /metrics). */
  metrics: Metrics;
  /** Key for Direct Line tokens, the connector path and query codes. */
  secret: string;
  close(): Promise<void>;
}

/** The configured secret, or one generated once and kept (mode 0600) under dataDir. */
function loadSecret(config: Config): string {
  if (config.directLineSecret) return config.directLineSecret;
  const file = path.join(config.dataDir, 'secret.key');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  fs.mkdirSync(config.dataDir, { recursive: true });
  const secret = crypto.randomBytes(32).toString('base64url');
  try {
    fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch {
    // Another process of this deployment wrote it first.
    return fs.readFileSync(file, 'utf8').trim();
  }
}

export async function openServices(config: Config, log: Logger): Promise<Services> {
  const redisEndpoint = await ensureRedis({ topology: config.redisTopology, dataDir: config.dataDir, log: (m) => log.info(m) });
  const redis = redisEndpoint.connect();
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  const redisFast = redisEndpoint.connect({ failFast: true });
  redisFast.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    redisFast.once('ready', () => resolve());
    setTimeout(() => reject(new Error('redis did not answer')), 10_000).unref();
  });
  const store = await openStore(config);
  const catalogue = Catalogue.load();
  const limits = loadTimeLimits(config.timeLimitsFile);
  const knowledge = new KnowledgeHolder(loadKnowledgeFile());
  // An administrator's edits (console) replace the files' catalogue names, time limits and knowledge base.
  await applySettings(store, catalogue, limits, knowledge);
  const unfollowSettings = followSettings(redis, config.queuePrefix, store, catalogue, limits, log, knowledge);
  const classifier = new ClassifierHolder(
    modelPaths(config.dataDir).model,
    loadOrTrainClassifier(catalogue, config.dataDir, { log: (m) => log.info(m), corrections: await store.listCorrections() }),
  );
  // Producers fail fast when Redis is away (BullMQ's advice for queues): a confirmation is not left hanging.
  const queues = new Queues(redisFast, config.queuePrefix);
  const unfollow = classifier.follow(redis.duplicate(), config.queuePrefix, log);
  const metrics = new Metrics({ process: String(log.bindings().name ?? 'hotline'), queues, catalogue, store });
  return {
    config,
    log,
    redisEndpoint,
    redis,
    redisFast,
    store,
    catalogue,
    limits,
    calendar: WorkingCalendar.load(config.calendarOverridesFile),
    classifier,
    knowledge,
    queues,
    metrics,
    secret: loadSecret(config),
    async close() {
      await unfollow();
      await unfollowSettings();
      await queues.close();
      await store.close();
      redis.disconnect();
      redisFast.disconnect();
      await redisEndpoint.stop();
    },
  };
}
