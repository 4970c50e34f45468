import type { Emergency } from './emergency';
import { MAX_DESCRIPTION, type DescriptionProblem } from './message-input';

/** Everything the bot says, in one place. Polite Simplified Chinese, one message per purpose. */
export const T = {
  welcome:
    '您好，这里是12345政务服务便民热线。请直接描述您遇到的问题，例如：“楼下烧烤店油烟太大，晚上十点还在烤”。\n' +
    '我会帮您登记并转交承办部门。企业反映问题请选“企业诉求”；查询进度请发工单号。随时可以回复“帮助”查看说明，或回复“取消”放弃本次反映。',
  help:
    '使用说明：\n' +
    '1. 用一两句话描述问题：发生了什么、持续多久；\n' +
    '2. 告诉我发生的具体地点；\n' +
    '3. 留下手机号码方便承办部门联系您，不愿留下可回复“匿名”；\n' +
    '4. 确认问题类型（咨询、求助、投诉、举报、建议、表扬）后提交，您会立即收到工单号和答复期限。\n' +
    '查询进度：发送工单号，或说“查询工单”，再输入手机号码后四位（匿名反映的输入查询码）。\n' +
    '企业反映涉企问题（审批、收费、融资、政策兑现、拖欠账款等）：回复“企业诉求”。\n' +
    '回复“取消”可随时放弃本次反映。遇到火灾、犯罪、急病、交通事故等紧急情况，请直接拨打 119、110、120、122。',
  cancelled: '好的，已取消本次反映，您填写的内容不会提交。如需重新反映，请直接描述问题。',
  switched: '好的，刚才填写的内容没有提交，现在为您重新开始。',
  nothingToCancel: '当前没有进行中的反映。如需反映问题，请直接描述。',
  nothingToConfirm: '当前没有待提交的反映。如需反映问题，请直接描述您遇到的问题。',
  askDescription: '请描述您要反映的问题：发生了什么、持续多久？',
  askLocation: '请问问题发生的具体地点在哪里？（例如：XX区XX路XX号、XX小区X号楼）',
  badLocation: '没能识别地点，请补充具体位置（例如：XX区XX路XX号、XX小区X号楼），200字以内。',
  askContact: '请留下您的手机号码，方便承办部门联系您；如不愿留下联系方式，请回复“匿名”。',
  badContact: '手机号码格式不正确，请输入11位中国大陆手机号（例如 13812345678），或回复“匿名”。',
  askType: (proposed: string) => `根据您的描述，这件事属于“${proposed}”。如无误请回复“是”，如不对请选择正确的类型：`,
  badType: '请选择问题类型：咨询、求助、投诉、举报、建议或表扬；回复“是”表示同意建议的类型。',
  confirm: '以上信息是否正确？回复“确认提交”提交，回复“修改”更改内容。',
  badConfirm: '请回复“确认提交”提交工单，或回复“修改”更改内容、“取消”放弃。',
  askEditField: '请问要修改哪一项？',
  submitFailed: '抱歉，系统繁忙，工单暂未提交成功，您填写的内容已保留。请稍后回复“确认提交”重试。',
  turnError: '抱歉，系统暂时出了点问题，请稍后再发一次。您之前已确认提交的工单不会丢失。',
  notText: '目前只能处理文字消息，请用文字描述您的问题。',
  reporterConfidential: '举报人信息将依法严格保密，不会透露给被举报单位。',
} as const;

export function descriptionProblem(problem: DescriptionProblem): string {
  switch (problem) {
    case 'empty':
      return '没有收到内容，请用文字描述您遇到的问题。';
    case 'no-words':
      return '抱歉，没能看懂您的消息。请用文字描述您遇到的问题，例如发生了什么、在哪里。';
    case 'too-short':
      return '请再具体描述一下您遇到的问题，例如发生了什么、持续多久、影响了什么。';
    case 'too-long':
      return `内容太长了（超过${MAX_DESCRIPTION}字），请精简到${MAX_DESCRIPTION}字以内再发送，重点说明发生了什么、在哪里。`;
  }
}

export function emergencyText(e: Emergency): string {
  const lines = e.lines.map((l) => `${l.number}（${l.service}）`).join('、');
  return (
    `【紧急提醒】您描述的情况可能危及人身或财产安全，请立即拨打 ${lines}！12345热线不能代替紧急报警电话，请先确保自身安全。\n` +
    '紧急情况处置后，如有需要12345跟进的问题，可以随时再告诉我。'
  );
}

export interface SummaryFields {
  type: string;
  description: string;
  location: string;
  contact: string;
  urgent: boolean;
}

export function summary(s: SummaryFields): string {
  return [
    '请核对您要提交的内容：',
    `类型：${s.type}${s.urgent ? '（紧急）' : ''}`,
    `问题：${s.description}`,
    `地点：${s.location}`,
    `联系方式：${s.contact}`,
  ].join('\n');
}

