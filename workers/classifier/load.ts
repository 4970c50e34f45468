import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Catalogue } from '../../data/catalogue';
import type { Correction } from '../../data/store/types';
import { loadCorpus, type Corpus, type Example } from './corpus';
import { catalogueScope, Classifier, corpusVersionFor, MODEL_FORMAT, trainModel } from './model';

/** Where a deployment keeps its classifier: the model the service loads, and what retraining did. */
export function modelPaths(dataDir: string) {
  const dir = path.join(dataDir, 'model');
  return {
    dir,
    /** The deployed model. */
    model: path.join(dir, 'classifier.json'),
    /** The model it replaced, for rollback. */
    previous: path.join(dir, 'classifier.previous.json'),
    /** The last candidate that retraining refused, for inspection. */
    rejected: path.join(dir, 'classifier.rejected.json'),
    /** One JSON line per retraining: figures and decision. */
    log: path.join(dir, 'retraining.jsonl'),
  };
}

/** Corrections as training examples (those naming a unit no longer in the catalogue are left out). */
export function correctionExamples(corrections: Correction[], catalogue: Catalogue): Example[] {
  return corrections
    .filter((c) => catalogue.has(c.department) && c.text.trim())
    .map((c) => ({ text: c.text, type: c.type, urgent: c.urgent, enterprise: c.enterprise, department: c.department }));
}

/** Everything the next model learns from: the corpus's training split, the dispatchers' corrections, the catalogue's scope. */
export function trainingSet(catalogue: Catalogue, corrections: Correction[], corpus: Corpus = loadCorpus(catalogue.codes())) {
  const fromCorrections = correctionExamples(corrections, catalogue);
  const scope = catalogueScope(catalogue);
  return {
    corpus,
    examples: [...corpus.train, ...fromCorrections],
    corrections: fromCorrections.length,
    scope,
    corpusVersion: corpusVersionFor(corpus.train, scope),
  };
}

/** Reads a model file; null when it is missing, unreadable or of another format. */
export function readModel(file: string): Classifier | null {
  try {
    if (!fs.existsSync(file)) return null;
    const c = Classifier.load(file);
    return c.model.format === MODEL_FORMAT ? c : null;
  } catch {
    return null;
  }
}

/**
 * The classifier the service uses: the deployed model file when it was trained from the current corpus (with or
 * without corrections), otherwise one trained now from data/corpus and the given corrections, and saved (seconds, once).
 */
export function loadOrTrainClassifier(
  catalogue: Catalogue,
  dataDir: string,
  options: { log?: (msg: string) => void; corrections?: Correction[] } = {},
): Classifier {
  const file = modelPaths(dataDir).model;
  const set = trainingSet(catalogue, options.corrections ?? []);
  const loaded = readModel(file);
  if (loaded && loaded.model.corpusVersion === set.corpusVersion) return loaded;
  options.log?.(`training the classifier on ${set.examples.length} examples (${set.corrections} from corrections)`);
  const classifier = new Classifier(trainModel(set.examples, { corrections: set.corrections, corpusVersion: set.corpusVersion, scope: set.scope }));
  classifier.save(file);
  return classifier;
}
