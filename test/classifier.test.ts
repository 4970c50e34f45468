import * as path from 'node:path';
import { Catalogue } from '../data/catalogue';
import { loadCorpus } from '../workers/classifier/corpus';
import { Classifier, modelVersionFor } from '../workers/classifier/model';
import { MAX_CHARS, tokenize } from '../workers/classifier/tokenize';
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
  it('looks at no more than MAX_CHARS of a very long unbroken message', () => {
    const long = '油烟扰民'.repeat(50_000);
    const tokens = tokenize(long);
    expect(tokens.length).toBeLessThanOrEqual(2 * MAX_CHARS);
    expect(tokens.length).toBeGreaterThan(MAX_CHARS / 2);
  });
  it('returns nothing for input without Chinese or words', () => {
    expect(tokenize('😀😀 123 !!!')).toEqual([]);
  });
});

describe('corpus', () => {
  it('labels every example with a catalogue code and keeps held-out texts out of training', () => {
    expect(corpus.train.length).toBeGreaterThan(0);
    expect(corpus.train.every((e) => catalogue.has(e.department))).toBe(true);
    const train = new Set(corpus.train.map((e) => e.text));
    expect(corpus.heldout.filter((e) => train.has(e.text))).toEqual([]);
  });
});

describe('the trained department classifier', () => {
  it('predicts catalogue codes with three candidates whose confidences are probabilities', () => {
    const p = classifier.predict('老板拖欠工资三个月了，去问就说没钱');
    expect(catalogue.has(p.department)).toBe(true);
    expect(p.candidates).toHaveLength(3);
    expect(p.candidates[0]).toEqual({ department: p.department, confidence: p.confidence });
    const sum = p.candidates.reduce((a, c) => a + c.confidence, 0);
    expect(sum).toBeLessThanOrEqual(1.0001);
    expect(p.candidates[0].confidence).toBeGreaterThanOrEqual(p.candidates[1].confidence);
  });

  it('is clearly better than chance on the held-out split (issue 3 sets the real targets)', () => {
    let top1 = 0;
    let top3 = 0;
    for (const e of corpus.heldout) {
      const p = classifier.predict(e.text);
      if (p.department === e.department) top1++;
      if (p.candidates.some((c) => c.department === e.department)) top3++;
    }
    const n = corpus.heldout.length;
    expect(n).toBeGreaterThan(0);
    expect(top1 / n).toBeGreaterThan(0.6);
    expect(top3 / n).toBeGreaterThan(0.8);
  });

  it('proposes a ticket type and flags outages as urgent', () => {
    expect(classifier.predict('家里停水两天了，老人孩子都没水喝').urgent).toBe(true);
    expect(classifier.predict('厂房旁边马路的井盖丢了好几天，晚上很危险').urgent).toBe(true);
    expect(classifier.predict('想咨询一下怎么办理居住证').urgent).toBe(false);
    expect(['咨询', '求助', '投诉', '举报', '建议', '表扬']).toContain(classifier.predict('想咨询一下怎么办理居住证').type);
  });

  it('predicts the same after a save and a load, and carries the corpus fingerprint as its version', () => {
    const file = path.join(tempDir('model'), 'model.json');
    classifier.save(file);
    const loaded = Classifier.load(file);
    expect(loaded.version).toBe(modelVersionFor(corpus.train));
    for (const e of corpus.heldout.slice(0, 30)) expect(loaded.predict(e.text)).toEqual(classifier.predict(e.text));
  });
});
