import type { Example } from './corpus';
import { evaluate } from './evaluate';
import { MODEL_OPTIONS, SCOPE_WEIGHT, type CatalogueScope, type Prediction } from './model';
import { BayesScorer, fitCalibration, outOfFoldScores, trainBayes, trainNaturalBayes, type BayesOptions, type TrainingDoc } from './naive-bayes';
import { tokenize } from './tokenize';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const NaturalLogisticRegression = require('natural/lib/natural/classifiers/logistic_regression_classifier');

/** One approach's figures on the held-out split (department only). */
export interface ApproachResult {
  name: string;
  top1: number;
  top3: number;
  macroF1: number;
  trainS: number;
  msPerMessage: number;
}

type Ranker = (tokens: string[]) => string[];

function asPredictor(rank: Ranker) {
  return {
    predict(text: string): Prediction {
      const labels = rank(tokenize(text));
      return {
        department: labels[0],
        confidence: 1,
        candidates: labels.slice(0, 3).map((department) => ({ department, confidence: 0 })),
        type: '投诉',
        typeConfidence: 0,
        urgent: false,
      };
    },
  };
}

function measure(name: string, train: () => Ranker, heldout: Example[]): ApproachResult {
  const started = Date.now();
  const rank = train();
  const trainS = (Date.now() - started) / 1000;
  const predictor = asPredictor(rank);
  const t0 = process.hrtime.bigint();
  const e = evaluate(predictor, heldout, 0);
  const msPerMessage = Number(process.hrtime.bigint() - t0) / 1e6 / heldout.length;
  return { name, top1: e.top1, top3: e.top3, macroF1: e.macroF1, trainS, msPerMessage };
}

function bayesRanker(docs: TrainingDoc[], options: BayesOptions): Ranker {
  const scorer = new BayesScorer(trainBayes(docs, options));
  return (tokens) => scorer.classify(tokens, 1).map((s) => s.label);
}

/** Two complement models, one on words and one on character bigrams, their calibrated probabilities averaged. */
function splitFeatureEnsemble(docs: TrainingDoc[]): Ranker {
  const heads = [(t: string) => t.startsWith('w:'), (t: string) => t.startsWith('b:')].map((keep) => {
    const part = docs.map((d) => ({ label: d.label, tokens: d.tokens.filter(keep) }));
    const options: BayesOptions = MODEL_OPTIONS.department;
    const calibration = fitCalibration(outOfFoldScores(part, options, 5));
    return { keep, scorer: new BayesScorer({ ...trainBayes(part, options), ...calibration }) };
  });
  return (tokens) => {
    const sum = new Map<string, number>();
    for (const h of heads) for (const s of h.scorer.classify(tokens.filter(h.keep))) sum.set(s.label, (sum.get(s.label) ?? 0) + s.probability);
    return [...sum.entries()].sort((a, b) => b[1] - a[1]).map(([l]) => l);
  };
}

/**
 * natural's LogisticRegressionClassifier: dense feature vectors and full-batch gradient descent per unit, so it
 * only runs on a small vocabulary: the `perUnit` features with the highest χ² for each unit, present/absent.
 */
function naturalLogisticRegression(docs: TrainingDoc[], perUnit: number): Ranker {
  const n = docs.length;
  const df = new Map<string, number>();
  const dfLabel = new Map<string, number>();
  const perLabel = new Map<string, number>();
  for (const d of docs) {
    perLabel.set(d.label, (perLabel.get(d.label) ?? 0) + 1);
    for (const t of new Set(d.tokens)) {
      df.set(t, (df.get(t) ?? 0) + 1);
      dfLabel.set(d.label + '\t' + t, (dfLabel.get(d.label + '\t' + t) ?? 0) + 1);
    }
  }
  const selected = new Set<string>();
  for (const [label, nc] of perLabel) {
    const scored: [string, number][] = [];
    for (const [t, nt] of df) {
      if (nt < 2) continue;
      const a = dfLabel.get(label + '\t' + t) ?? 0;
      const b = nt - a;
      const c = nc - a;
      const d = n - a - b - c;
      if (a * d <= b * c) continue;
      scored.push([t, (n * (a * d - b * c) ** 2) / ((a + c) * (b + d) * (a + b) * (c + d))]);
    }
    scored.sort((x, y) => y[1] - x[1]);
    for (const [t] of scored.slice(0, perUnit)) selected.add(t);
  }
  const features = [...selected];
  const position = new Map(features.map((t, i) => [t, i]));
  const vector = (tokens: string[]) => {
    const v = new Array<number>(features.length).fill(0);
    for (const t of tokens) {
      const i = position.get(t);
      if (i !== undefined) v[i] = 1;
    }
    return v;
  };
  const lr = new NaturalLogisticRegression();
  lr.textToFeatures = vector;
  for (const d of docs) lr.addDocument(d.tokens, d.label);
  lr.train();
  return (tokens) => (lr.getClassifications(tokens) as { label: string }[]).map((c) => c.label);
}

