// natural's Bayes classifier, loaded without natural's index (which pulls dotenv and much more).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const NaturalBayes = require('natural/lib/natural/classifiers/bayes_classifier');

/**
 * How a trained naive Bayes model turns feature counts into class scores.
 * - multinomial: P(feature | class) from the class's own counts, with the class prior (textbook naive Bayes).
 * - complement: P(feature | every other class), subtracted (Rennie et al. 2003, "Tackling the Poor Assumptions of
 *   Naive Bayes Text Classifiers"). It does not favour the classes with the most training text, which multinomial
 *   naive Bayes does badly on a corpus where the busy units have more examples; it wins on the held-out split.
 */
// Math's functions held locally: under Jest's sandbox every global lookup in a hot loop costs ~20×.
const { log: ln, exp, max, pow } = Math;

export type BayesScoring = 'multinomial' | 'complement';

/** The trained parameters of one naive Bayes model: what is saved to the model file and scored at run time. */
export interface BayesParams {
  scoring: BayesScoring;
  labels: string[];
  vocabulary: string[];
  /**
   * Per label, the counts natural trained, compacted for the model file: [feature index, number of training
   * documents of that label containing it, …] (natural's own object form, keyed by index strings, takes ten times
   * longer to read back).
   */
  classCounts: Record<string, number[]>;
  /** Per label, 1 + number of training documents. */
  classTotals: Record<string, number>;
  totalExamples: number;
  /** natural's additive smoothing (natural adds it to every count; classCounts holds the counts without it). */
  smoothing: number;
  /** Additive smoothing used when scoring (α). */
  alpha: number;
  /** Softmax temperature fitted on out-of-fold scores, turning scores into calibrated confidences. */
  temperature: number;
  /**
   * Scores are divided by (number of known features)^lengthExponent before the softmax: summed evidence grows
   * with the length of a message, so without it long messages get overconfident and short ones timid.
   * Fitted with the temperature.
   */
  lengthExponent: number;
  /** Complement only: each feature's counts weighted by its inverse document frequency (Rennie et al. §4.1). */
  idf?: boolean;
  /** Complement only: each label's weights divided by their total magnitude (Rennie et al. §3.2, WCNB). */
  normalize?: boolean;
}

export interface TrainingDoc {
  tokens: string[];
  label: string;
}

export interface BayesOptions {
  scoring?: BayesScoring;
  alpha?: number;
  idf?: boolean;
  normalize?: boolean;
}

/**
 * Trains natural's BayesClassifier on token arrays. natural turns every document into a dense vector over the
 * whole vocabulary, which is far too slow with Chinese n-gram features; its underlying classifier also accepts
 * sparse observations, so textToFeatures is replaced by a sparse one. The document counts that the sparse path
 * of natural's classifier leaves at their initial value are set from the data.
 */
export function trainBayes(docs: TrainingDoc[], options: BayesOptions = {}, sharedIndex?: Map<string, number>): BayesParams {
  const { inner, index, counts } = trainNaturalBayes(docs, sharedIndex);
  const classTotals: Record<string, number> = {};
  for (const [label, n] of Object.entries(counts)) classTotals[label] = n + 1;
  const vocabulary = new Array<string>(index.size);
  for (const [t, i] of index) vocabulary[i] = t;
  const scoring = options.scoring ?? 'complement';
  return {
    scoring,
    labels: Object.keys(counts).sort(),
    vocabulary,
    classCounts: compactCounts(inner.classifier.classFeatures, inner.classifier.smoothing),
    classTotals,
    totalExamples: Object.values(counts).reduce((a, b) => a + b, 0) + 1,
    smoothing: inner.classifier.smoothing,
    alpha: options.alpha ?? (scoring === 'complement' ? 1 : inner.classifier.smoothing),
    temperature: 1,
    lengthExponent: 0,
    idf: options.idf ?? false,
    normalize: options.normalize ?? false,
  };
}

