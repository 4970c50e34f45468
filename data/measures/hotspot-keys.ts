import type { Catalogue } from '../catalogue';

/**
 * What hotspots group by: the place (a road, estate, village, market… named in the location, without house or
 * building numbers) and the topic (the catalogue scope item of the unit that fits the matter best).
 */

const PLACE = /([\u4e00-\u9fffA-Za-z]{1,10}?(?:路|街|大道|大街|巷|弄|胡同|道|小区|花园|家园|新村|公寓|苑|府|城|村|社区|广场|市场|公园|园区|学校|小学|中学|医院|车站|商场|大厦|桥))/;
const NOISE = /^(我家|我们|我|在|位于|就在|家住|住在|地址|地点)+/;

/** The place a location names, without numbers (幸福路88号3单元 → 幸福路); null when none can be told. */
export function placeKey(location: string): string | null {
  const text = location.normalize('NFKC').replace(/[\s,，。:：;；()（）【】]/g, ' ');
  for (const part of text.split(' ')) {
    const m = PLACE.exec(part.replace(/\d+/g, ' ').split(' ')[0] ?? '') ?? PLACE.exec(part);
    if (m) {
      const key = m[1].replace(NOISE, '');
      if (key.length >= 2) return key;
    }
  }
  return null;
}

const bigrams = (s: string) => {
  const out = new Set<string>();
  const t = s.replace(/[^\u4e00-\u9fff]/g, '');
  for (let i = 0; i + 1 < t.length; i++) out.add(t.slice(i, i + 2));
  return out;
};

/**
 * The scope item of the unit whose words the matter shares most (character bigrams, weighted by how specific they
 * are to that item); the unit's name when none is shared.
 */
export function topicOf(text: string, department: string | null, catalogue: Catalogue): string | null {
  if (!department) return null;
  const unit = catalogue.get(department);
  if (!unit) return null;
  const words = bigrams(text);
  let best: { item: string; score: number } | null = null;
  for (const item of unit.scope) {
    const grams = bigrams(item);
    let shared = 0;
    for (const g of grams) if (words.has(g)) shared++;
    const score = grams.size ? shared / Math.sqrt(grams.size) : 0;
    if (shared > 0 && (!best || score > best.score)) best = { item, score };
  }
  return best?.item ?? unit.name;
}
