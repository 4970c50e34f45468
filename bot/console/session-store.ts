import session from 'express-session';
import type IORedis from 'ioredis';

/**
 * express-session's store on the product's Redis (ioredis), so sessions survive a restart of the web process and
 * are shared by several web processes. A session's key expires with its cookie: an idle session is gone.
 */
export class RedisSessionStore extends session.Store {
  constructor(private readonly redis: IORedis, private readonly prefix: string, private readonly ttlMs: number) {
    super();
  }

  private key(sid: string): string {
    return `${this.prefix}:sess:${sid}`;
  }

  private ttlOf(sess: session.SessionData): number {
    const expires = sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() - Date.now() : this.ttlMs;
    return Math.max(1000, Math.round(expires));
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    this.redis.get(this.key(sid)).then(
      (raw) => cb(null, raw ? JSON.parse(raw) : null),
      (err) => cb(err),
    );
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    this.redis.set(this.key(sid), JSON.stringify(sess), 'PX', this.ttlOf(sess)).then(
      () => cb?.(),
      (err) => cb?.(err),
    );
  }

  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    this.redis.pexpire(this.key(sid), this.ttlOf(sess)).then(
      () => cb?.(),
      (err) => cb?.(err),
    );
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.redis.del(this.key(sid)).then(
      () => cb?.(),
      (err) => cb?.(err),
    );
  }
}