/** natural's per-label feature counts ({index: count + smoothing}) as [index, count, …] arrays. */
function compactCounts(classFeatures: Record<string, Record<string, number>>, smoothing: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [label, features] of Object.entries(classFeatures)) {
    const row: number[] = [];
    for (const [f, c] of Object.entries(features)) if (c - smoothing > 0) row.push(Number(f), c - smoothing);
    out[label] = row;
  }
  return out;
}

/** natural's BayesClassifier as trained on sparse token observations (its own scoring is measured by `eval:classifier --compare`). */
export interface NaturalBayes {
  classifier: { classFeatures: Record<string, Record<string, number>>; classTotals: Record<string, number>; totalExamples: number; smoothing: number };
  getClassifications(tokens: string[]): { label: string; value: number }[];
}

/**
 * @param vocabulary a fixed feature index (tokens outside it are ignored), so several models trained on the same
 *   documents can share one vocabulary in the model file; by default the index grows with the documents.
 */
export function trainNaturalBayes(docs: TrainingDoc[], vocabulary?: Map<string, number>): { inner: NaturalBayes; index: Map<string, number>; counts: Record<string, number> } {
  const classifier = new NaturalBayes(undefined, 1);
  const index = vocabulary ?? new Map<string, number>();
  let frozen = vocabulary !== undefined;
  classifier.textToFeatures = (tokens: string[]) => {
    const observation: Record<number, number> = {};
    let k = 0;
    const seen = new Set<number>();
    for (const t of tokens) {
      let i = index.get(t);
      if (i === undefined) {
        if (frozen) continue;
        index.set(t, (i = index.size));
      }
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
  frozen = true;
  // natural's sparse path leaves the document counts at their initial value: set them from the data.
  const inner = classifier as NaturalBayes;
  for (const [label, n] of Object.entries(counts)) inner.classifier.classTotals[label] = n + 1;
  inner.classifier.totalExamples = Object.values(counts).reduce((a, b) => a + b, 0) + 1;
  return { inner, index, counts };
}

export interface Scored {
  label: string;
  probability: number;
}

/**
 * Scores documents with the counts natural trained, in log space (natural's own scoring divides a feature's count
 * by the class's document count, which favours small classes the longer the message is, and multiplies the
 * probabilities back out, which underflows to 0 on long messages). Each present feature counts once.
 * The weights are precomputed per feature, so a prediction costs (features present × labels) additions.
 */
export class BayesScorer {
  private readonly index: Map<string, number>;
  /** weights[f * L + k]: what feature f adds to label k's score. */
  private readonly weights: Float64Array;
  /** What a label's score starts from: its log prior (multinomial) or 0 (complement). */
  private readonly bias: Float64Array;
  /** Per-label score of a feature that label (or its complement) never saw in training. */
  private readonly unseen: Float64Array;

  /** @param index the index of params.vocabulary, when several scorers share one (built here otherwise). */
  constructor(readonly params: BayesParams, index?: Map<string, number>) {
    this.index = index ?? vocabularyIndex(params.vocabulary);
    const labels = params.labels;
    const L = labels.length;
    const V = params.vocabulary.length;
    const { alpha } = params;
    // Raw document counts per label and feature.
    const raw = labels.map((label) => {
      const row = new Float64Array(V);
      const counts = params.classCounts[label] ?? [];
      for (let i = 0; i < counts.length; i += 2) row[counts[i]] = counts[i + 1];
      return row;
    });
    const mass = raw.map(sum);
    this.weights = new Float64Array(V * L);
    this.bias = new Float64Array(L);
    this.unseen = new Float64Array(L);
    if (params.scoring === 'multinomial') {
      for (let k = 0; k < L; k++) {
        const denominator = ln(mass[k] + alpha * V);
        this.bias[k] = ln(params.classTotals[labels[k]] / params.totalExamples);
        this.unseen[k] = ln(alpha) - denominator;
        for (let f = 0; f < V; f++) this.weights[f * L + k] = ln(raw[k][f] + alpha) - denominator;
      }
    } else {
      if (params.idf) {
        // Document frequency of each feature across all labels; rarer features weigh more.
        const df = new Float64Array(V);
        for (const row of raw) for (let f = 0; f < V; f++) df[f] += row[f];
        const n = params.totalExamples;
        for (let k = 0; k < L; k++) {
          for (let f = 0; f < V; f++) raw[k][f] *= ln(n / max(df[f], 1));
          mass[k] = sum(raw[k]);
        }
      }
      const all = new Float64Array(V);
      for (const row of raw) for (let f = 0; f < V; f++) all[f] += row[f];
      const total = mass.reduce((a, b) => a + b, 0);
      for (let k = 0; k < L; k++) {
        const denominator = ln(total - mass[k] + alpha * V);
        this.unseen[k] = -(ln(alpha) - denominator);
        for (let f = 0; f < V; f++) this.weights[f * L + k] = -(ln(all[f] - raw[k][f] + alpha) - denominator);
      }
      if (params.normalize) {
        for (let k = 0; k < L; k++) {
          let norm = 0;
          for (let f = 0; f < V; f++) norm += Math.abs(this.weights[f * L + k]);
          norm /= V;
          for (let f = 0; f < V; f++) this.weights[f * L + k] /= norm;
          this.unseen[k] /= norm;
        }
      }
    }
  }

  /** Feature indexes of the known tokens of a document, each once. */
  features(tokens: string[]): number[] {
    const seen = new Set<number>();
    for (const t of tokens) {
      const i = this.index.get(t);
      if (i !== undefined) seen.add(i);
    }
    return [...seen];
  }

  /** Scores per label (higher is more likely), in the order of params.labels, and the number of known features. */
  rawScores(tokens: string[]): { scores: Float64Array; n: number } {
    const L = this.params.labels.length;
    const s = Float64Array.from(this.bias);
    const features = this.features(tokens);
    for (const f of features) {
      const base = f * L;
      for (let k = 0; k < L; k++) s[k] += this.weights[base + k];
    }
    return { scores: s, n: features.length };
  }

  /** Scores scaled for the message's length, ready for the softmax. */
  scores(tokens: string[]): Float64Array {
    const { scores, n } = this.rawScores(tokens);
    return lengthScaled(scores, n, this.params.lengthExponent);
  }

  /** Labels with calibrated probabilities, most likely first. */
  classify(tokens: string[], temperature = this.params.temperature): Scored[] {
    return softmax(this.params.labels, this.scores(tokens), temperature);
  }

  /** How much each known token pushed the top label above the runner-up: the words that decided. */
  explain(tokens: string[], top: string, runnerUp: string, n = 5): { token: string; weight: number }[] {
    const L = this.params.labels.length;
    const a = this.params.labels.indexOf(top);
    const b = this.params.labels.indexOf(runnerUp);
    if (a < 0 || b < 0) return [];
    return this.features(tokens)
      .map((f) => ({ token: this.params.vocabulary[f], weight: this.weights[f * L + a] - this.weights[f * L + b] }))
      .sort((x, y) => y.weight - x.weight)
      .slice(0, n)
      .map((x) => ({ token: x.token, weight: Math.round(x.weight * 1000) / 1000 }));
  }
}

/** Token → feature index (a plain loop: twice as fast as building the Map from pairs, and the files are large). */
export function vocabularyIndex(vocabulary: string[]): Map<string, number> {
  const index = new Map<string, number>();
  for (let i = 0; i < vocabulary.length; i++) index.set(vocabulary[i], i);
  return index;
}

function sum(row: Float64Array): number {
  let s = 0;
  for (let i = 0; i < row.length; i++) s += row[i];
  return s;
}

function lengthScaled(scores: Float64Array, n: number, exponent: number): Float64Array {
  if (exponent === 0) return scores;
  const d = pow(max(n, 1), exponent);
  return scores.map((v) => v / d);
}

export function softmax(labels: string[], scores: ArrayLike<number>, temperature: number): Scored[] {
  let top = -Infinity;
  for (let k = 0; k < scores.length; k++) top = max(top, scores[k]);
  let sum = 0;
  const out: Scored[] = [];
  for (let k = 0; k < scores.length; k++) {
    const e = exp((scores[k] - top) / temperature);
    sum += e;
    out.push({ label: labels[k], probability: e });
  }
  for (const e of out) e.probability /= sum;
  return out.sort((x, y) => y.probability - x.probability);
}

export interface ScoredDoc {
  labels: string[];
  /** Unscaled scores. */
  scores: Float64Array;
  /** Known features of the document. */
  n: number;
  label: string;
}

/** Out-of-fold scores of every document: k models, each trained without one fold (plus `always`) and scoring it. */
export function outOfFoldScores(docs: TrainingDoc[], options: BayesOptions, folds = 5, always: TrainingDoc[] = []): ScoredDoc[] {
  const out: ScoredDoc[] = [];
  for (let f = 0; f < folds; f++) {
    const scorer = new BayesScorer(trainBayes([...docs.filter((_, i) => i % folds !== f), ...always], options));
    docs.forEach((d, i) => {
      if (i % folds === f) out.push({ labels: scorer.params.labels, ...scorer.rawScores(d.tokens), label: d.label });
    });
  }
  return out;
}

/** Calibrated probabilities of a scored document under a length exponent and temperature. */
export function calibrated(d: ScoredDoc, calibration: { temperature: number; lengthExponent: number }): Scored[] {
  return softmax(d.labels, lengthScaled(d.scores, d.n, calibration.lengthExponent), calibration.temperature);
}

/**
 * The length exponent and softmax temperature that minimize the negative log-likelihood of the true labels of
 * out-of-fold scores (a grid over the exponent, a 1-D search over the temperature).
 */
export function fitCalibration(scored: ScoredDoc[]): { temperature: number; lengthExponent: number } {
  let best = { temperature: 1, lengthExponent: 0, nll: Infinity };
  if (scored.length === 0) return best;
  for (const lengthExponent of [0, 0.25, 0.5, 0.75, 1]) {
    // Per document: scaled scores minus their maximum, and the true label's position.
    const docs = scored.map((d) => {
      const s = lengthScaled(d.scores, d.n, lengthExponent);
      let top = -Infinity;
      for (const v of s) top = max(top, v);
      return { s: s.map((v) => v - top), y: d.labels.indexOf(d.label) };
    });
    const nll = (t: number) => {
      let sum = 0;
      for (const { s, y } of docs) {
        let z = 0;
        for (let k = 0; k < s.length; k++) z += exp(s[k] / t);
        sum += y < 0 ? 27.6 : ln(z) - s[y] / t;
      }
      return sum;
    };
    // The NLL is unimodal in log t: a coarse grid, then golden-section search around the best point.
    let bestT = 1;
    let bestV = Infinity;
    for (let t = 0.001; t <= 1000; t *= 2) {
      const v = nll(t);
      if (v < bestV) [bestT, bestV] = [t, v];
    }
    let lo = ln(bestT / 2);
    let hi = ln(bestT * 2);
    const g = (Math.sqrt(5) - 1) / 2;
    for (let i = 0; i < 30; i++) {
      const a = hi - g * (hi - lo);
      const b = lo + g * (hi - lo);
      if (nll(exp(a)) < nll(exp(b))) hi = b;
      else lo = a;
    }
    const t = exp((lo + hi) / 2);
    const v = nll(t);
    if (v < best.nll) best = { temperature: t, lengthExponent, nll: v };
  }
  return { temperature: best.temperature, lengthExponent: best.lengthExponent };
}
