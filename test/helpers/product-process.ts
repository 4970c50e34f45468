import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** The product started as `npm start` runs it (node dist/bot/main.js), with its output collected. */
export class ProductProcess {
  private child?: ChildProcess;
  output = '';
  url = '';

  constructor(private readonly env: Record<string, string>) {}

  /** Starts the process and waits until it prints the chat page address. */
  async start(timeoutMs = 60_000): Promise<this> {
    this.output = '';
    this.child = spawn(process.execPath, [path.join(ROOT, 'dist', 'bot', 'main.js')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DOTENV_CONFIG_QUIET: 'true', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const m = /chat page:\s+(http:\/\/\S+?)\/?\s*$/m.exec(this.output);
      if (m) {
        this.url = m[1];
        return this;
      }
      if (this.child.exitCode !== null) throw new Error('product exited early:\n' + this.output);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('product did not start in time:\n' + this.output);
  }

  /** Waits for the process to exit by itself and returns its exit code. */
  async exited(timeoutMs = 60_000): Promise<number | null> {
    const child = this.child!;
    if (child.exitCode !== null) return child.exitCode;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('process did not exit:\n' + this.output)), timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  /** Starts the process without waiting for it to be ready (for start-up failures). */
  launch(): this {
    void this.start(60_000).catch(() => undefined);
    return this;
  }

  /** kill -9: no shutdown code runs. */
  kill9(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** SIGTERM: the product shuts down in order. */
  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(sig);
    });
  }
}
