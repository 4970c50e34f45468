import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';

/**
 * Chinese tokens for the classifier and the knowledge base: jieba words without stop words, plus character bigrams
 * and single characters (robust to typos, homophones and words jieba cuts badly). House addresses, numbers, phone
 * numbers and Latin noise are dropped so that they cannot dominate; long input is cut into short chunks first so
 * segmentation stays linear.
 */

let jieba: Jieba | undefined;
function segmenter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

/** Only this many characters of a message are looked at: a complaint's first 4,000 characters say what it is about. */
export const MAX_CHARS = 4000;
const CHUNK = 64;

const STOP_WORDS = new Set(
  (
    '的 了 在 是 我 有 和 就 不 人 都 一 一个 上 也 很 到 说 要 去 你 会 着 没有 看 好 自己 这 那 他 她 它 们 吗 呢 吧 啊 呀 么 ' +
    '什么 怎么 还 又 把 被 给 让 请 您 我们 你们 他们 她们 这个 那个 这些 那些 这样 那样 就是 但是 而且 因为 所以 如果 然后 ' +
    '已经 可以 能 可能 现在 今天 昨天 一下 一直 还是 或者 以及 及 与 等 啊 哦 嗯 哈 呗 啦 嘛 哎 唉 喂 之 其 此 于 对 从 向 ' +
    '为 以 被 由 所 得 地 过 来 里 中 下 后 前 个 位 次 点 元 年 月 日 号 多 少 些 您好 你好 谢谢 麻烦 一定 希望 能否 是否'
  ).split(/\s+/),
);

/** Characters too common to say anything on their own. */
const STOP_CHARS = new Set('的了是我在有和就不也都人一上这那他她它们吗呢吧啊呀么你您个还又把被给让请'.split(''));

const CJK = /[\u4e00-\u9fff]/;
const SPLIT = /[^\u4e00-\u9fffA-Za-z]+/;

// House addresses say where, not what: "幸福路88号", "锦绣花园3栋" would otherwise tie a street's name to whichever
// unit's training messages happened to mention it. Only the forms with a house or building number are removed, so
// "路灯", "小区物业" and the like stay.
const NUMERAL = '(?:\\d+|[一二三四五六七八九十百零〇]+)';
const STREET_ADDRESS = new RegExp(`[\\u4e00-\\u9fff]{2,4}(?:路|街|大道|大街|巷|弄|胡同)${NUMERAL}号院?`, 'g');
const ESTATE_ADDRESS = new RegExp(`[\\u4e00-\\u9fff]{2,4}(?:小区|花园|家园|新村|公寓|苑|府)(?=${NUMERAL}(?:栋|号楼|幢|期|单元))`, 'g');

/** Normalizes width and case, and removes house addresses, phone numbers, ID numbers and other digits. */
export function normalize(text: string): string {
  return text
    .slice(0, MAX_CHARS)
    .normalize('NFKC')
    .toLowerCase()
    .replace(STREET_ADDRESS, ' ')
    .replace(ESTATE_ADDRESS, ' ')
    .replace(/\d+/g, ' ');
}

/**
 * Tokens of a message: words (w:), pairs of adjacent words (p:, which tell 夜间|施工 from 白天|施工 and 拖欠|工资 from
 * 拖欠|账款), character bigrams (b:) and single characters (u:, which catch a typo'd word's surviving half).
 * Deterministic and linear in the input length.
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const piece of normalize(text).split(SPLIT)) {
    if (!piece) continue;
    if (!CJK.test(piece)) {
      if (piece.length >= 2 && piece.length <= 20) tokens.push('w:' + piece);
      continue;
    }
    for (let i = 0; i < piece.length; i += CHUNK) {
      const chunk = piece.slice(i, i + CHUNK + 1);
      let previous = '';
      for (const word of segmenter().cut(chunk.slice(0, CHUNK), false)) {
        if (STOP_WORDS.has(word) || !CJK.test(word)) continue;
        tokens.push('w:' + word);
        if (previous) tokens.push('p:' + previous + '|' + word);
        previous = word;
      }
      // Bigrams run across the chunk boundary (CHUNK + 1 characters), so cutting loses none.
      for (let j = 0; j + 1 < chunk.length && j < CHUNK; j++) tokens.push('b:' + chunk[j] + chunk[j + 1]);
      for (let j = 0; j < chunk.length && j < CHUNK; j++) if (!STOP_CHARS.has(chunk[j])) tokens.push('u:' + chunk[j]);
    }
  }
  return tokens;
}
