import type { SandboxedJob } from 'bullmq';
import { loadConfig } from '../../bot/config';
import { Catalogue } from '../../data/catalogue';
import { openStore } from '../../data/store/open-store';
import { retrainClassifier, type RetrainResult } from './retrain';
import type { RetrainJob } from './retrain-worker';

/**
 * The retraining job, run by BullMQ in a child process of its own (a sandboxed processor), so that seconds of
 * training never hold up the bot or the other workers of the process that started it. It reads the same
 * configuration (environment) as its parent, which sets DATA_DIR for it.
 */
export default async function retrainProcessor(job: SandboxedJob<RetrainJob, RetrainResult>): Promise<RetrainResult> {
  const config = loadConfig();
  const store = await openStore(config);
  try {
    return await retrainClassifier({
      catalogue: Catalogue.load(),
      store,
      dataDir: config.dataDir,
      force: job.data.force,
      onProgress: (step) => void job.log(`training: ${step}`),
    });
  } finally {
    await store.close();
  }
}
