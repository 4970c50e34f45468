import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

export interface CapturedActivity {
  type: string;
  text?: string;
  conversation?: { id: string };
  replyToId?: string;
}

/**
 * A small channel service, as the Bot Framework Emulator runs one: the bot posts its replies to
 * {serviceUrl}/v3/conversations/{id}/activities[/{replyToId}], and they are kept here for the test to read.
 */
export class CaptureChannel {
  readonly activities: CapturedActivity[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    const app = express();
    app.use(express.json({ limit: '2mb' }));
    const take: express.RequestHandler = (req, res) => {
      this.activities.push({ ...req.body, conversation: { id: String(req.params.conversationId) } });
      res.json({ id: 'captured-' + this.activities.length });
    };
    app.post('/v3/conversations/:conversationId/activities', take);
    app.post('/v3/conversations/:conversationId/activities/:replyToId', take);
    await new Promise<void>((resolve) => (this.server = app.listen(0, '127.0.0.1', () => resolve())));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  /** Texts of the messages sent to a conversation, in order. */
  texts(conversationId: string): string[] {
    return this.activities.filter((a) => a.conversation?.id === conversationId && a.type === 'message').map((a) => a.text ?? '');
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
