import * as crypto from 'node:crypto';
import express, { type Router } from 'express';
import type { Activity } from 'botbuilder';
import type { Transcripts } from './transcripts';

/** The secret path segment of the connector endpoint: only the bot, which is given the serviceUrl, knows it. */
export function connectorKey(secret: string): string {
  return crypto.createHmac('sha256', secret).update('connector').digest('base64url').slice(0, 32);
}

export function connectorPath(secret: string): string {
  return `/connector/${connectorKey(secret)}`;
}

/**
 * The Bot Framework connector side of the built-in Direct Line: the bot posts its replies here (the serviceUrl of
 * its conversations), and they are appended to the conversation's transcript that Web Chat polls.
 */
export function connectorRoutes(secret: string, transcripts: Transcripts): Router {
  const router = express.Router();
  const base = connectorPath(secret);
  router.use(base, express.json({ limit: '1mb' }));
  const post = async (req: express.Request, res: express.Response) => {
    const conversationId = String(req.params.conversationId);
    const activity = req.body as Partial<Activity>;
    if (!activity || typeof activity.type !== 'string') return void res.status(400).json({ error: { code: 'BadArgument', message: 'activity.type is required' } });
    if (!(await transcripts.exists(conversationId))) return void res.status(404).json({ error: { code: 'ConversationNotFound', message: 'unknown conversation' } });
    const id = await transcripts.append(conversationId, activity);
    res.status(200).json({ id });
  };
  router.post(`${base}/v3/conversations/:conversationId/activities`, post);
  router.post(`${base}/v3/conversations/:conversationId/activities/:replyToId`, post);
  return router;
}
