import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { COMPLAINT_DIALOG, ComplaintDialog } from './complaint-dialog';
import { ENTERPRISE_DIALOG, EnterpriseDialog } from './enterprise-dialog';
import type { IntakePort } from './intake-port';
import { KNOWLEDGE_DIALOG, KnowledgeDialog, type KnowledgeDetails } from './knowledge-dialog';
import type { KnowledgePort } from './knowledge-port';
import { InterruptibleDialog } from './interruptible-dialog';
import { checkDescription, cleanText, isBareConfirmation, isCancel, isGreeting, isHelp, menuEntry } from './message-input';
import { parseSatisfaction, RATING_DIALOG, RatingDialog, type RatingDetails } from './rating-dialog';
import type { RatingPort } from './rating-port';
import { parseStatusQuery, STATUS_DIALOG, StatusDialog } from './status-dialog';
import type { StatusPort } from './status-port';
import { descriptionProblem, emergencyText, MENU, R, T } from './texts';
import { MessageFactory } from 'botbuilder';
import { detectEmergency } from './emergency';

export const MAIN_DIALOG = 'mainDialog';


const QUESTION = /[?？]\s*$|吗\s*$|怎么|怎样|如何|咋|哪里|哪儿|哪个|什么|多少|多久|几天|能不能|可不可以|可以.*吗|是否|需要.*材料|要带/;

/** A consultation (咨询): the classifier proposes it, or the message asks a question without complaining or reporting. */
export function isConsultation(text: string, proposedType: string): boolean {
  if (proposedType === '咨询') return true;
  return QUESTION.test(text) && proposedType !== '投诉' && proposedType !== '举报';
}
const WATERFALL = 'mainWaterfall';

/**
 * The root of the conversation: a first message that describes a matter starts an intake with it; danger happening
 * now gets the emergency numbers and no ticket; greetings, help and stray words get an answer instead of a ticket.
 */
export class MainDialog extends InterruptibleDialog {
  constructor(
    private readonly intake: IntakePort,
    private readonly ratings?: RatingPort,
    private readonly status?: StatusPort,
    private readonly knowledge?: KnowledgePort,
  ) {
    super(MAIN_DIALOG);
    this.addDialog(new ComplaintDialog(intake));
    this.addDialog(new EnterpriseDialog(intake));
    if (knowledge) this.addDialog(new KnowledgeDialog(knowledge));
    if (ratings) this.addDialog(new RatingDialog(ratings, intake.formatDeadline));
    if (status) this.addDialog(new StatusDialog(status, intake.formatDeadline));
    this.addDialog(new WaterfallDialog(WATERFALL, [this.introStep.bind(this), this.finalStep.bind(this)]));
    this.initialDialogId = WATERFALL;
  }

  private async introStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const text = cleanText(step.context.activity.text);
    const emergency = detectEmergency(text);
    if (emergency) return this.say(step, emergencyText(emergency));
    if (isHelp(text)) return this.say(step, T.help);
    // The menu: the enterprise entry (企业诉求), or a matter to describe.
    const entry = menuEntry(text);
    if (entry === 'enterprise') return step.beginDialog(ENTERPRISE_DIALOG, EnterpriseDialog.newDetails());
    if (entry === 'complaint') return step.beginDialog(COMPLAINT_DIALOG, ComplaintDialog.newDetails());
    // 查询进度: a question about a ticket's progress, or a bare ticket number.
    const query = this.status ? parseStatusQuery(text) : null;
    if (query) return step.beginDialog(STATUS_DIALOG, query);
    // A rating word answers the request to rate a unit's answer (回访) sent into this conversation.
    const satisfaction = parseSatisfaction(text);
    if (satisfaction && this.ratings) {
      const awaiting = await this.ratings.awaiting(step.context.activity.conversation.id);
      if (!awaiting) return this.say(step, R.nothingToRate);
      return step.beginDialog(RATING_DIALOG, { ticketId: awaiting.ticketId, satisfaction } satisfies RatingDetails);
    }
    if (isCancel(text)) return this.say(step, T.nothingToCancel);
    if (isBareConfirmation(text)) return this.say(step, T.nothingToConfirm);
    if (isGreeting(text)) {
      await step.context.sendActivity(MessageFactory.suggestedActions([...MENU], T.welcome));
      return step.endDialog();
    }
    const problem = checkDescription(text);
    if (problem === 'too-short') return step.beginDialog(COMPLAINT_DIALOG, ComplaintDialog.newDetails());
    if (problem) return this.say(step, descriptionProblem(problem));
    // A question the knowledge base answers with confidence is answered at once (即时办结).
    const answer = this.knowledge && isConsultation(text, this.intake.propose(text).type) ? this.knowledge.find(text) : null;
    if (answer) return step.beginDialog(KNOWLEDGE_DIALOG, { ...answer, text, intakeKey: ComplaintDialog.newDetails().intakeKey } satisfies KnowledgeDetails);
    return step.beginDialog(COMPLAINT_DIALOG, ComplaintDialog.newDetails(text));
  }

  private async finalStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    return step.endDialog(step.result);
  }

  private async say(step: WaterfallStepContext, text: string): Promise<DialogTurnResult> {
    await step.context.sendActivity(text);
    return step.endDialog();
  }
}
