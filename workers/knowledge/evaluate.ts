import type { KnowledgeEntry } from '../../data/knowledge/entry';
import { KnowledgeBase, type MatchPolicy } from './knowledge-base';

/** How a match policy does on paraphrases (must find their entry) and on messages that must not be answered. */
export interface KnowledgeFigures {
  paraphrases: number;
  /** Share of paraphrases answered with their own entry. */
  answeredRight: number;
  /** Share of paraphrases answered with another entry (a wrong answer given to a citizen). */
  answeredWrong: number;
  /** Share of paraphrases whose entry is the search's first hit, confident or not. */
  rankedFirst: number;
  others: number;
  /** Share of the messages that must not be answered which were answered anyway. */
  falseAnswers: number;
}

/**
 * Leave-one-out over the entries' own question variants: each variant is searched in a knowledge base built without
 * it, as a paraphrase the entry was not built from. `others` are messages the knowledge base must not answer.
 */
export function evaluateKnowledge(entries: KnowledgeEntry[], others: string[], today: string, policy?: MatchPolicy): KnowledgeFigures {
  let n = 0;
  let right = 0;
  let wrong = 0;
  let first = 0;
  for (const entry of entries) {
    if (entry.questions.length < 2) continue;
    entry.questions.forEach((question, i) => {
      const rest = entries.map((e) => (e === entry ? { ...e, questions: e.questions.filter((_, j) => j !== i) } : e));
      const kb = new KnowledgeBase(rest, today, policy);
      n++;
      if (kb.search(question, 1)[0]?.entry.id === entry.id) first++;
      const hit = kb.match(question);
      if (hit?.entry.id === entry.id) right++;
      else if (hit) wrong++;
    });
  }
  const kb = new KnowledgeBase(entries, today, policy);
  const falseAnswers = others.filter((t) => kb.match(t) !== null).length;
  return { paraphrases: n, answeredRight: right / n, answeredWrong: wrong / n, rankedFirst: first / n, others: others.length, falseAnswers: others.length ? falseAnswers / others.length : 0 };
}
