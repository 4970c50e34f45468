import * as crypto from 'node:crypto';
import { MessageFactory, TurnContext } from 'botbuilder';
import {
  TextPrompt,
  WaterfallDialog,
  type DialogTurnResult,
  type PromptOptions,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { TICKET_TYPES, type TicketType } from '../data/tickets/ticket';
import { isMobile, normalizeMobile } from '../data/validation/identifiers';
import { maskPhone, redactText } from '../data/validation/masking';
import { extractLocation, extractMobile } from './extract';
import type { IntakePort } from './intake-port';
import { InterruptibleDialog } from './interruptible-dialog';
import { checkDescription, cleanText, isAnonymousAnswer, meaningfulLength, quoteForDisplay } from './message-input';
import { receiptActivity } from './cards';
import { descriptionProblem, summary, T } from './texts';

export const COMPLAINT_DIALOG = 'complaintDialog';

/** What the dialog has gathered so far; kept in conversation state between turns. */
export interface ComplaintDetails {
  /** One per intake: confirming twice (or a retried delivery) creates one ticket. */
  intakeKey: string;
  description?: string;
  location?: string;
  phone?: string;
  /** True once the person gave a phone number or chose to stay anonymous. */
  contactGiven?: boolean;
  type?: TicketType;
  proposedType?: TicketType;
  urgent?: boolean;
}

type EditField = 'description' | 'location' | 'contact' | 'type';

const DESCRIPTION_PROMPT = 'descriptionPrompt';
const LOCATION_PROMPT = 'locationPrompt';
const CONTACT_PROMPT = 'contactPrompt';
const TYPE_PROMPT = 'typePrompt';
const CONFIRM_PROMPT = 'confirmPrompt';
const EDIT_PROMPT = 'editPrompt';
const WATERFALL = 'complaintWaterfall';

const YES = /^(是|是的|对|对的|没错|好|好的|嗯|可以|同意|确认|正确|ok|yes)[的了吧啊!！。.\s]*$/i;
const EDIT_CHOICES: Record<string, EditField> = { 问题描述: 'description', 地点: 'location', 联系方式: 'contact', 问题类型: 'type' };

/** The type a person chose: a type named in the answer (the last one named wins), or the proposal on a plain yes. */
export function parseTypeAnswer(text: string, proposed: TicketType): TicketType | null {
  let best: { type: TicketType; at: number } | null = null;
  for (const t of TICKET_TYPES) {
    const at = text.lastIndexOf(t);
    if (at >= 0 && (!best || at > best.at)) best = { type: t, at };
  }
  if (best) return best.type;
  return YES.test(text) ? proposed : null;
}

export function parseConfirmAnswer(text: string): 'submit' | 'edit' | null {
  if (/修改|改一下|更改|不对|有误|错了|不正确/.test(text)) return 'edit';
  if (/确认|提交/.test(text) || YES.test(text) || /^(没问题|正确|无误)/.test(text)) return 'submit';
  return null;
}

export function parseEditField(text: string): EditField | null {
  for (const [label, field] of Object.entries(EDIT_CHOICES)) if (text.includes(label)) return field;
  if (/描述|问题|内容/.test(text) && !/类型/.test(text)) return 'description';
  if (/地址|位置|地方/.test(text)) return 'location';
  if (/电话|手机|号码|匿名/.test(text)) return 'contact';
  if (/类型|类别/.test(text)) return 'type';
  return null;
}

function withChoices(text: string, retry: string, choices: string[]): PromptOptions {
  return { prompt: MessageFactory.suggestedActions(choices, text), retryPrompt: MessageFactory.suggestedActions(choices, retry) };
}

/**
 * Takes a matter in: asks only for what the first message did not already say (place, contact, type), shows a
 * summary, and on confirmation submits the ticket and answers with its number and reply deadline.
 */
export class ComplaintDialog extends InterruptibleDialog {
  constructor(private readonly intake: IntakePort) {
    super(COMPLAINT_DIALOG);
    this.addDialog(new TextPrompt(DESCRIPTION_PROMPT, async (p) => this.validateDescription(p)))
      .addDialog(new TextPrompt(LOCATION_PROMPT, async (p) => this.validateLocation(p)))
      .addDialog(new TextPrompt(CONTACT_PROMPT, async (p) => this.validateContact(p)))
      .addDialog(new TextPrompt(TYPE_PROMPT, async (p) => p.recognized.succeeded && parseTypeAnswer(cleanText(p.recognized.value), TICKET_TYPES[0]) !== null))
      .addDialog(new TextPrompt(CONFIRM_PROMPT, async (p) => p.recognized.succeeded && parseConfirmAnswer(cleanText(p.recognized.value)) !== null))
      .addDialog(new TextPrompt(EDIT_PROMPT, async (p) => p.recognized.succeeded && parseEditField(cleanText(p.recognized.value)) !== null))
      .addDialog(
        new WaterfallDialog(WATERFALL, [
          this.describeStep.bind(this),
          this.locationStep.bind(this),
          this.contactStep.bind(this),
          this.typeStep.bind(this),
          this.confirmStep.bind(this),
          this.actStep.bind(this),
          this.editStep.bind(this),
        ]),
      );
    this.initialDialogId = WATERFALL;
  }

  /** Starting details for a new intake, optionally with the first message as its description. */
  static newDetails(description?: string): ComplaintDetails {
    return { intakeKey: crypto.randomUUID(), description };
  }

  private details(step: WaterfallStepContext): ComplaintDetails {
    return step.options as ComplaintDetails;
  }

  private async describeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (this.details(step).description) return step.next();
    return step.prompt(DESCRIPTION_PROMPT, { prompt: T.askDescription });
  }

  private async locationStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const d = this.details(step);
    if (!d.description) d.description = cleanText(step.result);
    if (!d.location) d.location = extractLocation(d.description);
    if (d.location) return step.next();
    return step.prompt(LOCATION_PROMPT, { prompt: T.askLocation, retryPrompt: T.badLocation });
  }

  private async contactStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const d = this.details(step);
    if (!d.location) d.location = cleanText(step.result);
    if (!d.contactGiven) {
      const phone = extractMobile(d.description ?? '');
      if (phone) Object.assign(d, { phone, contactGiven: true });
    }
    if (d.contactGiven) return step.next();
    return step.prompt(CONTACT_PROMPT, { prompt: T.askContact, retryPrompt: T.badContact });
  }

  private async typeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const d = this.details(step);
    if (!d.contactGiven) {
      const answer = cleanText(step.result);
      d.phone = isAnonymousAnswer(answer) ? undefined : normalizeMobile(answer);
      d.contactGiven = true;
    }
    if (!d.proposedType) {
      const proposal = this.intake.propose(`${d.description}\n${d.location}`);
      d.proposedType = proposal.type;
      d.urgent = proposal.urgent;
    }
    if (d.type) return step.next();
    const proposed = d.proposedType;
    const choices = [`是（${proposed}）`, ...TICKET_TYPES.filter((t) => t !== proposed)];
    return step.prompt(TYPE_PROMPT, withChoices(T.askType(proposed), T.badType, choices));
  }

  private async confirmStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const d = this.details(step);
    if (!d.type) d.type = parseTypeAnswer(cleanText(step.result), d.proposedType!) ?? d.proposedType!;
    const text = summary({
      type: d.type,
      // Phone and ID numbers typed into free text are shown masked, like the contact field.
      description: quoteForDisplay(redactText(d.description!)),
      location: quoteForDisplay(redactText(d.location!), 200),
      contact: d.phone ? maskPhone(d.phone) : '匿名',
      urgent: !!d.urgent,
    });
    await step.context.sendActivity(text);
    return step.prompt(CONFIRM_PROMPT, withChoices(T.confirm, T.badConfirm, ['确认提交', '修改', '取消']));
  }

  private async actStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const d = this.details(step);
    if (parseConfirmAnswer(cleanText(step.result)) === 'edit') {
      return step.prompt(EDIT_PROMPT, withChoices(T.askEditField, T.askEditField, Object.keys(EDIT_CHOICES)));
    }
    const reference = TurnContext.getConversationReference(step.context.activity);
    let result;
    try {
      result = await this.intake.submit({
        intakeKey: d.intakeKey,
        description: d.description!,
        location: d.location!,
        phone: d.phone,
        type: d.type!,
        proposedType: d.proposedType!,
        urgent: !!d.urgent,
        enterprise: false,
        channel: { channelId: step.context.activity.channelId, reference: reference as unknown as Record<string, unknown> },
      });
    } catch {
      // Nothing is lost: the details stay, and confirming again submits the same intake (same intakeKey).
      await step.context.sendActivity(T.submitFailed);
      return step.replaceDialog(WATERFALL, d);
    }
    await step.context.sendActivity(
      receiptActivity(step.context.activity.channelId, {
        ticketId: result.ticket.id,
        type: result.ticket.type,
        replyDeadline: this.intake.formatDeadline(result.ticket.deadlines.reply),
        provisional: result.ticket.deadlines.provisional,
        queryCode: result.queryCode,
        reporter: result.ticket.type === '举报',
      }),
    );
    return step.endDialog({ ticketId: result.ticket.id });
  }

  private async editStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const d = { ...this.details(step) };
    switch (parseEditField(cleanText(step.result))) {
      case 'description':
        // A new description may need a new proposal.
        Object.assign(d, { description: undefined, proposedType: undefined, type: undefined, urgent: undefined });
        break;
      case 'location':
        d.location = undefined;
        break;
      case 'contact':
        Object.assign(d, { phone: undefined, contactGiven: false });
        break;
      case 'type':
        d.type = undefined;
        break;
    }
    return step.replaceDialog(WATERFALL, d);
  }

  private async validateDescription(p: PromptValidatorContext<string>): Promise<boolean> {
    const problem = checkDescription(cleanText(p.recognized.value));
    if (!problem) return true;
    await p.context.sendActivity(descriptionProblem(problem));
    return false;
  }

  private async validateLocation(p: PromptValidatorContext<string>): Promise<boolean> {
    const text = cleanText(p.recognized.value);
    return text.length <= 200 && meaningfulLength(text) >= 2;
  }

  private async validateContact(p: PromptValidatorContext<string>): Promise<boolean> {
    const text = cleanText(p.recognized.value);
    return isAnonymousAnswer(text) || isMobile(text);
  }
}
