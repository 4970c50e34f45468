/** Cleaning and checking what a person typed, before any dialog looks at it. */

/** The longest description kept; longer messages are refused politely and the person is asked to shorten them. */
export const MAX_DESCRIPTION = 2000;
export const MIN_DESCRIPTION = 4;

// C0/C1 controls except tab and newline, zero-width and bidi-override characters.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;

// Half of a surrogate pair on its own is not a character (invalid UTF-16): dropped.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Removes control and invisible characters and lone surrogates, folds runs of spaces, trims. Never throws, whatever it is given. */
export function cleanText(raw: unknown): string {
  if (typeof raw !== 'string') return '';
  return raw.replace(LONE_SURROGATE, '').replace(CONTROL, '').replace(/[ \t\u3000]+/g, ' ').replace(/\n{3,}/g, '\n\n').trim();
}

/** Characters that carry meaning: Chinese, Latin letters and digits. */
export function meaningfulLength(text: string): number {
  return (text.match(/[\u4e00-\u9fffA-Za-z0-9]/g) ?? []).length;
}

export type DescriptionProblem = 'empty' | 'no-words' | 'too-short' | 'too-long';

/** Why a text cannot serve as the description of a matter, or null when it can. */
export function checkDescription(text: string): DescriptionProblem | null {
  if (!text) return 'empty';
  if (text.length > MAX_DESCRIPTION) return 'too-long';
  const n = meaningfulLength(text);
  if (n === 0) return 'no-words';
  if (n < MIN_DESCRIPTION) return 'too-short';
  return null;
}

/** Angle brackets and markdown control characters are shown literally when the bot repeats a person's words. */
export function quoteForDisplay(text: string, max = 300): string {
  const cut = text.length > max ? text.slice(0, max) + '……' : text;
  return cut.replace(/[<>]/g, (c) => (c === '<' ? '＜' : '＞')).replace(/([\\`*_[\]#|~])/g, '\\$1');
}

const GREETING = /^(你好|您好|hi|hello|hey|在吗|在不在|有人吗|喂|哈喽|嗨|早上好|下午好|晚上好|开始|start)[啊呀吗呢!！。.?？~～\s]*$/i;
export function isGreeting(text: string): boolean {
  return GREETING.test(text);
}

const CANCEL = /^(取消|算了|不办了|不用了|退出|结束|重新开始|cancel|quit|stop)[了吧啊呀!！。.\s]*$/i;
export function isCancel(text: string): boolean {
  return CANCEL.test(text);
}

const HELP = /^(帮助|help|怎么用|怎么弄|使用说明|\?|？|菜单|人工|转人工)[吗呢啊!！。.?？\s]*$/i;
export function isHelp(text: string): boolean {
  return HELP.test(text);
}

const BARE_CONFIRM = /^(确认|确认提交|提交|是|是的|对|好|好的|嗯|ok|可以)[了吧啊!！。.\s]*$/i;
export function isBareConfirmation(text: string): boolean {
  return BARE_CONFIRM.test(text);
}

const ANONYMOUS = /^(匿名|不留|不方便|不想留|不留了|保密|不用联系|不需要联系)[吧啊!！。.\s]*$/;
export function isAnonymousAnswer(text: string): boolean {
  return ANONYMOUS.test(text);
}

const ENTERPRISE_ENTRY = /^(企业诉求|我是企业|企业反映|企业反映问题|涉企诉求|企业服务|营商环境诉求|我要反映企业诉求)[。！!\s]*$/;
const COMPLAINT_ENTRY = /^(我要反映问题|我要反映|反映问题|我要投诉|我要举报|我要求助|我要咨询|我要建议)[。！!\s]*$/;

/** A menu entry (the welcome's buttons, or the same words typed): the enterprise appeal, or a matter to describe. */
export function menuEntry(text: string): 'enterprise' | 'complaint' | null {
  if (ENTERPRISE_ENTRY.test(text)) return 'enterprise';
  if (COMPLAINT_ENTRY.test(text)) return 'complaint';
  return null;
}
