import { Queue } from 'bullmq';
import { ConfigError, loadConfig } from '../../../bot/config';
import { ensureRedis, RedisUnavailableError } from '../../../bot/redis';
import { Catalogue } from '../../../data/catalogue';
import { openStore } from '../../../data/store/open-store';
import { QUEUE } from '../../queues';
import { deployChannel } from '../holder';
import { retrainClassifier, type RetrainResult } from '../retrain';
import { requestRetrain } from '../retrain-worker';

/**
 * `npm run retrain [-- --force]`: retrains the classifier now, on the corpus and the kept corrections, and deploys
 * the new model only if it is not worse on the held-out split. With the product running, the job goes through its
 * retraining queue and running processes switch models without a restart; with nothing running, it runs here.
 */
async function main(argv: string[]): Promise<void> {
  const config = loadConfig();
  const force = argv.includes('--force');
  const endpoint = await ensureRedis({ topology: config.redisTopology, dataDir: config.dataDir, log: (m) => console.error(m) });
  const redis = endpoint.connect();
  try {
    const queue = new Queue(QUEUE.classifier, { connection: redis, prefix: config.queuePrefix });
    const workers = (await queue.getWorkers()).length;
    await queue.close();
    let result: RetrainResult;
    if (workers > 0) {
      console.log(`retraining through the product's queue (${workers} worker${workers > 1 ? 's' : ''} listening)…`);
      const r = await requestRetrain(redis, config.queuePrefix, { force, waitMs: 10 * 60_000 });
      result = r.result!;
    } else {
      console.log('no worker of the product is running: retraining here…');
      const store = await openStore(config);
      try {
        result = await retrainClassifier({ catalogue: Catalogue.load(), store, dataDir: config.dataDir, force, onProgress: (s) => console.log(`  ${s}…`) });
      } finally {
        await store.close();
      }
      if (result.deployed) await redis.publish(deployChannel(config.queuePrefix), result.candidate?.version ?? '');
    }
    report(result);
  } finally {
    redis.disconnect();
    await endpoint.stop();
  }
}

function report(r: RetrainResult): void {
  const s = (x: RetrainResult['candidate']) =>
    x ? `${x.version}: top-1 ${x.top1.toFixed(3)}, top-3 ${x.top3.toFixed(3)}, macro-F1 ${x.macroF1.toFixed(3)} (${x.trainingExamples} examples, ${x.corrections} from corrections)` : '—';
  console.log(`deployed model before: ${s(r.current)}`);
  if (r.candidate) console.log(`candidate:             ${s(r.candidate)} — trained in ${(r.trainMs / 1000).toFixed(1)} s`);
  const verdict = {
    'no-model': 'deployed (there was no model)',
    better: 'deployed (better on the held-out split)',
    equal: 'deployed (as good on the held-out split, and it has learnt the new corrections)',
    worse: 'NOT deployed: worse on the held-out split; kept as classifier.rejected.json for inspection',
    unchanged: 'nothing new to learn from since the deployed model (use --force to retrain anyway)',
  }[r.reason];
  console.log(verdict);
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof ConfigError || err instanceof RedisUnavailableError ? err.message : err);
  process.exit(1);
});
