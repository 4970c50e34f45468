import type IORedis from 'ioredis';
import { parseTimeLimits, type TimeLimits } from '../data/calendar/deadlines';
import type { Catalogue, Department } from '../data/catalogue';
import type { KnowledgeEntry } from '../data/knowledge/entry';
import type { TicketStore } from '../data/store/types';
import type { KnowledgeHolder } from '../workers/knowledge/holder';
import type { Logger } from './logger';

/** Settings an administrator can change in the console; without a saved value the files in data/ apply. */
export const SETTING = {
  catalogue: 'catalogue',
  timeLimits: 'time-limits',
  /** The knowledge base, once an administrator or agent changed it (otherwise data/knowledge/entries.jsonl). */
  knowledge: 'knowledge',
} as const;

export interface KnowledgeSetting {
  entries: KnowledgeEntry[];
}

export interface CatalogueSetting {
  departments: Department[];
}

export function settingsChannel(prefix: string): string {
  return `${prefix}:settings`;
}

/**
 * Applies the saved settings to this process's catalogue and time limits, in place, so every part holding them
 * sees the change. New deadlines use the new limits; deadlines already given to tickets stay as they were.
 */
export async function applySettings(store: TicketStore, catalogue: Catalogue, limits: TimeLimits, knowledge?: KnowledgeHolder): Promise<void> {
  const cat = await store.getSetting<CatalogueSetting>(SETTING.catalogue);
  if (cat) catalogue.replace(catalogue.version, cat.value.departments);
  const lim = await store.getSetting<unknown>(SETTING.timeLimits);
  if (lim) Object.assign(limits, parseTimeLimits(lim.value));
  const kb = knowledge && (await store.getSetting<KnowledgeSetting>(SETTING.knowledge));
  if (kb) knowledge.replace(kb.value.entries);
}

/** Tells every process of the deployment to re-read the settings. */
export async function announceSettings(redis: IORedis, prefix: string): Promise<void> {
  await redis.publish(settingsChannel(prefix), 'changed');
}

/** Re-reads the settings whenever another process announces a change. Returns a function that stops following. */
export function followSettings(redis: IORedis, prefix: string, store: TicketStore, catalogue: Catalogue, limits: TimeLimits, log: Logger, knowledge?: KnowledgeHolder): () => Promise<void> {
  const sub = redis.duplicate();
  void sub.subscribe(settingsChannel(prefix)).catch((err) => log.warn({ err }, 'cannot follow settings'));
  sub.on('message', () => void applySettings(store, catalogue, limits, knowledge).catch((err) => log.error({ err }, 'settings reload failed')));
  return async () => sub.disconnect();
}
