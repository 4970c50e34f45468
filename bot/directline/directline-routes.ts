import * as crypto from 'node:crypto';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../json-depth';
import express, { type Request, type Response, type Router } from 'express';
import type { Activity } from 'botbuilder';
import { z } from 'zod';
import type { Logger } from '../logger';
import { TOKEN_LIFETIME_SECONDS, newToken, verifyToken, type DirectLineToken } from './tokens';
import type { Transcripts } from './transcripts';

export const BOT_ACCOUNT = { id: 'hotline-12345', name: '12345热线', role: 'bot' };
export const DIRECTLINE_CHANNEL = 'directline';

export interface DirectLineOptions {
  secret: string;
  transcripts: Transcripts;
  log: Logger;
  /** Where the bot posts its replies: this process's connector endpoint (see connector-routes.ts). */
  serviceUrl: () => string;
  /** Runs one bot turn for an activity, in process. */
  deliver: (activity: Partial<Activity>) => Promise<void>;
}

/** The largest message text accepted from a chat client; the dialogs answer longer descriptions politely. */
const MAX_TEXT = 50_000;

const postedActivity = z.object({
  type: z.literal('message'),
  text: z.string().max(MAX_TEXT).optional(),
  textFormat: z.string().optional(),
  locale: z.string().max(20).optional(),
  channelData: z.record(z.string(), z.unknown()).optional(),
  attachments: z.array(z.object({ contentType: z.string() }).passthrough()).max(10).optional(),
  value: z.unknown().optional(),
});

function bearer(req: Request): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/**
 * A Direct Line 3.0–compatible endpoint (token, conversations, activities with polling) that the chat page's
 * Web Chat talks to, so no cloud service is needed. Activities go to the bot in process; the bot's replies come
 * back through the connector endpoint into the same transcript.
 */
export function directLineRoutes(o: DirectLineOptions): Router {
  const router = express.Router();
  // Parsed on Direct Line's own paths only: a router-wide parser would parse every body of the app first, with this
  // limit, and the other routes' tighter limits would never apply.
  router.use(['/v3/directline', '/api/chat'], express.json({ limit: '256kb' }));

  const auth = (req: Request, res: Response, conversationId?: string): DirectLineToken | null => {
    const claims = verifyToken(bearer(req), o.secret);
    if (!claims) {
      fail(res, 403, 'TokenInvalid', '会话令牌无效或已过期，请刷新页面。');
      return null;
    }
    if (conversationId !== undefined && claims.conversationId !== conversationId) {
      fail(res, 403, 'TokenInvalid', '会话令牌与会话不符。');
      return null;
    }
    return claims;
  };

  const conversationInfo = (claims: DirectLineToken, token?: string) => ({
    conversationId: claims.conversationId,
    token: token ?? newToken(o.secret, claims.conversationId, claims.userId).token,
    expires_in: TOKEN_LIFETIME_SECONDS,
  });

  // The chat page's own token endpoint: a new conversation for a new visitor.
  router.post('/api/chat/token', (_req, res) => {
    const { token, claims } = newToken(o.secret);
    res.json({ token, conversationId: claims.conversationId, userId: claims.userId, expires_in: TOKEN_LIFETIME_SECONDS });
  });

  router.post('/v3/directline/tokens/refresh', (req, res) => {
    const claims = auth(req, res);
    if (claims) res.json(conversationInfo(claims));
  });

  router.post('/v3/directline/conversations', async (req, res) => {
    const claims = auth(req, res);
    if (!claims) return;
    if (await o.transcripts.start(claims.conversationId)) {
      // As Direct Line does, the bot learns of the new conversation and its members.
      await o.deliver({
        type: 'conversationUpdate',
        id: crypto.randomUUID(),
        channelId: DIRECTLINE_CHANNEL,
        serviceUrl: o.serviceUrl(),
        conversation: { id: claims.conversationId } as Activity['conversation'],
        from: { id: claims.userId, role: 'user' } as Activity['from'],
        recipient: BOT_ACCOUNT as Activity['recipient'],
        membersAdded: [BOT_ACCOUNT, { id: claims.userId }] as Activity['membersAdded'],
        timestamp: new Date(),
      });
    }
    res.status(201).json(conversationInfo(claims, bearer(req)));
  });

  router.get('/v3/directline/conversations/:id', (req, res) => {
    const claims = auth(req, res, req.params.id);
    if (claims) res.json(conversationInfo(claims, bearer(req)));
  });

  router.get('/v3/directline/conversations/:id/activities', async (req, res) => {
    const claims = auth(req, res, req.params.id);
    if (!claims) return;
    const watermark = Number.parseInt(String(req.query.watermark ?? '0'), 10);
    const from = Number.isFinite(watermark) && watermark >= 0 ? watermark : 0;
    const page = await o.transcripts.since(claims.conversationId, from);
    res.json({ activities: page.activities, watermark: String(page.watermark) });
  });

  router.post('/v3/directline/conversations/:id/activities', async (req, res) => {
    const claims = auth(req, res, req.params.id);
    if (!claims) return;
    const parsed = nestedDeeperThan(req.body, MAX_JSON_DEPTH) ? null : postedActivity.safeParse(req.body);
    if (!parsed?.success) return fail(res, 400, 'BadArgument', '消息格式不正确。');
    if (!(await o.transcripts.exists(claims.conversationId))) return fail(res, 404, 'BadArgument', '会话不存在或已过期，请刷新页面。');
    // The sender is who the token says, whatever the client wrote.
    const activity: Partial<Activity> = {
      ...parsed.data,
      channelId: DIRECTLINE_CHANNEL,
      serviceUrl: o.serviceUrl(),
      from: { id: claims.userId, role: 'user' } as Activity['from'],
      recipient: BOT_ACCOUNT as Activity['recipient'],
    };
    const id = await o.transcripts.append(claims.conversationId, activity);
    try {
      await o.deliver({ ...activity, id, conversation: { id: claims.conversationId } as Activity['conversation'], timestamp: new Date() });
    } catch (err) {
      o.log.error({ err, conversation: claims.conversationId }, 'bot turn failed');
      return fail(res, 502, 'BotError', '服务暂时不可用，请稍后再试。');
    }
    res.json({ id });
  });

  router.post('/v3/directline/conversations/:id/upload', (req, res) => {
    if (auth(req, res, req.params.id)) fail(res, 415, 'NotSupported', '目前只能处理文字消息。');
  });

  return router;
}
