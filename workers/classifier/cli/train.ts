import * as fs from 'node:fs';
import { ConfigError, loadConfig } from '../../../bot/config';
import { Catalogue } from '../../../data/catalogue';
import { openStore } from '../../../data/store/open-store';
import type { Correction } from '../../../data/store/types';
import { evaluate } from '../evaluate';
import { modelPaths, trainingSet } from '../load';
import { Classifier, trainModel } from '../model';

/**
 * `npm run train`: trains the classifier from data/corpus and the dispatchers' corrections kept in the store, and
 * writes the model the service loads (DATA_DIR/model/classifier.json; running processes pick it up within 30 s).
 * Options: --out <file> writes elsewhere; --no-corrections trains on the corpus alone.
 */
async function main(argv: string[]): Promise<void> {
  const config = loadConfig();
  const catalogue = Catalogue.load();
  const outIndex = argv.indexOf('--out');
  const out = outIndex >= 0 ? argv[outIndex + 1] : modelPaths(config.dataDir).model;
  let corrections: Correction[] = [];
  if (!argv.includes('--no-corrections')) {
    try {
      const store = await openStore(config);
      corrections = await store.listCorrections();
      await store.close();
    } catch (err) {
      console.error(`warning: cannot read corrections from the store (${(err as Error).message}); training on the corpus alone`);
    }
  }
  const set = trainingSet(catalogue, corrections);
  const perUnit = new Map<string, number>();
  for (const e of set.examples) perUnit.set(e.department, (perUnit.get(e.department) ?? 0) + 1);
  console.log(
    `training on ${set.examples.length} examples (${set.corpus.train.length} from data/corpus/train, ${set.corrections} from corrections), ` +
      `${perUnit.size} units, ${Math.min(...perUnit.values())}–${Math.max(...perUnit.values())} per unit`,
  );
  const started = Date.now();
  const model = trainModel(set.examples, {
    corrections: set.corrections,
    corpusVersion: set.corpusVersion,
    scope: set.scope,
    onProgress: (step) => console.log(`  [${((Date.now() - started) / 1000).toFixed(1)} s] ${step}…`),
  });
  const classifier = new Classifier(model);
  console.log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s; recommended threshold ${model.recommendedThreshold}`);
  const e = evaluate(classifier, set.corpus.heldout, model.recommendedThreshold);
  console.log(
    `held-out (${e.examples}): top-1 ${e.top1.toFixed(3)}, top-3 ${e.top3.toFixed(3)}, macro-F1 ${e.macroF1.toFixed(3)}; ` +
      `above the threshold ${(1 - e.belowThreshold).toFixed(3)} of messages, ${e.correctAboveThreshold.toFixed(3)} correct`,
  );
  classifier.save(out);
  const loadStart = process.hrtime.bigint();
  Classifier.load(out);
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
  console.log(`model ${model.version} written to ${out} (${(fs.statSync(out).size / 1e6).toFixed(1)} MB, loads in ${loadMs.toFixed(0)} ms)`);
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
