import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot } from '../bot/config';
import { Catalogue, DISPATCH_CENTRE } from '../data/catalogue';
import { loadCorpus } from '../workers/classifier/corpus';
import { evaluate, thresholdForPrecision } from '../workers/classifier/evaluate';
import { catalogueScope, Classifier, modelVersionFor, TARGET_PRECISION, trainModel } from '../workers/classifier/model';
import { BayesScorer, trainBayes } from '../workers/classifier/naive-bayes';
import { MAX_CHARS, tokenize } from '../workers/classifier/tokenize';
import { decideRouting } from '../workers/intake/route-ticket';
import { tempDir, testClassifier } from './helpers/harness';

const catalogue = Catalogue.load();
const corpus = loadCorpus(catalogue.codes());
const classifier = testClassifier(catalogue);

describe('tokenizer', () => {
  it('gives words and character bigrams, without stop words, digits or phone numbers', () => {
    const tokens = tokenize('楼下烧烤店油烟太大，我的电话13812345678');
    expect(tokens).toEqual(expect.arrayContaining(['w:烧烤店', 'w:油烟', 'b:油烟', 'b:烧烤']));
    expect(tokens.some((t) => /\d/.test(t))).toBe(false);
    expect(tokens).not.toContain('w:我的');
  });

  it('drops house addresses but keeps words that merely contain 路 or 小区', () => {
    const tokens = tokenize('幸福路88号楼下路灯不亮，锦绣花园3栋小区物业不管');
    expect(tokens.some((t) => t.includes('幸福') || t.includes('锦绣'))).toBe(false);
    expect(tokens).toEqual(expect.arrayContaining(['b:路灯', 'w:小区', 'w:物业']));
  });

  it('reads full-width and half-width text alike', () => {
    expect(tokenize('ＡＢＣ公司拖欠工资')).toEqual(tokenize('abc公司拖欠工资'));
  });

  it('looks at no more than MAX_CHARS of a very long unbroken message, so its cost is bounded', () => {
    const long = '油烟扰民'.repeat(250_000); // a million characters without punctuation
    const tokens = tokenize(long);
    expect(tokens).toEqual(tokenize(long.slice(0, MAX_CHARS)));
    expect(tokens.length).toBeLessThanOrEqual(3 * MAX_CHARS);
    expect(tokens.length).toBeGreaterThan(MAX_CHARS / 2);
  });

  it('loses no bigram where it cuts a long unbroken run into chunks for the segmenter', () => {
    const run = '小区门口有人占道经营卖水果到处都是垃圾没人管'.repeat(10);
    const bigrams = new Set(tokenize(run).filter((t) => t.startsWith('b:')));
    for (let i = 0; i + 1 < run.length; i++) expect(bigrams.has('b:' + run.slice(i, i + 2))).toBe(true);
  });

  it('returns nothing for input without Chinese or words', () => {
    expect(tokenize('😀😀 123 !!!')).toEqual([]);
    expect(tokenize('')).toEqual([]);
  });
});

describe('corpus', () => {
  it('has at least 60 messages per catalogue unit, more for the busy ones, and 15 held out per unit', () => {
    const count = (split: typeof corpus.train, code: string) => split.filter((e) => e.department === code).length;
    for (const code of catalogue.codes()) {
      expect([code, count(corpus.train, code) + count(corpus.heldout, code) >= 60]).toEqual([code, true]);
      expect([code, count(corpus.heldout, code) >= 15]).toEqual([code, true]);
    }
    const busy = ['urban-management', 'housing-construction', 'market-regulation', 'human-resources'];
    const median = [...catalogue.codes()].map((c) => count(corpus.train, c)).sort((a, b) => a - b)[Math.floor(catalogue.codes().length / 2)];
    for (const code of busy) expect(count(corpus.train, code)).toBeGreaterThan(median);
  });

  it('labels every example with a catalogue code and keeps held-out texts out of training', () => {
    expect(corpus.train.every((e) => catalogue.has(e.department))).toBe(true);
    const train = new Set(corpus.train.map((e) => e.text));
    expect(corpus.heldout.filter((e) => train.has(e.text))).toEqual([]);
  });
});

