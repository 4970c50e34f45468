import { shanghaiDate } from '../../data/calendar/deadlines';
import { isUsable, type KnowledgeEntry } from '../../data/knowledge/entry';
import { tokenize } from '../classifier/tokenize';

/** One entry found for a message. */
export interface KnowledgeHit {
  entry: KnowledgeEntry;
  /** BM25 score (ranking only; not comparable across messages). */
  score: number;
  /** Share of the message's information (idf mass of its distinct tokens) that the entry contains, 0–1. */
  coverage: number;
  /** The next entry's score as a share of this one's (1: a tie). */
  runnerUp: number;
}

/** What makes a match confident enough to answer without a person (see README, "Answers on the spot"). */
export interface MatchPolicy {
  /** Lowest BM25 score: how much rare, shared wording the message and the entry must have in common. */
  minScore: number;
  /** Highest score of the next entry relative to the best one: a close second means the message is ambiguous. */
  maxRunnerUp: number;
  /** Longest message answered from the knowledge base: a longer one tells a story and needs a ticket. */
  maxChars: number;
}

/**
 * Chosen with `npm run eval:knowledge -- --grid` on the entries' own question variants, each searched with itself left
 * out: about 93% of the answers given are the right entry. A wrong or unwanted answer costs the citizen one tap
 * ("没解决"), after which the matter is taken in as a ticket.
 */
export const DEFAULT_MATCH_POLICY: MatchPolicy = { minScore: 30, maxRunnerUp: 0.7, maxChars: 120 };

const K1 = 1.2;
const B = 0.75;
/** The answer's words count for less than the questions' (they say what the entry answers, not how people ask). */
const ANSWER_WEIGHT = 1;

// Characters of how people ask, not of what they ask about: bigrams made with them ("了怎", "怎么", "么补") would make
// every "…丢了怎么补办" question look alike.
const ASKING = new Set('了怎么吗呢吧啊呀的是我你您在有和就也都这那个还又把被给让请能可以要什么哪咋啥多少几如何样'.split(''));

/** Tokens the search uses: words, word pairs and character bigrams without asking characters (single characters match too much by chance). */
export function searchTokens(text: string): string[] {
  return tokenize(text).filter((t) => !t.startsWith('u:') && !(t.startsWith('b:') && (ASKING.has(t[2]) || ASKING.has(t[3]))));
}

interface Doc {
  tf: Map<string, number>;
  length: number;
}

/**
 * The knowledge base's search: BM25 over the entries usable today, each entry one document made of all its question
 * variants and its answer (Chinese handled by the classifier's tokens). A match is confident when the entry holds
 * most of what the message says and no other entry comes close.
 */
export class KnowledgeBase {
  private readonly docs: Doc[];
  private readonly postings = new Map<string, number[]>();
  private readonly idf = new Map<string, number>();
  private readonly avgLength: number;
  /** Weight of a token the knowledge base never saw: as rare as can be (a message about something else). */
  private readonly unseen: number;
  readonly entries: readonly KnowledgeEntry[];

  /** @param today YYYY-MM-DD in Asia/Shanghai; entries past their validUntil, drafts and retired ones are left out. */
  constructor(entries: readonly KnowledgeEntry[], today: string = shanghaiDate(new Date()), readonly policy: MatchPolicy = DEFAULT_MATCH_POLICY) {
    this.entries = entries.filter((e) => isUsable(e, today));
    this.docs = this.entries.map((entry, i) => {
      const tf = new Map<string, number>();
      const add = (text: string, w: number) => {
        for (const t of searchTokens(text)) tf.set(t, (tf.get(t) ?? 0) + w);
      };
      for (const q of entry.questions) add(q, 1);
      add(entry.answer, ANSWER_WEIGHT);
      for (const t of tf.keys()) {
        let list = this.postings.get(t);
        if (!list) this.postings.set(t, (list = []));
        list.push(i);
      }
      let length = 0;
      for (const v of tf.values()) length += v;
      return { tf, length };
    });
    const n = this.docs.length;
    for (const [t, list] of this.postings) this.idf.set(t, Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5)));
    this.unseen = Math.log(1 + (n + 0.5) / 0.5);
    this.avgLength = n === 0 ? 1 : this.docs.reduce((a, d) => a + d.length, 0) / n;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Entries ranked for a message, best first. */
  search(text: string, limit = 5): KnowledgeHit[] {
    const query = [...new Set(searchTokens(text))];
    const mass = query.reduce((a, t) => a + (this.idf.get(t) ?? this.unseen), 0);
    const scores = new Map<number, { score: number; matched: number }>();
    for (const t of query) {
      const list = this.postings.get(t);
      if (!list) continue;
      const idf = this.idf.get(t)!;
      for (const d of list) {
        const doc = this.docs[d];
        const f = doc.tf.get(t)!;
        const s = scores.get(d) ?? { score: 0, matched: 0 };
        s.score += (idf * f * (K1 + 1)) / (f + K1 * (1 - B + (B * doc.length) / this.avgLength));
        s.matched += idf;
        scores.set(d, s);
      }
    }
    const ranked = [...scores.entries()].sort((a, b) => b[1].score - a[1].score);
    return ranked.slice(0, limit).map(([d, s], i) => ({
      entry: this.entries[d],
      score: s.score,
      coverage: mass > 0 ? s.matched / mass : 0,
      runnerUp: i + 1 < ranked.length ? ranked[i + 1][1].score / s.score : 0,
    }));
  }

  /** The entry to answer a message with, or null when no entry is a confident, unambiguous match. */
  match(text: string): KnowledgeHit | null {
    if (text.length > this.policy.maxChars) return null;
    const top = this.search(text, 1)[0];
    if (!top || top.score < this.policy.minScore || top.runnerUp > this.policy.maxRunnerUp) return null;
    return top;
  }
}
