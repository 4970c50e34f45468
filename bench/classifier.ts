import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Catalogue } from '../data/catalogue';
import { loadCorpus } from '../workers/classifier/corpus';
import { catalogueScope, Classifier, trainModel } from '../workers/classifier/model';
import { tokenize } from '../workers/classifier/tokenize';
import { percentile, rssMb, type BenchResult } from './report';

/**
 * The classifier's speed and memory: training on the whole corpus, loading the model file, and classifying one
 * message at a time (held-out messages, plus long and very long ones). Targets (issue 3): p99 < 2 ms per
 * message, training < 60 s, model load < 1 s.
 */
export async function benchClassifier(): Promise<BenchResult[]> {
  const catalogue = Catalogue.load();
  const corpus = loadCorpus(catalogue.codes());
  const rssBefore = rssMb();

  const t0 = process.hrtime.bigint();
  const model = trainModel(corpus.train, { scope: catalogueScope(catalogue) });
  const trainS = Number(process.hrtime.bigint() - t0) / 1e9;

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hotline-bench-')), 'classifier.json');
  new Classifier(model).save(file);
  const loads: number[] = [];
  let classifier: Classifier | undefined;
  for (let i = 0; i < 5; i++) {
    const l0 = process.hrtime.bigint();
    classifier = Classifier.load(file);
    loads.push(Number(process.hrtime.bigint() - l0) / 1e6);
  }
  const sizeMb = fs.statSync(file).size / 1e6;
  fs.rmSync(path.dirname(file), { recursive: true, force: true });

  // Messages as they come: the held-out split, and some long complaints (a whole letter pasted in).
  const messages = corpus.heldout.map((e) => e.text);
  const long = corpus.heldout.slice(0, 50).map((e, i) => e.text.repeat(Math.ceil(1500 / e.text.length)).slice(0, 1500 + i));
  const all = [...messages, ...long];
  for (const m of all.slice(0, 200)) classifier!.predict(m); // warm up
  const times: number[] = [];
  for (let round = 0; round < 10; round++) {
    for (const m of all) {
      const s = process.hrtime.bigint();
      classifier!.predict(m);
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
  }
  const huge = '我家楼下饭店油烟很大'.repeat(100_000);
  const h0 = process.hrtime.bigint();
  classifier!.predict(huge);
  const hugeMs = Number(process.hrtime.bigint() - h0) / 1e6;
  const tok0 = process.hrtime.bigint();
  tokenize(huge);
  const tokenizeHugeMs = Number(process.hrtime.bigint() - tok0) / 1e6;

  const rss = rssMb();
  return [
    { name: 'classifier: train on the whole corpus', value: trainS, unit: 's', target: '< 60 s', ok: trainS < 60, note: `${corpus.train.length} examples, 3 models, 5-fold calibration` },
    { name: 'classifier: load the model file', value: percentile(loads, 0.5), unit: 'ms', target: '< 1000 ms', ok: Math.max(...loads) < 1000, note: `${sizeMb.toFixed(1)} MB; worst of 5 ${Math.max(...loads).toFixed(0)} ms` },
    { name: 'classifier: classify one message, p50', value: percentile(times, 0.5), unit: 'ms', note: `${times.length} predictions (held-out + 1,500-char letters)` },
    { name: 'classifier: classify one message, p99', value: percentile(times, 0.99), unit: 'ms', target: '< 2 ms', ok: percentile(times, 0.99) < 2 },
    { name: 'classifier: a 1,000,000-character message', value: hugeMs, unit: 'ms', note: `tokenizing it: ${tokenizeHugeMs.toFixed(1)} ms (only the first 4,000 characters are read)` },
    { name: 'classifier: memory (RSS) after loading', value: rss, unit: 'MB', note: `${(rss - rssBefore).toFixed(0)} MB more than before training` },
  ];
}
