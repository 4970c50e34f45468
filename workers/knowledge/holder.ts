import { shanghaiDate } from '../../data/calendar/deadlines';
import type { KnowledgeEntry } from '../../data/knowledge/entry';
import { KnowledgeBase, type MatchPolicy } from './knowledge-base';

/**
 * The knowledge base a process uses: every entry (drafts and retired ones included, for the console) and the search
 * over those usable today. An administrator's edit replaces the entries in every process (settings announcement);
 * the search is rebuilt when they change and when the day changes (an entry past its validUntil drops out).
 */
export class KnowledgeHolder {
  private search?: { day: string; kb: KnowledgeBase };

  constructor(private current: KnowledgeEntry[], private readonly policy?: MatchPolicy, private readonly now: () => Date = () => new Date()) {}

  get entries(): readonly KnowledgeEntry[] {
    return this.current;
  }

  replace(entries: KnowledgeEntry[]): void {
    this.current = entries;
    this.search = undefined;
  }

  get base(): KnowledgeBase {
    const day = shanghaiDate(this.now());
    if (this.search?.day !== day) this.search = { day, kb: new KnowledgeBase(this.current, day, this.policy) };
    return this.search.kb;
  }
}
