import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Catalogue } from '../../data/catalogue';
import { isTicketType, type TicketType } from '../../data/tickets/ticket';
import type { Example } from './corpus';
import { thresholdForPrecision } from './evaluate';
import { BayesScorer, calibrated, fitCalibration, outOfFoldScores, trainBayes, vocabularyIndex, type BayesOptions, type BayesParams, type TrainingDoc } from './naive-bayes';
import { tokenize } from './tokenize';

/** What the classifier says about one message. */
export interface Prediction {
  department: string;
  confidence: number;
  /** The three most likely units, best first. */
  candidates: { department: string; confidence: number }[];
  type: TicketType;
  typeConfidence: number;
  urgent: boolean;
}

/** What the routing needs from a classifier: a prediction, the version that made it, and its recommended threshold. */
export interface DepartmentClassifier {
  readonly version: string;
  /** The confidence below which its predictions should go to the dispatch centre, worked out on training data. */
  readonly recommendedThreshold: number;
  predict(text: string): Prediction;
}

/** Bumped whenever the model file or the tokens it was trained on change: an older file is retrained at start. */
export const MODEL_FORMAT = 3;

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  /** Fingerprint of everything the model was trained on (corpus and corrections) and how. */
  version: string;
  /** Fingerprint of data/corpus/train alone: a model trained from an older corpus is retrained at start. */
  corpusVersion: string;
  trainedAt: string;
  trainingExamples: number;
  /** How many of the training examples came from dispatchers' corrections. */
  corrections: number;
  /** The lowest confidence at which out-of-fold predictions on the training data were right at least 97% of the time. */
  recommendedThreshold: number;
  /** Probability of 'urgent' from which a message is called urgent (rules can also call it urgent). */
  urgentCutoff: number;
  /** The features (tokens) of all three models, which share them: each model's counts are by position in this list. */
  vocabulary: string[];
  department: HeadParams;
  type: HeadParams;
  urgent: HeadParams;
}

/** A model's parameters as the file keeps them: without the shared vocabulary. */
export type HeadParams = Omit<BayesParams, 'vocabulary'>;

/** The model settings that won on the held-out split (see `npm run eval:classifier -- --compare`). */
export const MODEL_OPTIONS: { department: BayesOptions; type: BayesOptions; urgent: BayesOptions } = {
  // Complement NB (Rennie et al. 2003), chosen by 5-fold cross-validation on the training split over weight
  // normalization (WCNB), α and the scope weight (see README, "The classifier").
  department: { scoring: 'complement', alpha: 1, normalize: false },
  type: { scoring: 'complement', alpha: 1 },
  urgent: { scoring: 'multinomial', alpha: 1 },
};

/** Target precision above the recommended threshold. */
export const TARGET_PRECISION = 0.97;

// Urgent matters the model must not miss even when worded unlike the corpus: outages, safety risks, people at risk.
const URGENT_PATTERNS = [
  /停水|没水|断水|停电|没电|断电|跳闸.*(全|整)|停气|没气|断气|暖气.*(不热|停|没)|没暖气|供暖.*停/,
  /泄漏|漏气|煤气味|燃气味|天然气味|冒烟|火苗|塌|倒塌|坍塌|裂缝.*(楼|墙)|悬空|掉落|触电|漏电|电线.*(掉|断|垂)|井盖.*(丢|没了|缺|被偷|掉|塌)|(丢|缺|没有?)了?井盖/,
  /独居老人|老人.*(摔|倒|没人管|联系不上)|孩子.*(走失|被困|没人管)|困在电梯|被困|轮椅|瘫痪.*(没人|无人)/,
];

export function ruleSaysUrgent(text: string): boolean {
  return URGENT_PATTERNS.some((re) => re.test(text));
}

/**
 * What the dispatch catalogue says each unit handles (its scope items and its name). The department model learns
 * them as short documents of their unit, each counted SCOPE_WEIGHT times: the catalogue is the official definition
 * of who does what, and a deployment that edits it teaches the classifier at the next training. Weight 3 was chosen
 * by 5-fold cross-validation on the training split (0.804 → 0.817 out-of-fold accuracy; 1: 0.811, 5: 0.813).
 */
export type CatalogueScope = { department: string; phrases: string[] }[];
export const SCOPE_WEIGHT = 3;

export function catalogueScope(catalogue: Catalogue): CatalogueScope {
  return catalogue.departments.map((d) => ({ department: d.code, phrases: [...d.scope, d.name] }));
}

