import { normalizeMobile, isMobile } from '../data/validation/identifiers';

/** Finding what a person already said in their description, so the bot asks only for what it still needs. */

const CN_NUM = '0-9０-９一二三四五六七八九十百零〇';
// A character of a place name: Chinese, but not the function words that join a sentence (的, 在, 和 …).
const NAME = '(?:(?![的了在是有个这那我你他她它们和与及或就都也还很太被把给让从到向对跟说要])[\\u4e00-\\u9fa5])';
const PLACE = new RegExp(
  [
    // Street addresses: 幸福路88号, 解放大道100号3栋, 人民街12号院
    `${NAME}{1,12}(?:路|街|大道|大街|巷|弄|胡同|道)[${CN_NUM}]+号(?:[${CN_NUM}]+(?:栋|幢|号楼|单元|楼|室))*`,
    // Named places: 阳光花园小区3号楼, 东湖村, 万达广场
    `${NAME}{2,10}(?:小区|花园|家园|苑|公寓|大厦|广场|新村|村|社区|商场|市场|菜市场|学校|中学|小学|医院|公园|车站|地铁站|工业园|产业园)(?:[${CN_NUM}]+(?:号楼|栋|幢|单元|楼|室|号))*`,
    // Roads and crossings on their own: 建设路与和平路交叉口, 中山路 (not 路灯, 路面, 路边)
    `${NAME}{1,8}(?:路|街|大道|大街)(?![灯面边况费段牌上])(?:与${NAME}{1,8}(?:路|街|大道)(?:交叉口|路口)?|口|附近|旁边)?`,
  ].join('|'),
  'g',
);

// Leading words that belong to the sentence, not to the place: 我家住在…, 位于…
const LEAD = /^.*?(?:家住在|住在|家住|位于|就在|地址是|地址|地点|在|是|到|去|从)/;

/** The most specific place named in a text, or undefined. "楼下", "附近" alone are not places. */
export function extractLocation(text: string): string | undefined {
  const found = text.match(PLACE);
  if (!found) return undefined;
  const cleaned = found.map((m) => m.replace(LEAD, '')).filter((m) => m.length >= 3);
  return cleaned.sort((a, b) => b.length - a.length)[0];
}

const MOBILE_IN_TEXT = /(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)/;

/** The first valid mainland mobile number in a text, normalized, or undefined. */
export function extractMobile(text: string): string | undefined {
  const m = text.match(MOBILE_IN_TEXT);
  if (!m) return undefined;
  const n = normalizeMobile(m[0]);
  return isMobile(n) ? n : undefined;
}
