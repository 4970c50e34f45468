import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  type TurnContext,
} from 'botbuilder';
import { T } from '../dialogs/texts';
import type { Config } from './config';
import type { Logger } from './logger';

export interface Adapters {
  /** Serves /api/messages: verifies Bot Framework tokens when an app id is configured, accepts local traffic otherwise. */
  channel: CloudAdapter;
  /** Serves the built-in Direct Line in process, which is trusted and needs no token. */
  local: CloudAdapter;
}

function cloudAdapter(credentials: ConstructorParameters<typeof ConfigurationServiceClientCredentialFactory>[0], log: Logger): CloudAdapter {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}, new ConfigurationServiceClientCredentialFactory(credentials)));
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    log.error({ err: error, conversation: context.activity.conversation?.id, channel: context.activity.channelId }, 'turn failed');
    try {
      await context.sendActivity(T.turnError);
    } catch (sendError) {
      log.warn({ err: sendError }, 'could not tell the citizen about the failed turn');
    }
  };
  return adapter;
}

export function createAdapters(bot: Config['bot'], log: Logger): Adapters {
  const local = cloudAdapter({}, log);
  if (!bot.appId) return { channel: local, local };
  const channel = cloudAdapter(
    { MicrosoftAppId: bot.appId, MicrosoftAppPassword: bot.appPassword, MicrosoftAppType: bot.appType, MicrosoftAppTenantId: bot.tenantId },
    log,
  );
  return { channel, local };
}