function fingerprint(prefix: string, examples: Example[], scope: CatalogueScope, extra = ''): string {
  const hash = crypto.createHash('sha256');
  hash.update(extra);
  for (const e of examples) hash.update(`${e.department}\t${e.type}\t${e.urgent}\t${e.text}\n`);
  for (const s of scope) hash.update(`scope\t${s.department}\t${s.phrases.join('\t')}\n`);
  return prefix + hash.digest('hex').slice(0, 12);
}

/** Fingerprint of a corpus's training split and the catalogue's scope. */
export function corpusVersionFor(examples: Example[], scope: CatalogueScope = []): string {
  return fingerprint('corpus-', examples, scope);
}

/** The version a model trained on these examples and this scope with the current settings carries. */
export function modelVersionFor(examples: Example[], scope: CatalogueScope = []): string {
  return fingerprint('cnb-', examples, scope, JSON.stringify(MODEL_OPTIONS) + MODEL_FORMAT + SCOPE_WEIGHT);
}

export interface TrainOptions {
  /** The catalogue's scope, learnt by the department model (see catalogueScope). */
  scope?: CatalogueScope;
  /** Examples that came from corrections (already included in the examples), counted in the model file. */
  corrections?: number;
  /** Fingerprint of the corpus's training split; defaults to the fingerprint of all the examples. */
  corpusVersion?: string;
  onProgress?: (step: string) => void;
  /** Folds for the out-of-fold calibration. Default 5. */
  folds?: number;
}

interface HeadResult {
  params: BayesParams;
  /** Out-of-fold (confidence, correct) pairs. */
  oof: { confidence: number; correct: boolean }[];
  /** Out-of-fold probability of each label, with the true label. */
  oofProbabilities: { p: Map<string, number>; label: string }[];
}

/**
 * Fits a head's calibration on out-of-fold scores, then trains it on all the given documents. `always` documents
 * (the catalogue's scope) are part of every fold's training and never scored.
 */
function trainHead(docs: TrainingDoc[], options: BayesOptions, folds: number, vocabulary: Map<string, number>, always: TrainingDoc[] = []): HeadResult {
  const scored = outOfFoldScores(docs, options, folds, always);
  const calibration = fitCalibration(scored);
  const probabilities = scored.map((s) => ({ ranked: calibrated(s, calibration), label: s.label }));
  const oof = probabilities.map(({ ranked, label }) => ({ confidence: ranked[0].probability, correct: ranked[0].label === label }));
  const oofProbabilities = probabilities.map(({ ranked, label }) => ({ p: new Map(ranked.map((r) => [r.label, r.probability])), label }));
  return { params: { ...trainBayes([...docs, ...always], options, vocabulary), ...calibration }, oof, oofProbabilities };
}

/**
 * The probability from which a message is called urgent: the one maximizing F2 on out-of-fold predictions (the
 * model alone would say "urgent" only above 0.5 and miss most urgent matters, which are rare in the data). F2
 * weighs a missed urgent matter (a burst main, an old person alone in the cold) four times a false alarm, which the
 * dispatcher or the unit downgrades at a glance; F1 also swung the cutoff a whole step as a few dozen messages were
 * added. The rules for outages, safety risks and people at risk add to it.
 */
export function urgentCutoff(oof: { p: Map<string, number>; label: string }[]): number {
  let best = { cutoff: 0.5, f: -1 };
  for (let cutoff = 0.01; cutoff < 0.996; cutoff += 0.01) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const d of oof) {
      const says = (d.p.get('urgent') ?? 0) >= cutoff;
      if (says && d.label === 'urgent') tp++;
      else if (says) fp++;
      else if (d.label === 'urgent') fn++;
    }
    const f = tp === 0 ? 0 : (5 * tp) / (5 * tp + 4 * fn + fp);
    if (f > best.f) best = { cutoff: Math.round(cutoff * 100) / 100, f };
  }
  return best.cutoff;
}

