import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Catalogue } from '../../data/catalogue';
import { loadCorpus } from './corpus';
import { Classifier, modelVersionFor, trainModel } from './model';

/**
 * The classifier the service uses: the model file under dataDir when it was trained from the current corpus,
 * otherwise one trained now from data/corpus and saved there (a few seconds, once).
 */
export function loadOrTrainClassifier(catalogue: Catalogue, dataDir: string, log?: (msg: string) => void): Classifier {
  const file = path.join(dataDir, 'model', 'classifier.json');
  const corpus = loadCorpus(catalogue.codes());
  if (fs.existsSync(file)) {
    const loaded = Classifier.load(file);
    if (loaded.version === modelVersionFor(corpus.train)) return loaded;
  }
  log?.(`training the classifier on ${corpus.train.length} examples`);
  const classifier = new Classifier(trainModel(corpus.train));
  classifier.save(file);
  return classifier;
}
