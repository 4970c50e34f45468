import * as crypto from 'node:crypto';
import { MessageFactory, TurnContext } from 'botbuilder';
import { TextPrompt, WaterfallDialog, type DialogTurnResult, type PromptOptions, type PromptValidatorContext, type WaterfallStepContext } from 'botbuilder-dialogs';
import { ENTERPRISE_CATEGORIES, type EnterpriseCategory } from '../data/knowledge/entry';
import type { TicketType } from '../data/tickets/ticket';
import { isMobile, isUscc, normalizeMobile } from '../data/validation/identifiers';
import { maskPhone, redactText } from '../data/validation/masking';
import { receiptActivity } from './cards';
import { parseConfirmAnswer } from './complaint-dialog';
import type { IntakePort } from './intake-port';
import { InterruptibleDialog } from './interruptible-dialog';
import { checkDescription, cleanText, meaningfulLength, quoteForDisplay } from './message-input';
import { descriptionProblem, E, enterpriseSummary, T } from './texts';

export const ENTERPRISE_DIALOG = 'enterpriseDialog';
const CODE_PROMPT = 'enterpriseCodePrompt';
const NAME_PROMPT = 'enterpriseNamePrompt';
const CONTACT_PROMPT = 'enterpriseContactPrompt';
const PHONE_PROMPT = 'enterprisePhonePrompt';
const CATEGORY_PROMPT = 'enterpriseCategoryPrompt';
const DESCRIPTION_PROMPT = 'enterpriseDescriptionPrompt';
const LOCATION_PROMPT = 'enterpriseLocationPrompt';
const CONFIRM_PROMPT = 'enterpriseConfirmPrompt';
const EDIT_PROMPT = 'enterpriseEditPrompt';
const WATERFALL = 'enterpriseWaterfall';

/** What the enterprise appeal has gathered so far; kept in conversation state between turns. */
export interface EnterpriseDetails {
  intakeKey: string;
  creditCode?: string;
  enterpriseName?: string;
  contactName?: string;
  phone?: string;
  category?: EnterpriseCategory;
  description?: string;
  location?: string;
  type?: TicketType;
  urgent?: boolean;
}

type Field = 'creditCode' | 'enterpriseName' | 'contactName' | 'phone' | 'category' | 'description' | 'location';
const EDIT_CHOICES: Record<string, Field> = { 信用代码: 'creditCode', 企业名称: 'enterpriseName', 联系人: 'contactName', 联系电话: 'phone', 诉求类别: 'category', 诉求内容: 'description', 地点: 'location' };

/** Why a typed unified social credit code is wrong (a message for the person), or null when it is valid. */
export function creditCodeProblem(raw: string): string | null {
  const code = raw.replace(/[\s-]/g, '').toUpperCase();
  if (code.length !== 18) return E.codeLength(code.length);
  if (!/^[0-9ABCDEFGHJKLMNPQRTUWXY]{18}$/.test(code)) return E.codeChars;
  return isUscc(code) ? null : E.codeCheck;
}

/** The category named in an answer (its name, a distinctive part of it, or its number 1–10), or null. */
export function parseCategory(text: string): EnterpriseCategory | null {
  const t = text.replace(/\s/g, '');
  const n = /^(\d{1,2})[.、．]?$/.exec(t);
  if (n) return ENTERPRISE_CATEGORIES[Number(n[1]) - 1] ?? null;
  const exact = ENTERPRISE_CATEGORIES.find((c) => t.includes(c));
  if (exact) return exact;
  const partial = ENTERPRISE_CATEGORIES.filter((c) => t.length >= 2 && c.includes(t));
  return partial.length === 1 ? partial[0] : null;
}

export function parseEnterpriseEditField(text: string): Field | null {
  for (const [label, field] of Object.entries(EDIT_CHOICES)) if (text.includes(label)) return field;
  if (/代码|执照/.test(text)) return 'creditCode';
  if (/名称|企业名|公司名/.test(text)) return 'enterpriseName';
  if (/电话|手机|号码/.test(text)) return 'phone';
  if (/类别|分类/.test(text)) return 'category';
  if (/内容|描述|问题/.test(text)) return 'description';
  if (/地址|位置/.test(text)) return 'location';
  return null;
}