/** Trains the three models (department, type, urgency) from examples. Deterministic for the same examples. */
export function trainModel(examples: Example[], options: TrainOptions = {}): ModelFile {
  const folds = options.folds ?? 5;
  const step = options.onProgress ?? (() => undefined);
  step('tokenizing');
  const tokenized = examples.map((e) => ({ e, tokens: tokenize(e.text) }));
  step('department');
  const scope = options.scope ?? [];
  const scopeDocs = scope.flatMap((s) => s.phrases.flatMap((p) => Array.from({ length: SCOPE_WEIGHT }, () => ({ tokens: tokenize(p), label: s.department }))));
  // One vocabulary for the three models: the file keeps it once and a loading process indexes it once.
  const vocabulary = new Map<string, number>();
  for (const d of [...tokenized.map((t) => t.tokens), ...scopeDocs.map((d) => d.tokens)]) for (const t of d) if (!vocabulary.has(t)) vocabulary.set(t, vocabulary.size);
  const department = trainHead(tokenized.map(({ e, tokens }) => ({ tokens, label: e.department })), MODEL_OPTIONS.department, folds, vocabulary, scopeDocs);
  step('type');
  const type = trainHead(tokenized.map(({ e, tokens }) => ({ tokens, label: e.type })), MODEL_OPTIONS.type, folds, vocabulary);
  step('urgent');
  const urgent = trainHead(tokenized.map(({ e, tokens }) => ({ tokens, label: e.urgent ? 'urgent' : 'normal' })), MODEL_OPTIONS.urgent, folds, vocabulary);
  const head = ({ vocabulary: _shared, ...params }: BayesParams): HeadParams => params;
  return {
    format: MODEL_FORMAT,
    version: modelVersionFor(examples, scope),
    corpusVersion: options.corpusVersion ?? corpusVersionFor(examples, scope),
    trainedAt: new Date().toISOString(),
    trainingExamples: examples.length,
    corrections: options.corrections ?? 0,
    recommendedThreshold: round(thresholdForPrecision(department.oof, TARGET_PRECISION)),
    urgentCutoff: urgentCutoff(urgent.oofProbabilities),
    vocabulary: department.params.vocabulary,
    department: head(department.params),
    type: head(type.params),
    urgent: head(urgent.params),
  };
}

/** A loaded model, ready to predict. */
export class Classifier implements DepartmentClassifier {
  private readonly department: BayesScorer;
  private readonly type: BayesScorer;
  private readonly urgent: BayesScorer;

  constructor(readonly model: ModelFile) {
    const index = vocabularyIndex(model.vocabulary);
    this.department = new BayesScorer({ ...model.department, vocabulary: model.vocabulary }, index);
    this.type = new BayesScorer({ ...model.type, vocabulary: model.vocabulary }, index);
    this.urgent = new BayesScorer({ ...model.urgent, vocabulary: model.vocabulary }, index);
  }

  get version(): string {
    return this.model.version;
  }

  get recommendedThreshold(): number {
    return this.model.recommendedThreshold;
  }

  predict(text: string): Prediction {
    const tokens = tokenize(text);
    const departments = this.department.classify(tokens);
    const types = this.type.classify(tokens);
    const urgentP = this.urgent.classify(tokens).find((s) => s.label === 'urgent')?.probability ?? 0;
    const typeLabel = types[0]?.label;
    return {
      department: departments[0].label,
      confidence: round(departments[0].probability),
      candidates: departments.slice(0, 3).map((d) => ({ department: d.label, confidence: round(d.probability) })),
      type: typeLabel && isTicketType(typeLabel) ? typeLabel : '投诉',
      typeConfidence: round(types[0]?.probability ?? 0),
      urgent: urgentP >= this.model.urgentCutoff || ruleSaysUrgent(text),
    };
  }

  /** The words that most favoured the top unit over the runner-up, for dispatchers ("为什么派给这里"). */
  explain(text: string, n = 5): { token: string; weight: number }[] {
    const tokens = tokenize(text);
    const [top, second] = this.department.classify(tokens);
    if (!top || !second) return [];
    return this.department.explain(tokens, top.label, second.label, n).filter((x) => x.weight > 0);
  }

  /** Writes the model atomically (temporary file, then rename), so a reader never sees half a file. */
  save(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = file + '.' + process.pid + '.tmp';
    fs.writeFileSync(tmp, JSON.stringify(this.model));
    fs.renameSync(tmp, file);
  }

  static load(file: string): Classifier {
    const model = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelFile;
    if (model.format !== MODEL_FORMAT) throw new Error(`Unsupported model format ${String(model.format)} in ${file}`);
    return new Classifier(model);
  }
}

function round(p: number): number {
  return Math.round(p * 10000) / 10000;
}
