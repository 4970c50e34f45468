import { T } from '../../dialogs/texts';
import type { Ticket } from '../../data/tickets/ticket';

/** One turn: what the person types, and the bot's replies in order (a string must appear in the reply, a RegExp must match). */
export interface Turn {
  user: string;
  bot: (string | RegExp)[];
}

export interface DialogTestCase {
  name: string;
  turns: Turn[];
  /** When the conversation ends with a ticket: checks on the stored ticket. */
  ticket?: Partial<Pick<Ticket, 'type' | 'location' | 'description'>> & { phone?: string | null };
  /** When no ticket may be created by the conversation. */
  noTicket?: true;
}

const TYPE_PROMPT = /这件事属于“(咨询|求助|投诉|举报|建议|表扬)”/;
const RECEIPT = /^已受理，感谢您的反映！工单号：\d{10}\n我们将在 \d{4}年\d{1,2}月\d{1,2}日（星期.）\d{1,2}时(\d{2}分)? 前答复您/;
const COMPLAINT = '楼下烧烤店油烟太大，晚上十点还在烤';

export const complaintDialogTestCases: DialogTestCase[] = [
  {
    name: 'happy path: complaint with place, phone and the proposed type',
    turns: [
      { user: COMPLAINT, bot: [T.askLocation] },
      { user: '幸福路88号', bot: [T.askContact] },
      { user: '13812345678', bot: [TYPE_PROMPT] },
      { user: '是', bot: [/^请核对您要提交的内容：\n类型：.+\n问题：楼下烧烤店油烟太大，晚上十点还在烤\n地点：幸福路88号\n联系方式：138\*\*\*\*5678$/, T.confirm] },
      { user: '确认提交', bot: [RECEIPT] },
    ],
    ticket: { location: '幸福路88号', phone: '13812345678', description: COMPLAINT },
  },
  {
    name: 'the person corrects the proposed type',
    turns: [
      { user: '有个无证诊所在小区里给人打针输液，很危险', bot: [T.askLocation] },
      { user: '东湖社区12栋底商', bot: [T.askContact] },
      { user: '139 1234 5678', bot: [TYPE_PROMPT] },
      { user: '不对，是举报', bot: [/类型：举报/, T.confirm] },
      { user: '确认', bot: [/工单号：\d{10}[\s\S]*举报人信息将依法严格保密/] },
    ],
    ticket: { type: '举报', phone: '13912345678' },
  },
  {
    name: 'anonymous filing gets a query code',
    turns: [
      { user: '小区门口的路灯坏了一个多星期，晚上很黑', bot: [T.askLocation] },
      { user: '和平路与建设路交叉口', bot: [T.askContact] },
      { user: '匿名', bot: [TYPE_PROMPT] },
      { user: '是的', bot: [/联系方式：匿名/, T.confirm] },
      { user: '确认提交', bot: [/查询码：[A-Z2-9]{6}/] },
    ],
    ticket: { phone: null, location: '和平路与建设路交叉口' },
  },
  {
    name: 'invalid phone numbers are refused until a valid one or 匿名',
    turns: [
      { user: '工地天天晚上施工，吵得睡不着', bot: [T.askLocation] },
      { user: '滨江花园', bot: [T.askContact] },
      { user: '12345', bot: [T.badContact] },
      { user: '1381234567', bot: [T.badContact] },
      { user: '28812345678', bot: [T.badContact] },
      { user: '138-1234-5678', bot: [TYPE_PROMPT] },
    ],
  },
  {
    name: 'cancel mid-dialog discards everything',
    turns: [
      { user: COMPLAINT, bot: [T.askLocation] },
      { user: '幸福路88号', bot: [T.askContact] },
      { user: '取消', bot: [T.cancelled] },
      { user: '你好', bot: [T.welcome] },
    ],
    noTicket: true,
  },
  {
    name: 'help mid-dialog explains and asks the same question again',
    turns: [
      { user: COMPLAINT, bot: [T.askLocation] },
      { user: '帮助', bot: [T.help, T.askLocation] },
      { user: '幸福路88号', bot: [T.askContact] },
    ],
  },
  {
    name: 'emergency at the start: the number to call and no ticket',
    turns: [{ user: '对面楼着火了，浓烟很大', bot: [/^【紧急提醒】.*请立即拨打 119（火警）！/] }],
    noTicket: true,
  },
  {
    name: 'emergency mid-dialog: the number first, then the dialog goes on where it was',
    turns: [
      { user: COMPLAINT, bot: [T.askLocation] },
      { user: '幸福路88号', bot: [T.askContact] },
      { user: '我爸突然晕倒了，没有呼吸了', bot: [/请立即拨打 120（急救）/] },
      { user: '13812345678', bot: [TYPE_PROMPT] },
    ],
  },
  {
    name: 'a first message that already gives place and phone is not asked for them again',
    turns: [
      { user: '阳光花园小区3号楼的电梯坏了一个星期没人修，我电话13912345678', bot: [TYPE_PROMPT] },
      { user: '是', bot: [/问题：阳光花园小区3号楼的电梯坏了一个星期没人修，我电话139(\\?\*){4}5678\n地点：阳光花园小区3号楼\n联系方式：139\*\*\*\*5678/, T.confirm] },
      { user: '确认提交', bot: [RECEIPT] },
    ],
    ticket: { location: '阳光花园小区3号楼', phone: '13912345678' },
  },
  {
    name: 'editing the place from the summary',
    turns: [
      { user: COMPLAINT, bot: [T.askLocation] },
      { user: '幸福路88号', bot: [T.askContact] },
      { user: '匿名', bot: [TYPE_PROMPT] },
      { user: '投诉', bot: [/地点：幸福路88号/, T.confirm] },
      { user: '修改', bot: [T.askEditField] },
      { user: '地点', bot: [T.askLocation] },
      { user: '幸福路90号', bot: [/类型：投诉.*\n.*\n地点：幸福路90号/, T.confirm] },
      { user: '确认提交', bot: [RECEIPT] },
    ],
    ticket: { type: '投诉', location: '幸福路90号', phone: null },
  },
  {
    name: 'greetings and stray confirmations do not open tickets',
    turns: [
      { user: '你好', bot: [T.welcome] },
      { user: '确认', bot: [T.nothingToConfirm] },
      { user: '取消', bot: [T.nothingToCancel] },
      { user: '帮助', bot: [T.help] },
    ],
    noTicket: true,
  },
  {
    name: 'unusable first messages get a polite answer',
    turns: [
      { user: '😀😀😀', bot: [/没能看懂您的消息/] },
      { user: '   ', bot: [/没有收到内容/] },
      { user: '投诉'.repeat(10_000), bot: [/内容太长了（超过2000字）/] },
      { user: '\u0000\u0007\u200b', bot: [/没有收到内容/] },
      { user: '漏水', bot: [T.askDescription] },
      { user: '😀', bot: [/没能看懂您的消息/] },
      { user: '楼上卫生间漏水到我家天花板，找物业不管', bot: [T.askLocation] },
    ],
    noTicket: true,
  },
  {
    name: 'HTML and script in a message are kept as text and shown literally',
    turns: [
      { user: '<script>alert(1)</script>隔壁装修天天电钻声太吵了', bot: [T.askLocation] },
      { user: '<b>人民路1号</b>', bot: [T.askContact] },
      { user: '匿名', bot: [TYPE_PROMPT] },
      { user: '是', bot: [/问题：＜script＞alert\(1\)＜\/script＞隔壁装修/, T.confirm] },
    ],
  },
];
