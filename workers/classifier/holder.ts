import * as fs from 'node:fs';
import type IORedis from 'ioredis';
import type { Logger } from '../../bot/logger';
import { readModel } from './load';
import type { Classifier, DepartmentClassifier, Prediction } from './model';

/** The Redis channel on which a deployment of a new model is announced to every process of the deployment. */
export function deployChannel(prefix: string): string {
  return `${prefix}:classifier:deployed`;
}

/**
 * The classifier a process uses, replaced in place when retraining deploys a new model: predictions never stop,
 * and each one is made by one whole model. Follows the model file through a Redis announcement and, as a
 * fallback (a model written by `npm run train`), by looking at the file's modification time now and then.
 */
export class ClassifierHolder implements DepartmentClassifier {
  private mtimeMs = 0;

  constructor(
    readonly file: string,
    private current: Classifier,
  ) {
    this.mtimeMs = this.statMtime();
  }

  get classifier(): Classifier {
    return this.current;
  }

  get version(): string {
    return this.current.version;
  }

  get recommendedThreshold(): number {
    return this.current.recommendedThreshold;
  }

  predict(text: string): Prediction {
    return this.current.predict(text);
  }

  explain(text: string, n?: number) {
    return this.current.explain(text, n);
  }

  /** Takes the model file's model when it holds another version. Returns true when the model changed. */
  reload(): boolean {
    const mtime = this.statMtime();
    if (mtime === this.mtimeMs) return false;
    this.mtimeMs = mtime;
    const next = readModel(this.file);
    if (!next || next.version === this.current.version) return false;
    this.current = next;
    return true;
  }

  /** Follows deployments until the returned function is called. */
  follow(subscriber: IORedis, prefix: string, log: Logger, pollMs = 30_000): () => Promise<void> {
    const check = (why: string) => {
      try {
        if (this.reload()) log.info({ version: this.version, why }, 'classifier model replaced');
      } catch (err) {
        log.warn({ err }, 'classifier model reload failed; keeping the current one');
      }
    };
    const channel = deployChannel(prefix);
    subscriber.on('message', (ch: string) => ch === channel && check('announced'));
    void subscriber.subscribe(channel).catch((err) => log.warn({ err }, 'cannot subscribe to model deployments'));
    const timer = setInterval(() => check('file changed'), pollMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      subscriber.disconnect();
    };
  }

  private statMtime(): number {
    try {
      return fs.statSync(this.file).mtimeMs;
    } catch {
      return 0;
    }
  }
}
