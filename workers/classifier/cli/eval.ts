import { ConfigError, loadConfig } from '../../../bot/config';
import { Catalogue } from '../../../data/catalogue';
import { loadCorpus, type Example } from '../corpus';
import { evaluate, type Evaluation } from '../evaluate';
import { catalogueScope, Classifier, trainModel } from '../model';
import { compareApproaches } from '../compare';

/**
 * `npm run eval:classifier`: trains on data/corpus/train and reports on the held-out split — top-1/top-3
 * accuracy, macro-F1, per-unit recall, the ten most confused pairs, and the share below the threshold.
 * --compare also measures the alternatives (natural's multinomial Bayes scoring, our multinomial log-space
 * scoring, complement Bayes); --natural-lr adds natural's LogisticRegressionClassifier (minutes).
 */
async function main(argv: string[]): Promise<void> {
  const config = loadConfig();
  const catalogue = Catalogue.load();
  const corpus = loadCorpus(catalogue.codes());
  const started = Date.now();
  const classifier = new Classifier(trainModel(corpus.train, { scope: catalogueScope(catalogue) }));
  const trainS = (Date.now() - started) / 1000;
  const threshold = config.classifierThreshold ?? classifier.recommendedThreshold;
  const e = evaluate(classifier, corpus.heldout, threshold);
  print(e, catalogue, { train: corpus.train.length, trainS, recommended: classifier.recommendedThreshold, configured: config.classifierThreshold });
  if (argv.includes('--compare') || argv.includes('--natural-lr')) {
    console.log('\nApproaches compared on the same split (department only):');
    console.log(pad('approach', 64) + pad('top-1', 8) + pad('top-3', 8) + pad('macro-F1', 10) + pad('train s', 9) + 'ms/msg');
    for await (const r of compareApproaches(corpus.train, corpus.heldout, { naturalLr: argv.includes('--natural-lr'), scope: catalogueScope(catalogue) })) {
      console.log(pad(r.name, 64) + pad(r.top1.toFixed(3), 8) + pad(r.top3.toFixed(3), 8) + pad(r.macroF1.toFixed(3), 10) + pad(r.trainS.toFixed(1), 9) + r.msPerMessage.toFixed(3));
    }
  }
}

function pad(s: string, n: number): string {
  // Chinese characters take two columns.
  const width = [...s].reduce((w, ch) => w + (/[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1), 0);
  return s + ' '.repeat(Math.max(1, n - width));
}

function print(e: Evaluation, catalogue: Catalogue, info: { train: number; trainS: number; recommended: number; configured?: number }): void {
  const f = (x: number) => x.toFixed(3);
  console.log(`Held-out split: ${e.examples} messages, ${e.perUnit.length} units (trained on ${info.train} in ${info.trainS.toFixed(1)} s)`);
  console.log(`  top-1 accuracy   ${f(e.top1)}`);
  console.log(`  top-3 accuracy   ${f(e.top3)}`);
  console.log(`  macro-F1         ${f(e.macroF1)}`);
  console.log(
    `  threshold        ${e.threshold} (${info.configured === undefined ? 'recommended by the model' : 'CLASSIFIER_THRESHOLD; the model recommends ' + info.recommended})`,
  );
  console.log(`  below threshold  ${f(e.belowThreshold)} of messages go to the dispatch centre (人工派单)`);
  console.log(`  above threshold  ${f(e.correctAboveThreshold)} routed to the right unit`);
  console.log(`  ticket type      ${f(e.typeAccuracy)} accuracy`);
  console.log(`  urgency          precision ${f(e.urgent.precision)}, recall ${f(e.urgent.recall)}, accuracy ${f(e.urgent.accuracy)}`);
  console.log('\nPer-unit recall (held-out messages, recall, precision):');
  for (const u of [...e.perUnit].sort((a, b) => a.recall - b.recall)) {
    console.log(`  ${pad(u.department, 26)}${pad(catalogue.nameOf(u.department), 34)}${pad(String(u.n), 5)}${pad(f(u.recall), 8)}${f(u.precision)}`);
  }
  console.log('\nTen most confused pairs (actual → predicted, count):');
  for (const p of e.confusedPairs) console.log(`  ${pad(p.actual, 26)}→ ${pad(p.predicted, 26)}${p.count}`);
}


main(process.argv.slice(2)).catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
