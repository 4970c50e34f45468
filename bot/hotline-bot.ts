import { ActivityHandler, ConversationState, MessageFactory, type TurnContext } from 'botbuilder';
import { DialogSet, DialogTurnStatus, type Dialog, type DialogState } from 'botbuilder-dialogs';
import { cleanText, menuEntry } from '../dialogs/message-input';
import { MENU, T } from '../dialogs/texts';
import type { Logger } from './logger';

/**
 * The hotline bot: greets new members, hands every text message to the conversation's dialogs (whose first check
 * is the emergency guard), and saves conversation state at the end of every turn.
 */
export class HotlineBot extends ActivityHandler {
  private readonly dialogState;
  private readonly dialogs: DialogSet;

  /**
   * @param pending shows news that could not be sent to this conversation before (a unit's answer), at the start of
   *   the citizen's next message.
   */
  constructor(
    private readonly conversationState: ConversationState,
    private readonly dialog: Dialog,
    private readonly log: Logger,
    private readonly pending?: (context: TurnContext) => Promise<void>,
  ) {
    super();
    this.dialogState = conversationState.createProperty<DialogState>('DialogState');
    this.dialogs = new DialogSet(this.dialogState);
    this.dialogs.add(dialog);

    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });

    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      if ((context.activity.membersAdded ?? []).some((m) => m.id !== botId)) await context.sendActivity(MessageFactory.suggestedActions([...MENU], T.welcome));
      await next();
    });
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    await this.pending?.(context).catch((err) => this.log.warn({ err }, 'could not show pending news'));
    const text = cleanText(context.activity.text);
    // The citizen's words at debug level, for tracing a conversation (the logger masks phone and ID numbers in them).
    this.log.debug({ conversation: context.activity.conversation?.id, channel: context.activity.channelId, text }, 'message received');
    if (!text && (context.activity.attachments?.length ?? 0) > 0) {
      await context.sendActivity(T.notText);
      return;
    }
    const dc = await this.dialogs.createContext(context);
    // A menu button tapped mid-way (企业诉求, 我要反映问题) starts that instead; what was being filled in is not submitted.
    if (dc.activeDialog && menuEntry(text)) {
      await context.sendActivity(T.switched);
      await dc.cancelAllDialogs();
    }
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.dialog.id);
  }

  async run(context: TurnContext): Promise<void> {
    context.onSendActivities(async (_ctx, activities, next) => {
      for (const a of activities) if (a.type === 'message' && a.text) a.text = markdownLineBreaks(a.text);
      return next();
    });
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
  }
}

/** Chat clients render bot text as markdown, where a single newline is no line break; two trailing spaces make one. */
export function markdownLineBreaks(text: string): string {
  return text.replace(/ *\n/g, '  \n');
}
