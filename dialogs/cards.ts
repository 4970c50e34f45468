import { CardFactory, MessageFactory, type Activity } from 'botbuilder';
import type { TicketStatus } from './status-port';
import { asChatText, K, receipt, replyText, statusText, type ReceiptFields } from './texts';

/**
 * Adaptive Cards for what reads better as a card than as text (the receipt, a status, a unit's answer, a knowledge-
 * base answer), on the channels that show them; every other channel gets the same content as text, and every card
 * carries that text as its fallbackText.
 */

/** Channels whose clients render Adaptive Cards: the chat page's Web Chat (built-in Direct Line), Web Chat on Azure, Teams. */
const CARD_CHANNELS = new Set(['directline', 'webchat', 'msteams']);

export function supportsCards(channelId: string | undefined): boolean {
  return CARD_CHANNELS.has(String(channelId));
}

type Element = Record<string, unknown>;

const title = (text: string): Element => ({ type: 'TextBlock', text, weight: 'Bolder', size: 'Medium', wrap: true });
// Every text of a card is shown as text, never as markup (a person's words may contain angle brackets).
const line = (text: string, subtle = false): Element => ({ type: 'TextBlock', text: asChatText(text), wrap: true, ...(subtle ? { isSubtle: true, spacing: 'Small' } : {}) });
const facts = (pairs: [string, string][]): Element => ({ type: 'FactSet', facts: pairs.map(([t, value]) => ({ title: t, value })) });

function card(fallbackText: string, body: Element[]): Partial<Activity> {
  const content = { type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: '1.3', fallbackText, body };
  const activity = MessageFactory.attachment(CardFactory.adaptiveCard(content));
  // Screen readers and channels that show a notification preview read this.
  activity.summary = fallbackText.split('\n')[0];
  return activity;
}

/** The receipt: ticket number, reply deadline, query code of an anonymous filing. */
export function receiptActivity(channelId: string, r: ReceiptFields & { typeLabel?: string }): Partial<Activity> | string {
  const text = receipt(r);
  if (!supportsCards(channelId)) return text;
  const pairs: [string, string][] = [
    ['类型', r.typeLabel ?? r.type],
    ['答复期限', `${r.replyDeadline} 前${r.provisional ? '（暂估）' : ''}`],
  ];
  if (r.resolveDeadline) pairs.push(['办结期限', `${r.resolveDeadline} 前`]);
  if (r.queryCode) pairs.push(['查询码', r.queryCode]);
  const notes = text.split('\n').slice(2).filter((n) => !n.startsWith('企业诉求办结期限'));
  return card(text, [title('已受理，感谢您的反映！'), line(`工单号：${r.ticketId}`), facts(pairs), ...notes.map((n) => line(n, true))]);
}

/** A ticket's progress, for whoever proved it is theirs. */
export function statusActivity(channelId: string, s: TicketStatus, formatDeadline: (iso: string) => string): Partial<Activity> | string {
  const text = statusText(s, formatDeadline);
  if (!supportsCards(channelId)) return text;
  const pairs: [string, string][] = [
    ['状态', s.stateName],
    ['承办单位', s.unitName ?? '12345中心正在派单'],
  ];
  if (s.replyDeadline) pairs.push(['答复期限', `${formatDeadline(s.replyDeadline)}前`]);
  const body: Element[] = [title('工单进度'), line(`工单号：${s.ticketId}`), facts(pairs)];
  for (const r of s.replies) body.push(line(`${r.unitName}答复：`, true), line(r.text));
  if (s.awaitingRating) body.push(line('请您对办理结果进行评价：回复“满意”“基本满意”或“不满意”。', true));
  return card(text, body);
}

/** A unit's answer sent into the conversation the ticket came from, with the request to rate it. */
export function replyActivity(channelId: string, ticketId: string, unitName: string, answer: string): Partial<Activity> | string {
  const text = replyText(ticketId, unitName, answer);
  if (!supportsCards(channelId)) return text;
  return card(text, [title('【工单答复】'), line(`您的工单 ${ticketId} 已由“${unitName}”答复：`, true), line(answer), line('请您对办理结果进行评价，并告诉我们问题是否已解决。', true)]);
}

/** An answer from the knowledge base (即时解答). */
export function answerActivity(channelId: string, answer: string, unitName: string): Partial<Activity> | string {
  const text = K.answer(answer, unitName);
  if (!supportsCards(channelId)) return text;
  return card(text, [title('【即时解答】'), line(answer), line(`主管单位：${unitName}`, true)]);
}
