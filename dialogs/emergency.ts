/**
 * The emergency guard. 12345 does not replace 110/119/120/122: when a message describes danger to life or property
 * happening now, the person is told at once which number to call, before anything else.
 */

export interface EmergencyLine {
  number: '110' | '119' | '120' | '122';
  service: string;
}

export interface Emergency {
  lines: EmergencyLine[];
}

const LINES: Record<EmergencyLine['number'], string> = { '110': '报警', '119': '火警', '120': '急救', '122': '交通事故报警' };

interface Rule {
  numbers: EmergencyLine['number'][];
  pattern: RegExp;
}

// Traffic accidents first, so that one with injuries reads "122, 120" in that order.
const RULES: Rule[] = [
  { numbers: ['122', '120'], pattern: /(车祸|撞车|交通事故|被车撞|撞了人|撞人|追尾|翻车).*(受伤|流血|伤了|伤者|昏迷|倒地|动不了|救护车)|(受伤|流血|伤者).*(车祸|撞车|交通事故|被车撞)/ },
  { numbers: ['122'], pattern: /(车祸|撞车|交通事故|被车撞|追尾|翻车)/ },
  { numbers: ['119'], pattern: /着火|起火|失火|火灾|烧起来|火烧|冒(黑|浓)?烟.*(楼|屋|房|家|车|厨房)|(楼|屋|房|家|车|厨房).*冒(黑|浓)?烟|爆炸|炸了/ },
  { numbers: ['119'], pattern: /(煤气|燃气|天然气|液化气).*(泄漏|泄露|漏了|漏气|味很?(大|重|浓))|闻到.*(煤气|燃气|天然气|液化气)|漏气/ },
  { numbers: ['119'], pattern: /(被困|困住).*(电梯|火|水|楼)|(电梯|火|水).*(被困|困住)|有人落水|溺水/ },
  { numbers: ['110'], pattern: /打人|打架|斗殴|砍人|捅人|持刀|拿刀|杀人|抢劫|抢东西|绑架|劫持|家暴|正在打|要杀|威胁要|入室|撬门|小偷正在|有人跳楼|要跳楼|轻生/ },
  { numbers: ['120'], pattern: /晕倒|昏倒|昏迷|倒地不起|不省人事|没有?呼吸|没气了|心脏骤停|心梗|中风|抽搐|大出血|流了很多血|血流不止|休克|中毒|触电|喘不上气|快不行了/ },
];

// Words that put the event in the past ("上个月着火的事…") or make it hypothetical ("万一着火…").
const NOT_NOW = /(上次|上回|之前|以前|去年|前年|上个?月|上周|上星期|前几天|前天|昨天|那次|曾经|万一|如果|假如|防止|预防|隐患|演练|宣传|培训|怎么办理|认定|赔偿|理赔|报销|处理结果|后续)/;

/** The emergency lines to give for a message, or null when it does not describe danger happening now. */
export function detectEmergency(text: string): Emergency | null {
  if (!text || NOT_NOW.test(text)) return null;
  const numbers = new Set<EmergencyLine['number']>();
  for (const rule of RULES) if (rule.pattern.test(text)) rule.numbers.forEach((n) => numbers.add(n));
  if (numbers.size === 0) return null;
  return { lines: [...numbers].map((number) => ({ number, service: LINES[number] })) };
}
