import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { loadConfig, type Config } from '../../bot/config';
import { createLogger } from '../../bot/logger';
import type { Services } from '../../bot/services';
import { Catalogue } from '../../data/catalogue';
import { loadTimeLimits } from '../../data/calendar/deadlines';
import { WorkingCalendar } from '../../data/calendar/working-days';
import { SqliteStore } from '../../data/store/sqlite-store';
import { ClassifierHolder } from '../../workers/classifier/holder';
import { KnowledgeHolder } from '../../workers/knowledge/holder';
import { Metrics } from '../../bot/ops/metrics';
import { loadKnowledgeFile } from '../../data/knowledge/entry';
import { loadOrTrainClassifier, modelPaths } from '../../workers/classifier/load';
import type { Classifier } from '../../workers/classifier/model';
import { Queues } from '../../workers/queues';

/** The real Redis the tests use: REDIS_URL, or the one these machines run on 127.0.0.1:6379. */
export const TEST_REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** A key prefix of this test's own, so tests never touch another process's keys. */
export function testPrefix(label: string): string {
  return `test-${label}-${process.pid}-${crypto.randomBytes(3).toString('hex')}`;
}

/** Deletes every key under a prefix. */
export async function deletePrefix(redis: IORedis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `hotline-${label}-`));
}

/** Where the tests keep the classifier trained from data/corpus, shared by the test files. */
const TEST_MODEL_DIR = path.join(os.tmpdir(), 'hotline-test-model');
let classifier: Classifier | undefined;
/** The classifier trained from data/corpus, cached on disk across test files (retrained when the corpus changes). */
export function testClassifier(catalogue = Catalogue.load()): Classifier {
  classifier ??= loadOrTrainClassifier(catalogue, TEST_MODEL_DIR);
  return classifier;
}

/** The cached test model's file (trained by testClassifier()). */
export const TEST_MODEL_FILE = path.join(TEST_MODEL_DIR, 'model', 'classifier.json');

/** The cached test model copied into a product's data folder, so a process started on it does not train one. */
export function copyTestModel(dataDir: string): void {
  testClassifier();
  fs.mkdirSync(path.join(dataDir, 'model'), { recursive: true });
  fs.copyFileSync(TEST_MODEL_FILE, path.join(dataDir, 'model', 'classifier.json'));
}

/**
 * Services as the product opens them, on the real Redis with a prefix of their own and an embedded store in a
 * temporary folder. close() removes the Redis keys and the folder.
 */
export async function openTestServices(label: string, overrides: Partial<Config> = {}): Promise<Services> {
  const dataDir = tempDir(label);
  const prefix = testPrefix(label);
  const config: Config = { ...loadConfig({ LOG_LEVEL: 'silent' }), dataDir, queuePrefix: prefix, redisUrl: TEST_REDIS_URL, ...overrides };
  const redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const redisFast = new IORedis(TEST_REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  await new Promise<void>((resolve) => redisFast.once('ready', () => resolve()));
  const store = new SqliteStore({ file: path.join(dataDir, 'hotline.sqlite') });
  const catalogue = Catalogue.load();
  const queues = new Queues(redisFast, prefix);
  return {
    config,
    log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    redisEndpoint: { url: TEST_REDIS_URL, connect: (o = {}) => new IORedis(TEST_REDIS_URL, o.failFast ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : { maxRetriesPerRequest: null }), stop: async () => undefined },
    redis,
    redisFast,
    store,
    catalogue,
    limits: loadTimeLimits(),
    calendar: WorkingCalendar.load(),
    classifier: new ClassifierHolder(modelPaths(TEST_MODEL_DIR).model, testClassifier(catalogue)),
    knowledge: new KnowledgeHolder(loadKnowledgeFile()),
    queues,
    metrics: new Metrics({ process: 'test-' + label, queues, catalogue, store }),
    secret: 'test-secret-' + prefix,
    async close() {
      await queues.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
      redisFast.disconnect();
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until check() returns a value (not undefined/false), or fails after timeoutMs. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
