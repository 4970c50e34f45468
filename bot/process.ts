import { ConfigError, loadConfig, type Config } from './config';
import { createLogger, type Logger } from './logger';
import { RedisUnavailableError } from './redis';
import { openServices, type Services } from './services';

/**
 * Runs a process of the product: opens the services, starts its parts, and closes them in order on SIGINT/SIGTERM.
 * Configuration and Redis problems end the process with their message, not a stack trace.
 */
/** A running part of a process: stops taking new work at once, then closes when what it holds is done. */
export interface ProcessPart {
  stopAccepting?(): void;
  close(): Promise<void>;
}

export async function runProcess(name: string, start: (s: Services) => Promise<ProcessPart[]>, options: { defaults?: Partial<Config> } = {}): Promise<void> {
  let config: Config;
  let log: Logger;
  try {
    const loaded = loadConfig();
    // Settings the process kind decides unless the environment says otherwise (e.g. a worker process's durability).
    config = { ...loaded, ...Object.fromEntries(Object.entries(options.defaults ?? {}).filter(([k]) => loaded[k as keyof Config] === undefined)) };
    log = createLogger(config.logLevel, name);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(2);
  }
  let services: Services;
  try {
    services = await openServices(config, log);
  } catch (err) {
    if (err instanceof RedisUnavailableError) {
      console.error('\n' + err.message + '\n');
      process.exit(3);
    }
    throw err;
  }
  const parts = await start(services);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down');
    // Past the limit the process exits anyway: jobs it still held are taken up by another worker once their lock
    // expires (BullMQ stalled-job check), and confirmations are idempotent, so nothing is lost, only delayed.
    setTimeout(() => {
      log.error('shutdown took longer than SHUTDOWN_TIMEOUT_SECONDS; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    // First no new work (readiness goes to 503), then finish what is in flight, part by part, last started first.
    for (const p of parts) p.stopAccepting?.();
    for (const p of [...parts].reverse()) await p.close().catch((err) => log.error({ err }, 'close failed'));
    await services.close();
    log.info('shut down');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
