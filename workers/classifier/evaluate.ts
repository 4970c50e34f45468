import type { Example } from './corpus';
import type { Prediction } from './model';

/** What a model scored on a labelled set: the figures `npm run eval:classifier` prints and the retrain gate compares. */
export interface Evaluation {
  examples: number;
  top1: number;
  top3: number;
  macroF1: number;
  /** Per unit: held-out examples, recall, precision. */
  perUnit: { department: string; n: number; recall: number; precision: number }[];
  /** The most frequent (true → predicted) mistakes. */
  confusedPairs: { actual: string; predicted: string; count: number }[];
  threshold: number;
  /** Share of messages whose confidence is below the threshold (they go to the dispatch centre). */
  belowThreshold: number;
  /** Among messages at or above the threshold, the share routed to the right unit (1 when there are none). */
  correctAboveThreshold: number;
  typeAccuracy: number;
  urgent: { precision: number; recall: number; accuracy: number };
}

export interface Predictor {
  predict(text: string): Prediction;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** Evaluates a predictor on labelled examples. Deterministic. */
export function evaluate(model: Predictor, examples: Example[], threshold: number): Evaluation {
  let top1 = 0;
  let top3 = 0;
  let above = 0;
  let aboveCorrect = 0;
  let typeRight = 0;
  let urgentTp = 0;
  let urgentFp = 0;
  let urgentFn = 0;
  let urgentRight = 0;
  const tp = new Map<string, number>();
  const predicted = new Map<string, number>();
  const actual = new Map<string, number>();
  const confused = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const e of examples) {
    const p = model.predict(e.text);
    inc(actual, e.department);
    inc(predicted, p.department);
    if (p.department === e.department) {
      top1++;
      inc(tp, e.department);
    } else inc(confused, `${e.department}\t${p.department}`);
    if (p.candidates.some((c) => c.department === e.department)) top3++;
    if (p.confidence >= threshold) {
      above++;
      if (p.department === e.department) aboveCorrect++;
    }
    if (p.type === e.type) typeRight++;
    if (p.urgent === e.urgent) urgentRight++;
    if (p.urgent && e.urgent) urgentTp++;
    if (p.urgent && !e.urgent) urgentFp++;
    if (!p.urgent && e.urgent) urgentFn++;
  }
  const n = examples.length;
  const units = [...new Set([...actual.keys()])].sort();
  const perUnit = units.map((department) => ({
    department,
    n: actual.get(department) ?? 0,
    recall: ratio(tp.get(department) ?? 0, actual.get(department) ?? 0),
    precision: ratio(tp.get(department) ?? 0, predicted.get(department) ?? 0),
  }));
  const f1s = perUnit.map((u) => (u.precision + u.recall === 0 ? 0 : (2 * u.precision * u.recall) / (u.precision + u.recall)));
  return {
    examples: n,
    top1: ratio(top1, n),
    top3: ratio(top3, n),
    macroF1: ratio(
      f1s.reduce((a, b) => a + b, 0),
      f1s.length,
    ),
    perUnit,
    confusedPairs: [...confused.entries()]
      .map(([k, count]) => {
        const [a, p] = k.split('\t');
        return { actual: a, predicted: p, count };
      })
      .sort((x, y) => y.count - x.count || x.actual.localeCompare(y.actual))
      .slice(0, 10),
    threshold,
    belowThreshold: ratio(n - above, n),
    correctAboveThreshold: above === 0 ? 1 : aboveCorrect / above,
    typeAccuracy: ratio(typeRight, n),
    urgent: { precision: ratio(urgentTp, urgentTp + urgentFp), recall: ratio(urgentTp, urgentTp + urgentFn), accuracy: ratio(urgentRight, n) },
  };
}

/**
 * The lowest threshold at which, on out-of-fold predictions, at least `precision` of the messages at or above it
 * are routed correctly: the default threshold a model recommends, worked out on its training data only.
 */
export function thresholdForPrecision(scored: { confidence: number; correct: boolean }[], precision: number): number {
  const sorted = [...scored].sort((a, b) => b.confidence - a.confidence);
  let correct = 0;
  let best = 1;
  sorted.forEach((s, i) => {
    if (s.correct) correct++;
    const next = sorted[i + 1];
    // Only cut between different confidences, so the threshold separates the sets it was computed on.
    if (correct / (i + 1) >= precision && (!next || next.confidence < s.confidence)) best = s.confidence;
  });
  return best;
}