describe('naive Bayes scoring', () => {
  const docs = [
    ...Array.from({ length: 30 }, () => ({ tokens: ['w:工资', 'w:老板', 'w:拖欠'], label: 'big' })),
    ...Array.from({ length: 3 }, () => ({ tokens: ['w:路灯', 'w:不亮'], label: 'small' })),
  ];
  it('complement scoring does not let the unit with the most examples win on words it has never seen', () => {
    const scorer = new BayesScorer(trainBayes(docs, { scoring: 'complement', alpha: 1 }));
    expect(scorer.classify(['w:路灯'])[0].label).toBe('small');
    expect(scorer.classify(['w:工资'])[0].label).toBe('big');
  });
  it('multinomial scoring is there to compare with, and agrees on clear cases', () => {
    const scorer = new BayesScorer(trainBayes(docs, { scoring: 'multinomial', alpha: 1 }));
    expect(scorer.classify(['w:路灯', 'w:不亮'])[0].label).toBe('small');
  });
});

describe('the trained department classifier', () => {
  it('predicts catalogue codes with three candidates whose confidences are probabilities', () => {
    const p = classifier.predict('老板拖欠工资三个月了，去问就说没钱');
    expect(p.department).toBe('human-resources');
    expect(p.candidates).toHaveLength(3);
    expect(p.candidates[0]).toEqual({ department: p.department, confidence: p.confidence });
    const sum = p.candidates.reduce((a, c) => a + c.confidence, 0);
    expect(sum).toBeLessThanOrEqual(1.0001);
    expect(p.candidates[0].confidence).toBeGreaterThanOrEqual(p.candidates[1].confidence);
  });

  it('meets issue 3\'s targets on the held-out split: top-1 >= 0.90, top-3 >= 0.98, right 97% of the time above its threshold', () => {
    // Reached: 0.903 and 0.984 (see the README); a corpus change that loses them fails here.
    const e = evaluate(classifier, corpus.heldout, classifier.recommendedThreshold);
    expect(e.examples).toBeGreaterThanOrEqual(15 * catalogue.codes().length);
    expect(e.top1).toBeGreaterThanOrEqual(0.9);
    expect(e.top3).toBeGreaterThanOrEqual(0.98);
    expect(e.macroF1).toBeGreaterThanOrEqual(0.9);
    expect(e.correctAboveThreshold).toBeGreaterThanOrEqual(TARGET_PRECISION);
    expect(e.typeAccuracy).toBeGreaterThanOrEqual(0.77);
    expect(e.urgent.recall).toBeGreaterThanOrEqual(0.85);
  });

  it('is calibrated: on held-out messages its confidence matches how often it is right', () => {
    // Expected calibration error over ten confidence bins.
    const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, right: 0 }));
    for (const e of corpus.heldout) {
      const p = classifier.predict(e.text);
      const b = bins[Math.min(9, Math.floor(p.confidence * 10))];
      b.n++;
      b.conf += p.confidence;
      b.right += p.department === e.department ? 1 : 0;
    }
    const ece = bins.reduce((s, b) => s + Math.abs(b.conf - b.right), 0) / corpus.heldout.length;
    expect(ece).toBeLessThan(0.08);
  });

  it('says what the words that decided were', () => {
    const words = classifier.explain('楼下烧烤店油烟太大，熏得人没法开窗');
    expect(words.length).toBeGreaterThan(0);
    expect(words.map((w) => w.token)).toEqual(expect.arrayContaining([expect.stringMatching(/油烟|烧烤/)]));
  });

  it('proposes a ticket type and flags outages, safety risks and people at risk as urgent', () => {
    expect(classifier.predict('家里停水两天了，老人孩子都没水喝').urgent).toBe(true);
    expect(classifier.predict('厂房旁边马路的井盖丢了好几天，晚上很危险').urgent).toBe(true);
    expect(classifier.predict('想咨询一下怎么办理居住证').urgent).toBe(false);
    expect(classifier.predict('想咨询一下怎么办理居住证').type).toBe('咨询');
    expect(classifier.predict('强烈建议在学校门口增设一个红绿灯').type).toBe('建议');
  });

  it('predicts the same after a save and a load, and carries the training data fingerprint as its version', () => {
    const dir = tempDir('model');
    const file = path.join(dir, 'model.json');
    classifier.save(file);
    const loaded = Classifier.load(file);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(loaded.version).toBe(modelVersionFor(corpus.train, catalogueScope(catalogue)));
    for (const e of corpus.heldout.slice(0, 30)) expect(loaded.predict(e.text)).toEqual(classifier.predict(e.text));
  });
});