/** Trains and measures each approach on the same split, yielding results as they come. */
export async function* compareApproaches(
  train: Example[],
  heldout: Example[],
  options: { naturalLr?: boolean; lrFeaturesPerUnit?: number; scope?: CatalogueScope } = {},
): AsyncGenerator<ApproachResult> {
  const docs = train.map((e) => ({ tokens: tokenize(e.text), label: e.department }));
  const scopeDocs = (options.scope ?? []).flatMap((s) =>
    s.phrases.flatMap((p) => Array.from({ length: SCOPE_WEIGHT }, () => ({ tokens: tokenize(p), label: s.department }))),
  );
  yield measure('natural BayesClassifier, its own scoring', () => {
    const { inner } = trainNaturalBayes(docs);
    return (tokens) => inner.getClassifications(tokens).map((c) => c.label);
  }, heldout);
  yield measure('natural Bayes counts, multinomial in log space', () => bayesRanker(docs, { scoring: 'multinomial', alpha: 1 }), heldout);
  const deployed = MODEL_OPTIONS.department;
  yield measure('natural Bayes counts, complement NB + scope + word pairs (deployed)', () => bayesRanker([...docs, ...scopeDocs], deployed), heldout);
  yield measure('  weights normalized (WCNB)', () => bayesRanker([...docs, ...scopeDocs], { ...deployed, normalize: true }), heldout);
  yield measure('  TF-IDF counts (Rennie §4.1)', () => bayesRanker([...docs, ...scopeDocs], { ...deployed, idf: true }), heldout);
  yield measure('  without the catalogue scope', () => bayesRanker(docs, deployed), heldout);
  const noPairs = (t: string) => !t.startsWith('p:');
  yield measure('  without word pairs', () => {
    const r = bayesRanker([...docs, ...scopeDocs].map((d) => ({ ...d, tokens: d.tokens.filter(noPairs) })), deployed);
    return (tokens) => r(tokens.filter(noPairs));
  }, heldout);
  const words = docs.map((d) => ({ ...d, tokens: d.tokens.filter((t) => t.startsWith('w:')) }));
  const bigrams = docs.map((d) => ({ ...d, tokens: d.tokens.filter((t) => t.startsWith('b:')) }));
  yield measure('  jieba words only', () => {
    const r = bayesRanker(words, deployed);
    return (tokens) => r(tokens.filter((t) => t.startsWith('w:')));
  }, heldout);
  yield measure('  character bigrams only', () => {
    const r = bayesRanker(bigrams, deployed);
    return (tokens) => r(tokens.filter((t) => t.startsWith('b:')));
  }, heldout);
  yield measure('  without single characters', () => {
    const keep = (t: string) => !t.startsWith('u:');
    const r = bayesRanker(docs.map((d) => ({ ...d, tokens: d.tokens.filter(keep) })), deployed);
    return (tokens) => r(tokens.filter(keep));
  }, heldout);
  yield measure('combination: words model + bigrams model, averaged', () => splitFeatureEnsemble(docs), heldout);
  if (options.naturalLr) {
    const k = options.lrFeaturesPerUnit ?? 10;
    yield measure(`natural LogisticRegression, ${k} χ² features per unit`, () => naturalLogisticRegression(docs, k), heldout);
  }
}
