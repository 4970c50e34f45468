import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { resolveDataFile } from '../catalogue';

/** The enterprise appeal categories (企业诉求类别), as the bot's enterprise menu offers them. */
export const ENTERPRISE_CATEGORIES = ['审批服务', '涉企收费', '融资信贷', '政策兑现', '执法检查', '水电气暖报装', '拖欠账款', '招商承诺兑现', '权益保护', '干部作风'] as const;
export type EnterpriseCategory = (typeof ENTERPRISE_CATEGORIES)[number];

/**
 * A knowledge-base entry (知识库条目): the ways people ask one question, the answer the bot gives at once (即时办结),
 * the unit responsible for it, and the date after which the answer must be reviewed before it is used again.
 */
export const knowledgeEntrySchema = z.object({
  id: z.string().regex(/^kb-[a-z0-9-]{1,40}$/),
  department: z.string().regex(/^[a-z0-9-]{2,64}$/),
  /** An enterprise appeal category when the entry answers enterprises, else null. */
  category: z.enum(ENTERPRISE_CATEGORIES).nullable().default(null),
  questions: z.array(z.string().trim().min(2).max(200)).min(1).max(20),
  answer: z.string().trim().min(10).max(2000),
  /** Last day (Asia/Shanghai) the answer may be given; after it the entry is not used until reviewed. */
  validUntil: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** published: the bot uses it; draft: proposed (e.g. by an agent from a reply), waiting for an administrator; retired: kept, not used. */
  status: z.enum(['published', 'draft', 'retired']).default('published'),
  /** Incremented by every edit; an edit made on an older version is refused. */
  version: z.number().int().min(1).default(1),
  updatedAt: z.string().optional(),
  updatedBy: z.string().optional(),
  /** Where a proposed entry came from: the ticket and reply an agent turned into it. */
  source: z.object({ ticketId: z.string(), reply: z.number().int() }).optional(),
});

export type KnowledgeEntry = z.infer<typeof knowledgeEntrySchema>;

/** The seed knowledge base shipped in data/knowledge/entries.jsonl (one entry per line). */
export function loadKnowledgeFile(file: string = path.join(__dirname, 'entries.jsonl')): KnowledgeEntry[] {
  const lines = fs.readFileSync(resolveDataFile(file), 'utf8').split('\n');
  const entries: KnowledgeEntry[] = [];
  const ids = new Set<string>();
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const parsed = knowledgeEntrySchema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`${path.basename(file)}:${i + 1}: ${parsed.error.issues[0].path.join('.')} ${parsed.error.issues[0].message}`);
    if (ids.has(parsed.data.id)) throw new Error(`${path.basename(file)}:${i + 1}: duplicate id ${parsed.data.id}`);
    ids.add(parsed.data.id);
    entries.push(parsed.data);
  });
  return entries;
}

/** True while the entry may be given to citizens on the day `today` (YYYY-MM-DD, Asia/Shanghai). */
export function isUsable(entry: KnowledgeEntry, today: string): boolean {
  return entry.status === 'published' && entry.validUntil >= today;
}
