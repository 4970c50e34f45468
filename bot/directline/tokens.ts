import * as crypto from 'node:crypto';

/** A Direct Line token of the built-in endpoint: which conversation and which user it admits, until when. */
export interface DirectLineToken {
  conversationId: string;
  userId: string;
  /** Expiry, in seconds since the epoch. */
  exp: number;
}

export const TOKEN_LIFETIME_SECONDS = 3600;

function mac(body: string, secret: string): string {
  return crypto.createHmac('sha256', secret).update('dl-token:' + body).digest('base64url');
}

export function signToken(t: DirectLineToken, secret: string): string {
  const body = Buffer.from(JSON.stringify(t)).toString('base64url');
  return body + '.' + mac(body, secret);
}

/** The token's content when its signature is good and it has not expired, else null. */
export function verifyToken(token: string | undefined, secret: string, nowSeconds = Date.now() / 1000): DirectLineToken | null {
  if (!token) return null;
  const [body, sig] = token.split('.');
  if (!body || !sig) return null;
  const expected = Buffer.from(mac(body, secret));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return null;
  try {
    const t = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as DirectLineToken;
    if (typeof t.conversationId !== 'string' || typeof t.userId !== 'string' || typeof t.exp !== 'number') return null;
    return t.exp > nowSeconds ? t : null;
  } catch {
    return null;
  }
}

export function newToken(secret: string, conversationId = randomId(), userId = 'dl_' + randomId()): { token: string; claims: DirectLineToken } {
  const claims = { conversationId, userId, exp: Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_SECONDS };
  return { token: signToken(claims, secret), claims };
}

export function randomId(): string {
  return crypto.randomBytes(16).toString('base64url');
}