export interface ReceiptFields {
  ticketId: string;
  type: string;
  replyDeadline: string;
  /** Enterprise appeals: the deadline to resolve the matter. */
  resolveDeadline?: string;
  provisional: boolean;
  queryCode?: string;
  reporter: boolean;
}

export function receipt(r: ReceiptFields): string {
  const lines = [
    `已受理，感谢您的反映！工单号：${r.ticketId}`,
    `我们将在 ${r.replyDeadline} 前答复您${r.provisional ? '（该期限按周一至周五工作日暂估，以正式公布的节假日安排为准）' : ''}。`,
  ];
  if (r.resolveDeadline) lines.push(`企业诉求办结期限：${r.resolveDeadline} 前。`);
  if (r.queryCode) lines.push(`您选择了匿名反映，查询码：${r.queryCode}。请妥善保存，凭工单号和查询码可查询办理进度。`);
  if (r.reporter) lines.push(T.reporterConfidential);
  lines.push('承办部门确定后会在这里通知您。');
  return lines.join('\n');
}

export function routedText(ticketId: string, unitName: string | null, replyDeadline: string): string {
  if (!unitName) return `【工单进展】您的工单 ${ticketId} 将由12345中心人工派单，工作人员会尽快确定承办部门，答复期限不变（${replyDeadline}前）。`;
  return `【工单进展】您的工单 ${ticketId} 已转交“${unitName}”办理，答复期限：${replyDeadline}前。`;
}

/**
 * Text written by a person (an agent's answer, an entry of the knowledge base) as a chat shows it: angle brackets
 * become their full-width forms, so no client renders it as markup (Web Chat and the Emulator render HTML-ish
 * markdown), and the words stay readable.
 */
export function asChatText(text: string): string {
  return text.replace(/</g, '＜').replace(/>/g, '＞');
}

/** A unit's answer (答复), sent to the citizen in the conversation they filed in, with the request to rate it. */
export function replyText(ticketId: string, unitName: string, answer: string): string {
  return [
    `【工单答复】您的工单 ${ticketId} 已由“${unitName}”答复：`,
    asChatText(answer),
    '请您对办理结果进行评价：回复“满意”“基本满意”或“不满意”，并告诉我们问题是否已解决。',
  ].join('\n\n');
}

/** A ticket closed without the citizen's rating (by the unit, or after an unanswered reminder). */
export function closedText(ticketId: string): string {
  return `【工单进展】您的工单 ${ticketId} 已办结。如问题仍未解决，可以直接回复说明情况，我们将重新为您登记。`;
}

/** A ticket merged into another about the same matter (并单). */
export function mergedText(ticketId: string, into: string): string {
  return `【工单进展】您的工单 ${ticketId} 与其他市民反映的同一问题合并办理（主工单 ${into}），办理结果会同样告知您。`;
}

/** The answer to a ticket this citizen's repeat was merged into. */
export function mergedReplyText(ticketId: string, into: string, unitName: string, answer: string): string {
  return [`【工单答复】您反映的问题（工单 ${ticketId}）已与工单 ${into} 合并办理，“${unitName}”答复如下：`, asChatText(answer)].join('\n\n');
}

/** Choices offered with the reply so the citizen can rate with one tap. */
export const RATING_CHOICES = ['满意', '基本满意', '不满意'] as const;

/** Texts of the rating conversation (回访). */
export const R = {
  askSatisfaction: (ticketId: string) => `请您对工单 ${ticketId} 的办理结果进行评价：`,
  badSatisfaction: '请选择“满意”“基本满意”或“不满意”。',
  askSolved: '您反映的问题解决了吗？',
  badSolved: '请回复“已解决”或“未解决”。',
  askComment: '还有什么意见或建议想告诉我们吗？没有请回复“没有”。',
  thanks: (ticketId: string) => `感谢您的评价！工单 ${ticketId} 已办结。`,
  reopened: (ticketId: string, deadline: string) => `感谢您的反馈。工单 ${ticketId} 已重新交办（重办），承办单位将在 ${deadline} 前再次答复您。`,
  nothingToRate: '目前没有需要您评价的工单。如需反映新的问题，请直接描述。',
  failed: '抱歉，评价没有提交成功，请稍后再回复一次“满意”“基本满意”或“不满意”。',
} as const;

/** The one reminder to rate an answer, sent the next working day when the citizen has not rated it. */
export function ratingReminderText(ticketId: string, unitName: string): string {
  return `【评价提醒】您的工单 ${ticketId} 已由“${unitName}”答复，请您对办理结果进行评价：回复“满意”“基本满意”或“不满意”。如未评价，工单将于下一个工作日按未评价办结。`;
}

