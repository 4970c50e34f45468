import { spawn } from 'node:child_process';
import { benchClassifier } from './classifier';
import { benchTimers } from './timers';
import { benchMeasures } from './measures';
import { benchBotTurns } from './bot-turns';
import { benchIntake } from './intake';
import { benchScaleOut } from './scale-out';
import { printTable, type BenchResult } from './report';

const SUITES: [string, () => Promise<BenchResult[]>][] = [
  ['classifier', benchClassifier],
  ['timers', benchTimers],
  ['measures', benchMeasures],
  ['bot', benchBotTurns],
  ['intake', benchIntake],
  ['scale', benchScaleOut],
];

const RESULT = '@@bench-result ';

/** Runs one suite in a fresh process, so no suite measures the heap or the event loop another one left behind. */
function runIsolated(name: string): Promise<BenchResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, '--suite', name], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT));
      if (code !== 0 || !line) return reject(new Error(`benchmark ${name} failed (exit ${code}):\n${out}`));
      resolve(JSON.parse(line.slice(RESULT.length)) as BenchResult[]);
    });
  });
}

/**
 * `npm run bench [-- suite …]`: every benchmark (or the ones named), one after the other in one run, each in a
 * process of its own, then one summary table. The ratios (bot vs bare express, intake vs BullMQ alone) are measured
 * within a suite, side by side.
 */
async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf('--suite');
  if (i >= 0) {
    const suite = SUITES.find(([name]) => name === argv[i + 1]);
    if (!suite) throw new Error('unknown suite ' + argv[i + 1]);
    const r = await suite[1]();
    process.stdout.write(RESULT + JSON.stringify(r) + '\n');
    process.exit(0);
  }
  const only = argv.filter((a) => !a.startsWith('-'));
  const results: BenchResult[] = [];
  for (const [name] of SUITES.filter(([n]) => only.length === 0 || only.includes(n))) {
    process.stdout.write(`running ${name}…\n`);
    results.push(...(await runIsolated(name)));
  }
  console.log('');
  printTable(results);
  if (results.some((r) => r.ok === false)) process.exitCode = 1;
}

main(process.argv.slice(2)).catch((err) => {
  console.error(err);
  process.exit(1);
});
