import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isTicketType, type TicketType } from '../../data/tickets/ticket';
import type { Example } from './corpus';
import { BayesScorer, fitTemperature, trainBayes, type BayesParams } from './naive-bayes';
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

export interface ModelFile {
  format: 1;
  version: string;
  trainedAt: string;
  trainingExamples: number;
  department: BayesParams;
  type: BayesParams;
  urgent: BayesParams;
}

// Urgent matters the model must not miss even when worded unlike the corpus: outages, safety risks, people at risk.
const URGENT_PATTERNS = [
  /停水|没水|断水|停电|没电|断电|跳闸.*(全|整)|停气|没气|断气|暖气.*(不热|停|没)|没暖气|供暖.*停/,
  /泄漏|漏气|煤气味|燃气味|天然气味|冒烟|火苗|塌|倒塌|坍塌|裂缝.*(楼|墙)|悬空|掉落|触电|漏电|电线.*(掉|断|垂)|井盖.*(丢|没了|缺|被偷|掉|塌)|(丢|缺|没有?)了?井盖/,
  /独居老人|老人.*(摔|倒|没人管|联系不上)|孩子.*(走失|被困|没人管)|困在电梯|被困|轮椅|瘫痪.*(没人|无人)/,
];

export function ruleSaysUrgent(text: string): boolean {
  return URGENT_PATTERNS.some((re) => re.test(text));
}

/** The version a model trained on these examples carries: a fingerprint of the training data. */
export function modelVersionFor(examples: Example[]): string {
  const hash = crypto.createHash('sha256');
  for (const e of examples) hash.update(`${e.department}\t${e.type}\t${e.urgent}\t${e.text}\n`);
  return 'nb-' + hash.digest('hex').slice(0, 12);
}

/** Fits a model's temperature on a validation slice, then trains the final model on all the given examples. */
function trainCalibrated(docs: { tokens: string[]; label: string }[]): BayesParams {
  const validation = docs.filter((_, i) => i % 7 === 3);
  const fitting = docs.filter((_, i) => i % 7 !== 3);
  const temperature = fitTemperature(new BayesScorer(trainBayes(fitting)), validation);
  return { ...trainBayes(docs), temperature };
}

/** Trains the three models (department, type, urgency) from examples. Deterministic for the same examples. */
export function trainModel(examples: Example[], onProgress?: (step: string) => void): ModelFile {
  const tokenized = examples.map((e) => ({ e, tokens: tokenize(e.text) }));
  onProgress?.('department');
  const department = trainCalibrated(tokenized.map(({ e, tokens }) => ({ tokens, label: e.department })));
  onProgress?.('type');
  const type = trainCalibrated(tokenized.map(({ e, tokens }) => ({ tokens, label: e.type })));
  onProgress?.('urgent');
  const urgent = trainCalibrated(tokenized.map(({ e, tokens }) => ({ tokens, label: e.urgent ? 'urgent' : 'normal' })));
  return {
    format: 1,
    version: modelVersionFor(examples),
    trainedAt: new Date().toISOString(),
    trainingExamples: examples.length,
    department,
    type,
    urgent,
  };
}

/** A loaded model, ready to predict. */
export class Classifier {
  private readonly department: BayesScorer;
  private readonly type: BayesScorer;
  private readonly urgent: BayesScorer;

  constructor(readonly model: ModelFile) {
    this.department = new BayesScorer(model.department);
    this.type = new BayesScorer(model.type);
    this.urgent = new BayesScorer(model.urgent);
  }

  get version(): string {
    return this.model.version;
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
      urgent: urgentP >= 0.5 || ruleSaysUrgent(text),
    };
  }

  save(file: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = file + '.' + process.pid + '.tmp';
    fs.writeFileSync(tmp, JSON.stringify(this.model));
    fs.renameSync(tmp, file);
  }

  static load(file: string): Classifier {
    const model = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelFile;
    if (model.format !== 1) throw new Error(`Unsupported model format in ${file}`);
    return new Classifier(model);
  }
}

function round(p: number): number {
  return Math.round(p * 10000) / 10000;
}
