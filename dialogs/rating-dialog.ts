import { MessageFactory } from 'botbuilder';
import { ComponentDialog, TextPrompt, WaterfallDialog, type DialogTurnResult, type PromptOptions, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { Rating } from '../data/tickets/ticket';
import { cleanText } from './message-input';
import type { RatingPort } from './rating-port';
import { R, RATING_CHOICES } from './texts';

export const RATING_DIALOG = 'ratingDialog';
const SATISFACTION_PROMPT = 'ratingSatisfactionPrompt';
const SOLVED_PROMPT = 'ratingSolvedPrompt';
const COMMENT_PROMPT = 'ratingCommentPrompt';
const WATERFALL = 'ratingWaterfall';

export interface RatingDetails {
  ticketId: string;
  satisfaction?: Rating['satisfaction'];
  solved?: boolean;
}

/** 满意 / 基本满意 / 不满意 from what citizens type, or null. */
export function parseSatisfaction(text: string): Rating['satisfaction'] | null {
  const t = text.replace(/[。！!，,\s]/g, '').replace(/[吧啊呀哦嘛的]+$/, '');
  if (/^(不满意|很不满意|非常不满意|差评|不行|太差了?)$/.test(t)) return '不满意';
  if (/^(基本满意|还行|还可以|一般|凑合)$/.test(t)) return '基本满意';
  if (/^(满意|很满意|非常满意|好评|挺满意)$/.test(t)) return '满意';
  return null;
}

/** Yes (solved) / no from what citizens type, or null. */
export function parseSolved(text: string): boolean | null {
  const t = text.replace(/[。！!，,\s]/g, '').replace(/[吧啊呀哦嘛]+$/, '');
  if (/^(未解决|没解决|没有解决|没有|还没|没|否|不是|还没有解决|没办好)$/.test(t)) return false;
  if (/^(已解决|解决了|是|是的|好了|已经解决|解决|对)$/.test(t)) return true;
  return null;
}

function withChoices(text: string, retry: string, choices: readonly string[]): PromptOptions {
  return { prompt: MessageFactory.suggestedActions([...choices], text), retryPrompt: MessageFactory.suggestedActions([...choices], retry) };
}

/**
 * 回访: after a unit's answer, the citizen rates it — satisfaction, whether the matter is solved, an optional comment.
 * Satisfied and solved closes the ticket; otherwise it is reopened (重办) and the citizen is told the new deadline.
 */
export class RatingDialog extends ComponentDialog {
  constructor(private readonly ratings: RatingPort, private readonly formatDeadline: (iso: string) => string) {
    super(RATING_DIALOG);
    this.addDialog(new TextPrompt(SATISFACTION_PROMPT, async (p) => p.recognized.succeeded && parseSatisfaction(cleanText(p.recognized.value)) !== null))
      .addDialog(new TextPrompt(SOLVED_PROMPT, async (p) => p.recognized.succeeded && parseSolved(cleanText(p.recognized.value)) !== null))
      .addDialog(new TextPrompt(COMMENT_PROMPT))
      .addDialog(new WaterfallDialog(WATERFALL, [this.satisfactionStep.bind(this), this.solvedStep.bind(this), this.commentStep.bind(this), this.recordStep.bind(this)]));
    this.initialDialogId = WATERFALL;
  }

  private details(step: WaterfallStepContext): RatingDetails {
    return step.options as RatingDetails;
  }

  private async satisfactionStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const d = this.details(step);
    if (d.satisfaction) return step.next();
    return step.prompt(SATISFACTION_PROMPT, withChoices(R.askSatisfaction(d.ticketId), R.badSatisfaction, RATING_CHOICES));
  }

  private async solvedStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const d = this.details(step);
    if (typeof step.result === 'string') d.satisfaction = parseSatisfaction(cleanText(step.result)) ?? undefined;
    return step.prompt(SOLVED_PROMPT, withChoices(R.askSolved, R.badSolved, ['已解决', '未解决']));
  }

  private async commentStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.details(step).solved = parseSolved(cleanText(step.result)) ?? false;
    return step.prompt(COMMENT_PROMPT, { prompt: MessageFactory.suggestedActions(['没有'], R.askComment) });
  }

  private async recordStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const d = this.details(step);
    const raw = cleanText(step.result).slice(0, 500);
    const comment = /^(没有|没|无|不用了?|没了)$/.test(raw) ? undefined : raw || undefined;
    try {
      const r = await this.ratings.rate(d.ticketId, step.context.activity.conversation.id, { satisfaction: d.satisfaction ?? '满意', solved: d.solved ?? false, ...(comment ? { comment } : {}) });
      await step.context.sendActivity(r.reopened && r.replyDeadline ? R.reopened(d.ticketId, this.formatDeadline(r.replyDeadline)) : R.thanks(d.ticketId));
    } catch {
      await step.context.sendActivity(R.failed);
    }
    return step.endDialog();
  }
}
