import { Catalogue } from '../../../data/catalogue';
import { shanghaiDate } from '../../../data/calendar/deadlines';
import { loadKnowledgeFile } from '../../../data/knowledge/entry';
import { loadCorpus } from '../../classifier/corpus';
import { evaluateKnowledge } from '../evaluate';
import { DEFAULT_MATCH_POLICY, type MatchPolicy } from '../knowledge-base';

/**
 * `npm run eval:knowledge`: how the knowledge base's match policy does — paraphrases of the entries' questions
 * (leave-one-out) answered right or wrong, and the complaints, reports and help requests of the classifier's training
 * corpus (which need a ticket, not an answer) that would be offered an answer if they reached the search (the dialog
 * only searches for consultations). `--grid` prints the figures over a range of
 * policies, which is how the default was chosen.
 */
function main(argv: string[]): void {
  const entries = loadKnowledgeFile();
  const corpus = loadCorpus(Catalogue.load().codes());
  // Complaints, reports and requests short enough to be asked as a question (longer ones are never answered).
  const others = corpus.train.filter((e) => e.type !== '咨询' && e.text.length <= DEFAULT_MATCH_POLICY.maxChars).map((e) => e.text);
  const today = shanghaiDate(new Date());
  const show = (p: MatchPolicy) => {
    const f = evaluateKnowledge(entries, others, today, p);
    console.log(
      `score ≥ ${p.minScore}, runner-up ≤ ${p.maxRunnerUp.toFixed(2)}: paraphrases ${f.paraphrases}, answered right ${f.answeredRight.toFixed(3)}, ` +
        `answered wrong ${f.answeredWrong.toFixed(3)}, first in the ranking ${f.rankedFirst.toFixed(3)}; other messages ${f.others}, answered by mistake ${f.falseAnswers.toFixed(4)}`,
    );
  };
  console.log(`${entries.length} entries, ${entries.reduce((a, e) => a + e.questions.length, 0)} question variants`);
  if (argv.includes('--grid')) {
    for (const minScore of [10, 20, 30, 40]) for (const maxRunnerUp of [0.6, 0.7, 0.8]) show({ ...DEFAULT_MATCH_POLICY, minScore, maxRunnerUp });
  } else {
    show(DEFAULT_MATCH_POLICY);
  }
}

main(process.argv.slice(2));
