import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { TICKET_TYPES } from '../../data/tickets/ticket';

const exampleSchema = z.object({
  text: z.string().min(1),
  type: z.enum(TICKET_TYPES),
  urgent: z.boolean(),
  enterprise: z.boolean(),
});

export interface Example extends z.infer<typeof exampleSchema> {
  department: string;
}

export interface Corpus {
  train: Example[];
  heldout: Example[];
}

/** Data folder of the project, from sources or from dist/. */
export function corpusDir(): string {
  const candidates = [path.join(__dirname, '..', '..', 'data', 'corpus'), path.join(__dirname, '..', '..', '..', 'data', 'corpus')];
  const found = candidates.find((c) => fs.existsSync(path.join(c, 'train')));
  if (!found) throw new Error('Training corpus not found under data/corpus');
  return found;
}

function readSplit(dir: string, knownCodes: Set<string>): Example[] {
  if (!fs.existsSync(dir)) return [];
  const out: Example[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
    const department = file.replace(/\.jsonl$/, '');
    if (!knownCodes.has(department)) throw new Error(`Corpus file ${file} names no department of the catalogue`);
    const lines = fs.readFileSync(path.join(dir, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      const parsed = exampleSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues[0].message}`);
      out.push({ ...parsed.data, department });
    });
  }
  return out;
}

/** Loads data/corpus/{train,heldout}/<department>.jsonl. The held-out split is never used for training. */
export function loadCorpus(departmentCodes: string[], dir = corpusDir()): Corpus {
  const known = new Set(departmentCodes);
  return { train: readSplit(path.join(dir, 'train'), known), heldout: readSplit(path.join(dir, 'heldout'), known) };
}