const prompt = (text: string, retry: string, choices?: readonly string[]): PromptOptions =>
  choices ? { prompt: MessageFactory.suggestedActions([...choices], text), retryPrompt: MessageFactory.suggestedActions([...choices], retry) } : { prompt: text, retryPrompt: retry };

/**
 * 企业诉求: the enterprise entry of the bot. Asks for the unified social credit code (checked with its GB 32100 check
 * character), the enterprise's name, a contact person and mobile number, the appeal category and the matter; shows a
 * summary; on confirmation files a ticket that runs on the enterprise time limits and is marked as an enterprise
 * appeal in every queue.
 */
export class EnterpriseDialog extends InterruptibleDialog {
  constructor(private readonly intake: IntakePort) {
    super(ENTERPRISE_DIALOG);
    this.addDialog(new TextPrompt(CODE_PROMPT, async (p) => this.validateCode(p)))
      .addDialog(new TextPrompt(NAME_PROMPT, async (p) => p.recognized.succeeded && between(cleanText(p.recognized.value), 2, 60)))
      .addDialog(new TextPrompt(CONTACT_PROMPT, async (p) => p.recognized.succeeded && between(cleanText(p.recognized.value), 2, 20)))
      .addDialog(new TextPrompt(PHONE_PROMPT, async (p) => p.recognized.succeeded && isMobile(cleanText(p.recognized.value))))
      .addDialog(new TextPrompt(CATEGORY_PROMPT, async (p) => p.recognized.succeeded && parseCategory(cleanText(p.recognized.value)) !== null))
      .addDialog(new TextPrompt(DESCRIPTION_PROMPT, async (p) => this.validateDescription(p)))
      .addDialog(new TextPrompt(LOCATION_PROMPT, async (p) => p.recognized.succeeded && between(cleanText(p.recognized.value), 2, 200)))
      .addDialog(new TextPrompt(CONFIRM_PROMPT, async (p) => p.recognized.succeeded && parseConfirmAnswer(cleanText(p.recognized.value)) !== null))
      .addDialog(new TextPrompt(EDIT_PROMPT, async (p) => p.recognized.succeeded && parseEnterpriseEditField(cleanText(p.recognized.value)) !== null))
      .addDialog(
        new WaterfallDialog(WATERFALL, [
          this.codeStep.bind(this),
          this.nameStep.bind(this),
          this.contactStep.bind(this),
          this.phoneStep.bind(this),
          this.categoryStep.bind(this),
          this.descriptionStep.bind(this),
          this.locationStep.bind(this),
          this.confirmStep.bind(this),
          this.actStep.bind(this),
          this.editStep.bind(this),
        ]),
      );
    this.initialDialogId = WATERFALL;
  }

  static newDetails(): EnterpriseDetails {
    return { intakeKey: crypto.randomUUID() };
  }

  private details(step: WaterfallStepContext): EnterpriseDetails {
    return step.options as EnterpriseDetails;
  }

  /** Stores the answer of the previous step's prompt (when there was one) in the field it asked for. */
  private take(step: WaterfallStepContext, field: Field): void {
    const d = this.details(step);
    if (d[field] !== undefined || typeof step.result !== 'string') return;
    const v = cleanText(step.result);
    if (field === 'creditCode') d.creditCode = v.replace(/[\s-]/g, '').toUpperCase();
    else if (field === 'phone') d.phone = normalizeMobile(v);
    else if (field === 'category') d.category = parseCategory(v) ?? undefined;
    else d[field] = v;
  }

