import * as readline from 'node:readline';
import { ConfigError, loadConfig } from '../../../bot/config';
import { Catalogue } from '../../../data/catalogue';
import { loadOrTrainClassifier } from '../load';

/**
 * `npm run --silent classify`: one message per line on stdin, one JSON object per line on stdout:
 * {"department", "confidence", "candidates": [{department, confidence} ×3], "type", "urgent"}.
 * Nothing else goes to stdout; a model that has to be trained first says so on stderr.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const classifier = loadOrTrainClassifier(Catalogue.load(), config.dataDir, { log: (m) => console.error(m) });
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    const p = classifier.predict(line);
    const ok = process.stdout.write(
      JSON.stringify({ department: p.department, confidence: p.confidence, candidates: p.candidates, type: p.type, urgent: p.urgent }) + '\n',
    );
    if (!ok) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
