import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');

/** A node process of the product (a dist/ entry file) with its output kept, started and awaited for a line. */
export class Child {
  output = '';
  private proc?: ChildProcess;

  constructor(private readonly script: string, private readonly env: Record<string, string>, private readonly nodeArgs: string[] = []) {}

  async start(ready: RegExp, timeoutMs = 120_000): Promise<RegExpExecArray> {
    this.proc = spawn(process.execPath, [...this.nodeArgs, path.join(ROOT, this.script)], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DOTENV_CONFIG_QUIET: 'true', LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout!.on('data', (d) => (this.output += d));
    this.proc.stderr!.on('data', (d) => (this.output += d));
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const m = ready.exec(this.output);
      if (m) return m;
      if (this.proc.exitCode !== null) throw new Error(`${this.script} exited:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.script} did not start:\n${this.output}`);
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
      p.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      p.kill(signal);
    });
  }
}

/** Resident memory of a process in MB (Linux /proc), or NaN. */
export function rssOf(pid: number | undefined): number {
  try {
    const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string;
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  } catch {
    return NaN;
  }
}
