import { WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import { COMPLAINT_DIALOG, ComplaintDialog } from './complaint-dialog';
import type { IntakePort } from './intake-port';
import { InterruptibleDialog } from './interruptible-dialog';
import { checkDescription, cleanText, isBareConfirmation, isCancel, isGreeting, isHelp } from './message-input';
import { parseSatisfaction, RATING_DIALOG, RatingDialog, type RatingDetails } from './rating-dialog';
import type { RatingPort } from './rating-port';
import { parseStatusQuery, STATUS_DIALOG, StatusDialog } from './status-dialog';
import type { StatusPort } from './status-port';
import { descriptionProblem, emergencyText, R, T } from './texts';
import { detectEmergency } from './emergency';

export const MAIN_DIALOG = 'mainDialog';
const WATERFALL = 'mainWaterfall';

/**
 * The root of the conversation: a first message that describes a matter starts an intake with it; danger happening
 * now gets the emergency numbers and no ticket; greetings, help and stray words get an answer instead of a ticket.
 */
export class MainDialog extends InterruptibleDialog {
  constructor(intake: IntakePort, private readonly ratings?: RatingPort, private readonly status?: StatusPort) {
    super(MAIN_DIALOG);
    this.addDialog(new ComplaintDialog(intake));
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
    if (isGreeting(text)) return this.say(step, T.welcome);
    const problem = checkDescription(text);
    if (problem === 'too-short') return step.beginDialog(COMPLAINT_DIALOG, ComplaintDialog.newDetails());
    if (problem) return this.say(step, descriptionProblem(problem));
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
