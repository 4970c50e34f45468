import { ComponentDialog, DialogTurnStatus, type DialogContext, type DialogTurnResult } from 'botbuilder-dialogs';
import { detectEmergency } from './emergency';
import { cleanText, isCancel, isHelp } from './message-input';
import { emergencyText, T } from './texts';

/**
 * A ComponentDialog whose every step can be interrupted, in this order: a message describing danger happening now
 * gets the emergency numbers before anything else (the step then waits as it was); "取消" ends all dialogs;
 * "帮助" explains and asks the current question again.
 */
export abstract class InterruptibleDialog extends ComponentDialog {
  async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    return (await this.interrupt(innerDc)) ?? super.onContinueDialog(innerDc);
  }

  protected async interrupt(innerDc: DialogContext): Promise<DialogTurnResult | undefined> {
    if (innerDc.context.activity.type !== 'message') return undefined;
    const text = cleanText(innerDc.context.activity.text);
    const emergency = detectEmergency(text);
    if (emergency) {
      await innerDc.context.sendActivity(emergencyText(emergency));
      return { status: DialogTurnStatus.waiting };
    }
    if (isCancel(text)) {
      await innerDc.context.sendActivity(T.cancelled);
      return innerDc.cancelAllDialogs(true);
    }
    if (isHelp(text)) {
      await innerDc.context.sendActivity(T.help);
      await innerDc.repromptDialog();
      return { status: DialogTurnStatus.waiting };
    }
    return undefined;
  }
}