describe('the catalogue scope', () => {
  it('teaches the department model what the catalogue says a unit handles, so editing the catalogue changes routing', () => {
    const units = ['transport', 'traffic-police', 'public-security'];
    const examples = corpus.train.filter((e) => units.includes(e.department));
    const text = '想问一下无人机航拍备案在哪里办';
    const without = new Classifier(trainModel(examples, { folds: 2 }));
    const edited = catalogueScope(catalogue)
      .filter((s) => units.includes(s.department))
      .map((s) => (s.department === 'transport' ? { ...s, phrases: [...s.phrases, '无人机航拍备案'] } : s));
    const withScope = new Classifier(trainModel(examples, { folds: 2, scope: edited }));
    expect(withScope.predict(text).department).toBe('transport');
    expect(withScope.version).not.toBe(without.version);
    const p = (c: Classifier) => c.predict(text).candidates.find((x) => x.department === 'transport')?.confidence ?? 0;
    expect(p(withScope)).toBeGreaterThan(p(without));
  });
});

describe('threshold routing', () => {
  it('recommends the lowest threshold above which out-of-fold predictions were right often enough', () => {
    const scored = [
      { confidence: 0.99, correct: true },
      { confidence: 0.9, correct: true },
      { confidence: 0.8, correct: false },
      { confidence: 0.7, correct: true },
      { confidence: 0.6, correct: false },
    ];
    expect(thresholdForPrecision(scored, 1)).toBe(0.9);
    expect(thresholdForPrecision(scored, 0.75)).toBe(0.7);
    expect(thresholdForPrecision(scored, 0.5)).toBe(0.6);
    expect(thresholdForPrecision([{ confidence: 0.5, correct: false }], 0.97)).toBe(1);
  });

  it('sends confident predictions to the unit and unsure ones to the dispatch centre with the candidates', () => {
    const threshold = classifier.recommendedThreshold;
    expect(threshold).toBeGreaterThan(0);
    expect(threshold).toBeLessThan(1);
    const predictions = corpus.heldout.map((e) => classifier.predict(e.text));
    const sure = predictions.find((p) => p.confidence >= threshold)!;
    const unsure = predictions.find((p) => p.confidence < threshold)!;
    const at = new Date('2026-11-23T01:00:00Z');
    expect(decideRouting(sure, catalogue, threshold, classifier.version, at)).toMatchObject({ department: sure.department, queue: sure.department, by: 'classifier' });
    expect(decideRouting(unsure, catalogue, threshold, classifier.version, at)).toMatchObject({
      department: null,
      queue: DISPATCH_CENTRE,
      candidates: unsure.candidates,
      confidence: unsure.confidence,
    });
  });
});

describe('npm run --silent classify', () => {
  it('writes exactly one JSON object per input line and nothing else on stdout', () => {
    const input = ['楼下烧烤店油烟太大', '', '公积金怎么提取？', '   ', 'x'.repeat(20000)].join('\n') + '\n';
    // The tests' model folder already holds a model trained on the current corpus, so nothing is trained here.
    const run = spawnSync(process.execPath, [path.join(projectRoot(), 'dist/workers/classifier/cli/classify.js')], {
      input,
      env: { ...process.env, DATA_DIR: path.join(os.tmpdir(), 'hotline-test-model') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n').filter((l, i, all) => !(i === all.length - 1 && l === ''));
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      const o = JSON.parse(line);
      expect(Object.keys(o)).toEqual(['department', 'confidence', 'candidates', 'type', 'urgent']);
      expect(catalogue.has(o.department)).toBe(true);
      expect(o.candidates).toHaveLength(3);
      expect(typeof o.urgent).toBe('boolean');
    }
    expect(JSON.parse(lines[0]).department).toBe('urban-management');
    expect(JSON.parse(lines[2]).department).toBe('housing-provident-fund');
  });
});
