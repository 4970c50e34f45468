import * as fs from 'node:fs';
import type { Catalogue } from '../../data/catalogue';
import type { TicketStore } from '../../data/store/types';
import { evaluate } from './evaluate';
import { modelPaths, readModel, trainingSet } from './load';
import { Classifier, modelVersionFor, trainModel } from './model';

/** A model's figures on the held-out split. */
export interface ModelScore {
  version: string;
  trainingExamples: number;
  corrections: number;
  top1: number;
  top3: number;
  macroF1: number;
}

export interface RetrainResult {
  deployed: boolean;
  /**
   * no-model: nothing was deployed before; better / equal: the candidate is not worse and replaced the model;
   * worse: the candidate scored lower and was kept aside; unchanged: nothing new to learn from.
   */
  reason: 'no-model' | 'better' | 'equal' | 'worse' | 'unchanged';
  candidate: ModelScore | null;
  current: ModelScore | null;
  trainMs: number;
  at: string;
}

export interface RetrainOptions {
  catalogue: Catalogue;
  store: TicketStore;
  dataDir: string;
  /** Retrain even when the training data has not changed since the deployed model. */
  force?: boolean;
  onProgress?: (step: string) => void;
}

function score(c: Classifier, heldout: Parameters<typeof evaluate>[1]): ModelScore {
  const e = evaluate(c, heldout, c.recommendedThreshold);
  const r = (x: number) => Math.round(x * 10000) / 10000;
  return { version: c.version, trainingExamples: c.model.trainingExamples, corrections: c.model.corrections, top1: r(e.top1), top3: r(e.top3), macroF1: r(e.macroF1) };
}

/**
 * Not worse on the held-out split: top-1 and top-3 accuracy both at least the deployed model's. A tie deploys,
 * because the candidate has learnt the corrections that the held-out split cannot measure.
 */
export function notWorse(candidate: ModelScore, current: ModelScore): boolean {
  return candidate.top1 >= current.top1 && candidate.top3 >= current.top3;
}

/**
 * Trains a candidate from the corpus and the kept corrections, scores it and the deployed model on the held-out
 * split, and deploys the candidate (atomic file replace) only if it is not worse. Every run is logged.
 */
export async function retrainClassifier(o: RetrainOptions): Promise<RetrainResult> {
  const paths = modelPaths(o.dataDir);
  const set = trainingSet(o.catalogue, await o.store.listCorrections());
  const deployed = readModel(paths.model);
  const at = new Date().toISOString();
  const current = deployed ? score(deployed, set.corpus.heldout) : null;
  let result: RetrainResult;
  if (deployed && !o.force && deployed.version === modelVersionFor(set.examples, set.scope)) {
    result = { deployed: false, reason: 'unchanged', candidate: null, current, trainMs: 0, at };
  } else {
    const started = Date.now();
    const candidate = new Classifier(trainModel(set.examples, { corrections: set.corrections, corpusVersion: set.corpusVersion, scope: set.scope, onProgress: o.onProgress }));
    const trainMs = Date.now() - started;
    const cand = score(candidate, set.corpus.heldout);
    if (!current || notWorse(cand, current)) {
      if (deployed) deployed.save(paths.previous);
      candidate.save(paths.model);
      const reason = !current ? 'no-model' : cand.top1 > current.top1 || cand.top3 > current.top3 ? 'better' : 'equal';
      result = { deployed: true, reason, candidate: cand, current, trainMs, at };
    } else {
      candidate.save(paths.rejected);
      result = { deployed: false, reason: 'worse', candidate: cand, current, trainMs, at };
    }
  }
  fs.mkdirSync(paths.dir, { recursive: true });
  fs.appendFileSync(paths.log, JSON.stringify(result) + '\n');
  return result;
}
