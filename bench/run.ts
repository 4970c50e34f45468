import { benchClassifier } from './classifier';
import { benchTimers } from './timers';
import { benchMeasures } from './measures';
import { benchBotTurns } from './bot-turns';
import { benchIntake } from './intake';
import { printTable, type BenchResult } from './report';

/** `npm run bench`: runs every benchmark in one process, one after the other, and prints a summary table. */
async function main(): Promise<void> {
  const results: BenchResult[] = [];
  const only = process.argv.slice(2);
  const suites = ([['classifier', benchClassifier], ['timers', benchTimers], ['measures', benchMeasures], ['bot', benchBotTurns], ['intake', benchIntake]] as [string, () => Promise<BenchResult[]>][]).filter(([name]) => only.length === 0 || only.includes(name));
  for (const [name, run] of suites) {
    process.stdout.write(`running ${name}…\n`);
    const r = await run();
    results.push(...r);
  }
  console.log('');
  printTable(results);
  if (results.some((r) => r.ok === false)) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
