import { MessageFactory, TurnContext } from 'botbuilder';
import { TextPrompt, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { COMPLAINT_DIALOG, ComplaintDialog } from './complaint-dialog';
import { InterruptibleDialog } from './interruptible-dialog';
import type { KnowledgeAnswer, KnowledgePort } from './knowledge-port';
import { cleanText } from './message-input';
import { K } from './texts';
import { answerActivity } from './cards';

export const KNOWLEDGE_DIALOG = 'knowledgeDialog';
const SOLVED_PROMPT = 'knowledgeSolvedPrompt';
const WATERFALL = 'knowledgeWaterfall';

export interface KnowledgeDetails extends KnowledgeAnswer {
  /** The citizen's message, kept as the ticket's description either way. */
  text: string;
  intakeKey: string;
  /** True once the answer was shown (asking again after a failed recording does not repeat it). */
  shown?: boolean;
}

/** Whether the answer solved it: true, false, or null when the reply says neither. */
export function parseHelped(text: string): boolean | null {
  const t = text.replace(/[。！!，,\s]/g, '');
  if (/没解决|没有解决|未解决|不能解决|没用|没有用|不是这个|不对|不行|还是不|继续反映|要反映|要投诉|人工|转交|登记/.test(t)) return false;
  if (/^(解决了|已解决|解决|有用|明白了?|清楚了?|知道了|懂了|好的?|可以了?|行|是的?|对|嗯|谢谢|多谢|感谢)+(了|的|啊|呀|哈|啦|谢谢|多谢|感谢|你们?)*$/.test(t)) return true;
  return null;
}

/**
 * 即时办结: a consultation the knowledge base answers with confidence gets the answer at once, and the question
 * whether it solved the matter. Yes → recorded as a ticket answered directly and closed; no → the matter continues
 * as an ordinary ticket, starting from the same message.
 */
export class KnowledgeDialog extends InterruptibleDialog {
  constructor(private readonly knowledge: KnowledgePort) {
    super(KNOWLEDGE_DIALOG);
    this.addDialog(new TextPrompt(SOLVED_PROMPT, async (p) => p.recognized.succeeded && parseHelped(cleanText(p.recognized.value)) !== null))
      .addDialog(new WaterfallDialog(WATERFALL, [this.answerStep.bind(this), this.decideStep.bind(this)]));
    this.initialDialogId = WATERFALL;
  }

  private details(step: WaterfallStepContext): KnowledgeDetails {
    return step.options as KnowledgeDetails;
  }

  private async answerStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const d = this.details(step);
    if (!d.shown) await step.context.sendActivity(answerActivity(step.context.activity.channelId, d.answer, d.unitName));
    d.shown = true;
    return step.prompt(SOLVED_PROMPT, {
      prompt: MessageFactory.suggestedActions([...K.choices], K.askHelped),
      retryPrompt: MessageFactory.suggestedActions([...K.choices], K.badHelped),
    });
  }

  private async decideStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const d = this.details(step);
    if (!parseHelped(cleanText(step.result))) {
      await step.context.sendActivity(K.continueAsTicket);
      return step.replaceDialog(COMPLAINT_DIALOG, ComplaintDialog.newDetails(d.text));
    }
    const reference = TurnContext.getConversationReference(step.context.activity);
    try {
      const { ticketId } = await this.knowledge.answered({
        intakeKey: d.intakeKey,
        text: d.text,
        entryId: d.entryId,
        channel: { channelId: step.context.activity.channelId, reference: reference as unknown as Record<string, unknown> },
      });
      await step.context.sendActivity(K.recorded(ticketId));
    } catch {
      // The answer was given; recording it failed. Asking again keeps the same intake key, so a retry records it once.
      await step.context.sendActivity(K.recordFailed);
      return step.replaceDialog(WATERFALL, { ...d });
    }
    return step.endDialog();
  }
}