/** Texts of the status query (查询进度). */
export const Q = {
  askNumber: '请告诉我您要查询的工单号（10 位数字，受理时发给您的）。',
  badNumber: '工单号是 10 位左右的数字，请核对后再输入，例如 2611230042。',
  askProof: '为保护您的信息，请输入您登记的手机号码后四位；匿名反映的请输入查询码。',
  mismatch: '工单号或验证信息不正确，请核对后再试。',
  throttled: (minutes: number) => `查询失败次数过多，为保护信息安全，请 ${minutes} 分钟后再试。`,
  failed: '抱歉，暂时查询不到，请稍后再试。',
} as const;

export function statusText(s: import('./status-port').TicketStatus, formatDeadline: (iso: string) => string): string {
  const lines = [`【工单进度】工单号：${s.ticketId}`, `状态：${s.stateName}`, `承办单位：${s.unitName ?? '12345中心正在派单'}`];
  if (s.replyDeadline) lines.push(`答复期限：${formatDeadline(s.replyDeadline)}前`);
  for (const r of s.replies) lines.push(`${r.unitName}答复：${asChatText(r.text)}`);
  if (s.awaitingRating) lines.push('请您对办理结果进行评价：回复“满意”“基本满意”或“不满意”。');
  return lines.join('\n');
}

/** Texts of answers on the spot from the knowledge base (即时办结). */
export const K = {
  answer: (answer: string, unitName: string) => `【即时解答】${asChatText(answer)}\n（主管单位：${unitName}）`,
  askHelped: '以上解答解决您的问题了吗？',
  badHelped: '请回复“解决了”；如果没有解决，请回复“没解决”，我们将为您登记转交承办部门。',
  choices: ['解决了', '没解决，继续反映'],
  continueAsTicket: '好的，我们为您登记，转交承办部门办理。',
  recorded: (ticketId: string) => `很高兴帮到您！本次咨询已记录为即时办结（工单号：${ticketId}），无需等待答复。还有其他问题，请直接告诉我。`,
  recordFailed: '抱歉，系统繁忙，本次咨询暂未记录成功。请稍后再回复一次“解决了”。',
} as const;

/** The bot's menu, offered with the welcome: what a person can do here. */
export const MENU = ['我要反映问题', '企业诉求', '查询工单', '帮助'] as const;

/** Texts of enterprise appeals (企业诉求). */
export const E = {
  intro: '您好，这里是企业诉求专区（营商环境）。企业诉求按专门时限办理：1个工作时内签收，3个工作日内答复，15个工作日内办结。下面请按提示填写，随时回复“取消”可放弃。',
  askCode: '请输入企业的统一社会信用代码（营业执照上的18位代码）：',
  retryCode: '请重新输入统一社会信用代码：',
  codeLength: (n: number) => `统一社会信用代码应为18位，您输入的是${n}位。请核对营业执照后重新输入。`,
  codeChars: '统一社会信用代码只包含数字和大写英文字母（不含 I、O、S、V、Z），请核对后重新输入。',
  codeCheck: '统一社会信用代码校验不通过（最后一位校验码与前17位不符），可能有输错的字符，请核对营业执照后重新输入。',
  askName: '请输入企业名称（与营业执照一致）：',
  badName: '企业名称应为2到60个字，请重新输入。',
  askContact: '请输入联系人姓名：',
  badContact: '联系人姓名应为2到20个字，请重新输入。',
  askPhone: '请输入联系人的手机号码，方便承办部门和首席服务员联系您：',
  badPhone: '手机号码格式不正确，请输入11位中国大陆手机号（例如 13812345678）。企业诉求需要留下联系方式。',
  askCategory: '请选择诉求类别：',
  badCategory: '请从以下类别中选择一项（也可以回复序号1-10）：',
  askDescription: '请详细描述您的诉求：遇到了什么问题、涉及哪个部门或项目、持续多久、希望怎样解决。',
  askLocation: '请告诉我问题涉及的地点或企业地址：',
  badLocation: '请补充地点或企业地址，200字以内。',
  confirm: '以上信息是否正确？回复“确认提交”提交，回复“修改”更改内容。',
  askEditField: '请问要修改哪一项？',
} as const;

export interface EnterpriseSummaryFields {
  creditCode: string;
  name: string;
  contactName: string;
  phone: string;
  category: string;
  type: string;
  description: string;
  location: string;
  urgent: boolean;
}

export function enterpriseSummary(f: EnterpriseSummaryFields): string {
  return [
    '请核对您要提交的企业诉求：',
    `企业：${f.name}（${f.creditCode}）`,
    `联系人：${f.contactName}，${f.phone}`,
    `诉求类别：${f.category}`,
    `类型：${f.type}${f.urgent ? '（紧急）' : ''}`,
    `诉求内容：${f.description}`,
    `地点：${f.location}`,
  ].join('\n');
}
