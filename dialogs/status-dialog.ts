import { ComponentDialog, TextPrompt, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { parseTicketNumber } from '../data/tickets/numbering';
import { cleanText } from './message-input';
import type { StatusPort } from './status-port';
import { statusActivity } from './cards';
import { Q } from './texts';

export const STATUS_DIALOG = 'statusDialog';
const NUMBER_PROMPT = 'statusNumberPrompt';
const PROOF_PROMPT = 'statusProofPrompt';
const WATERFALL = 'statusWaterfall';

const QUERY = /(查询|查一下|查查|查看|进度|进展|状态|办得怎么样|处理得怎么样|有结果了?吗)/;
// What is asked about must be the citizen's own ticket, not a matter ("查一下这个商家有没有执照" is a new matter).
const SUBJECT = /工单|我(的|之前|上次|前几天)?(反映|提交|投诉|举报|诉求|提的|报的)|上次(反映|投诉|举报)|我的(问题|建议|求助|咨询)/;

/** A message asking about a ticket's progress: a query word, or a bare ticket number. Returns the number when given. */
export function parseStatusQuery(text: string): { ticketNumber: string | null } | null {
  const number = /(?<!\d)\d{10,12}(?!\d)/.exec(text.replace(/[\s-]/g, ''))?.[0] ?? null;
  if (number && text.replace(/[\s-]/g, '').length <= number.length + 12) return { ticketNumber: number };
  if (QUERY.test(text) && SUBJECT.test(text) && text.length <= 40) return { ticketNumber: number };
  return null;
}

/** 查询进度: ticket number, then the last four digits of the phone (or the query code), then the status. */
export class StatusDialog extends ComponentDialog {
  constructor(private readonly status: StatusPort, private readonly formatDeadline: (iso: string) => string) {
    super(STATUS_DIALOG);
    this.addDialog(new TextPrompt(NUMBER_PROMPT, async (p) => p.recognized.succeeded && parseTicketNumber(cleanText(p.recognized.value)) !== null))
      .addDialog(new TextPrompt(PROOF_PROMPT, async (p) => p.recognized.succeeded && /^[A-Za-z0-9]{4,8}$/.test(cleanText(p.recognized.value).replace(/\s/g, ''))))
      .addDialog(new WaterfallDialog(WATERFALL, [this.numberStep.bind(this), this.proofStep.bind(this), this.answerStep.bind(this)]));
    this.initialDialogId = WATERFALL;
  }

  private async numberStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const given = (step.options as { ticketNumber?: string | null }).ticketNumber;
    if (given) return step.next(given);
    return step.prompt(NUMBER_PROMPT, { prompt: Q.askNumber, retryPrompt: Q.badNumber });
  }

  private async proofStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    (step.values as { number: string }).number = parseTicketNumber(cleanText(step.result))!;
    return step.prompt(PROOF_PROMPT, { prompt: Q.askProof, retryPrompt: Q.askProof });
  }

  private async answerStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const number = (step.values as { number: string }).number;
    const proof = cleanText(step.result).replace(/\s/g, '');
    try {
      const r = await this.status.lookup(number, proof, step.context.activity.conversation.id);
      if (r.ok) await step.context.sendActivity(statusActivity(step.context.activity.channelId, r.status, this.formatDeadline));
      else await step.context.sendActivity(r.reason === 'throttled' ? Q.throttled(r.retryMinutes ?? 60) : Q.mismatch);
    } catch {
      await step.context.sendActivity(Q.failed);
    }
    return step.endDialog();
  }
}