  private async codeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const d = this.details(step);
    if (d.creditCode) return step.next();
    if (!d.enterpriseName && !d.contactName) await step.context.sendActivity(E.intro);
    return step.prompt(CODE_PROMPT, prompt(E.askCode, E.retryCode));
  }

  private async nameStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.take(step, 'creditCode');
    if (this.details(step).enterpriseName) return step.next();
    return step.prompt(NAME_PROMPT, prompt(E.askName, E.badName));
  }

  private async contactStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.take(step, 'enterpriseName');
    if (this.details(step).contactName) return step.next();
    return step.prompt(CONTACT_PROMPT, prompt(E.askContact, E.badContact));
  }

  private async phoneStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.take(step, 'contactName');
    if (this.details(step).phone) return step.next();
    return step.prompt(PHONE_PROMPT, prompt(E.askPhone, E.badPhone));
  }

  private async categoryStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.take(step, 'phone');
    if (this.details(step).category) return step.next();
    const numbered = ENTERPRISE_CATEGORIES.map((c, i) => `${i + 1}. ${c}`).join('\n');
    return step.prompt(CATEGORY_PROMPT, prompt(`${E.askCategory}\n${numbered}`, `${E.badCategory}\n${numbered}`, ENTERPRISE_CATEGORIES));
  }

  private async descriptionStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.take(step, 'category');
    if (this.details(step).description) return step.next();
    return step.prompt(DESCRIPTION_PROMPT, { prompt: E.askDescription });
  }

  private async locationStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.take(step, 'description');
    if (this.details(step).location) return step.next();
    return step.prompt(LOCATION_PROMPT, prompt(E.askLocation, E.badLocation));
  }

  private async confirmStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    this.take(step, 'location');
    const d = this.details(step);
    if (!d.type) {
      const proposal = this.intake.propose(`${d.category}\n${d.description}\n${d.location}`);
      // The type the classifier reads from the appeal, shown in the summary (a changed matter is read again).
      d.type = proposal.type;
      d.urgent = proposal.urgent;
    }
    await step.context.sendActivity(
      enterpriseSummary({
        creditCode: d.creditCode!,
        name: quoteForDisplay(d.enterpriseName!, 60),
        contactName: quoteForDisplay(d.contactName!, 20),
        phone: maskPhone(d.phone!),
        category: d.category!,
        type: d.type,
        description: quoteForDisplay(redactText(d.description!)),
        location: quoteForDisplay(redactText(d.location!), 200),
        urgent: Boolean(d.urgent),
      }),
    );
    return step.prompt(CONFIRM_PROMPT, prompt(E.confirm, T.badConfirm, ['确认提交', '修改', '取消']));
  }

  private async actStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const d = this.details(step);
    if (parseConfirmAnswer(cleanText(step.result)) === 'edit') return step.prompt(EDIT_PROMPT, prompt(E.askEditField, E.askEditField, Object.keys(EDIT_CHOICES)));
    const reference = TurnContext.getConversationReference(step.context.activity);
    let result;
    try {
      result = await this.intake.submit({
        intakeKey: d.intakeKey,
        description: d.description!,
        location: d.location!,
        phone: d.phone,
        type: d.type!,
        proposedType: d.type!,
        urgent: Boolean(d.urgent),
        enterprise: true,
        enterpriseInfo: { creditCode: d.creditCode!, name: d.enterpriseName!, category: d.category! },
        contact: { name: d.contactName },
        channel: { channelId: step.context.activity.channelId, reference: reference as unknown as Record<string, unknown> },
      });
    } catch {
      await step.context.sendActivity(T.submitFailed);
      return step.replaceDialog(WATERFALL, d);
    }
    const deadlines = result.ticket.deadlines;
    await step.context.sendActivity(
      receiptActivity(step.context.activity.channelId, {
        ticketId: result.ticket.id,
        type: result.ticket.type,
        typeLabel: `企业诉求 · ${d.category}`,
        replyDeadline: this.intake.formatDeadline(deadlines.reply),
        ...(deadlines.resolve ? { resolveDeadline: this.intake.formatDeadline(deadlines.resolve) } : {}),
        provisional: deadlines.provisional,
        reporter: false,
      }),
    );
    return step.endDialog({ ticketId: result.ticket.id });
  }

  private async editStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const d = { ...this.details(step) };
    const field = parseEnterpriseEditField(cleanText(step.result));
    if (field) d[field] = undefined;
    // A changed matter or category may change the proposed type and urgency.
    if (field === 'description' || field === 'category') Object.assign(d, { type: undefined, urgent: undefined });
    return step.replaceDialog(WATERFALL, d);
  }

  private async validateCode(p: PromptValidatorContext<string>): Promise<boolean> {
    if (!p.recognized.succeeded) return false;
    const problem = creditCodeProblem(cleanText(p.recognized.value));
    if (!problem) return true;
    await p.context.sendActivity(problem);
    return false;
  }

  private async validateDescription(p: PromptValidatorContext<string>): Promise<boolean> {
    const problem = checkDescription(cleanText(p.recognized.value));
    if (!problem) return true;
    await p.context.sendActivity(descriptionProblem(problem));
    return false;
  }
}

function between(text: string, min: number, max: number): boolean {
  return meaningfulLength(text) >= min && text.length <= max;
}
