// natural's Bayes classifier, loaded without natural's index (which pulls dotenv and much more).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const NaturalBayes = require('natural/lib/natural/classifiers/bayes_classifier');

/** The trained parameters of one naive Bayes model: what is saved to the model file and scored at run time. */
export interface BayesParams {
  labels: string[];
  vocabulary: string[];
  /** Per label, feature index → number of training documents of that label containing it (+1 smoothing, natural's convention). */
  classFeatures: Record<string, Record<string, number>>;
  /** Per label, 1 + number of training documents. */
  classTotals: Record<string, number>;
  totalExamples: number;
  smoothing: number;
  /** Softmax temperature fitted on validation data, turning log scores into calibrated confidences. */
  temperature: number;
}

/**
 * Trains natural's BayesClassifier on token arrays. natural turns every document into a dense vector over the
 * whole vocabulary, which is far too slow with Chinese n-gram features; its underlying classifier also accepts
 * sparse observations, so textToFeatures is replaced by a sparse one. The document counts that the sparse path
 * of natural's classifier leaves at their initial value are set from the data.
 */
export function trainBayes(docs: { tokens: string[]; label: string }[], smoothing = 1): BayesParams {
  const classifier = new NaturalBayes(undefined, smoothing);
  const index = new Map<string, number>();
  classifier.textToFeatures = (tokens: string[]) => {
    const observation: Record<number, number> = {};
    let k = 0;
    const seen = new Set<number>();
    for (const t of tokens) {
      let i = index.get(t);
      if (i === undefined) index.set(t, (i = index.size));
      if (!seen.has(i)) {
        seen.add(i);
        observation[k++] = i;
      }
    }
    return observation;
  };
  const counts: Record<string, number> = {};
  for (const d of docs) {
    if (d.tokens.length === 0) continue;
    classifier.addDocument(d.tokens, d.label);
    counts[d.label] = (counts[d.label] ?? 0) + 1;
  }
  classifier.train();
  const inner = classifier.classifier as { classFeatures: Record<string, Record<string, number>>; smoothing: number };
  const classTotals: Record<string, number> = {};
  for (const [label, n] of Object.entries(counts)) classTotals[label] = n + 1;
  const vocabulary = new Array<string>(index.size);
  for (const [t, i] of index) vocabulary[i] = t;
  return {
    labels: Object.keys(counts).sort(),
    vocabulary,
    classFeatures: inner.classFeatures,
    classTotals,
    totalExamples: Object.values(counts).reduce((a, b) => a + b, 0) + 1,
    smoothing: inner.smoothing,
    temperature: 1,
  };
}

export interface Scored {
  label: string;
  probability: number;
}

/**
 * Scores a document with the counts natural trained, as a multinomial naive Bayes in log space.
 * natural's own scoring divides a feature's count by the class's document count, which favours small classes more
 * the longer the message is, and multiplies the probabilities back out, which underflows to 0 on long messages.
 * Here P(feature | class) = (count + smoothing) / (the class's total feature count + smoothing × vocabulary size).
 */
export class BayesScorer {
  private readonly index: Map<string, number>;
  private readonly logDenominator = new Map<string, number>();
  private readonly logPrior = new Map<string, number>();

  constructor(readonly params: BayesParams) {
    this.index = new Map(params.vocabulary.map((t, i) => [t, i]));
    const v = params.vocabulary.length;
    for (const label of params.labels) {
      let mass = 0;
      // natural stores 1 + smoothing for a feature's first document, so each count already carries its smoothing.
      for (const c of Object.values(params.classFeatures[label] ?? {})) mass += c;
      const unseen = v - Object.keys(params.classFeatures[label] ?? {}).length;
      this.logDenominator.set(label, Math.log(mass + unseen * params.smoothing));
      this.logPrior.set(label, Math.log(params.classTotals[label] / params.totalExamples));
    }
  }

  logScores(tokens: string[]): Map<string, number> {
    const features = new Set<number>();
    for (const t of tokens) {
      const i = this.index.get(t);
      if (i !== undefined) features.add(i);
    }
    const { classFeatures, smoothing } = this.params;
    const scores = new Map<string, number>();
    for (const label of this.params.labels) {
      const counts = classFeatures[label] ?? {};
      const denominator = this.logDenominator.get(label)!;
      let s = this.logPrior.get(label)!;
      for (const f of features) s += Math.log(counts[f] ?? smoothing) - denominator;
      scores.set(label, s);
    }
    return scores;
  }

  classify(tokens: string[], temperature = this.params.temperature): Scored[] {
    const scores = this.logScores(tokens);
    let max = -Infinity;
    for (const s of scores.values()) max = Math.max(max, s);
    let sum = 0;
    const exp: Scored[] = [];
    for (const [label, s] of scores) {
      const e = Math.exp((s - max) / temperature);
      sum += e;
      exp.push({ label, probability: e });
    }
    for (const e of exp) e.probability /= sum;
    return exp.sort((a, b) => b.probability - a.probability);
  }
}

/** Picks the softmax temperature that minimizes the negative log-likelihood of the true labels. */
export function fitTemperature(scorer: BayesScorer, docs: { tokens: string[]; label: string }[]): number {
  if (docs.length === 0) return 1;
  let best = { t: 1, nll: Infinity };
  for (let t = 0.5; t <= 64; t *= 1.15) {
    let nll = 0;
    for (const d of docs) {
      const p = scorer.classify(d.tokens, t).find((s) => s.label === d.label)?.probability ?? 0;
      nll -= Math.log(Math.max(p, 1e-12));
    }
    if (nll < best.nll) best = { t, nll };
  }
  return best.t;
}
