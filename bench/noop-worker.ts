import { Worker } from 'bullmq';
import IORedis from 'ioredis';

/** The intake benchmark's baseline: a BullMQ worker that does nothing with its jobs, in its own process. */
const connection = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
const worker = new Worker('bench-noop', async () => undefined, { connection, prefix: process.env.QUEUE_PREFIX ?? 'bench', concurrency: 64 });
void worker.waitUntilReady().then(() => console.log('noop worker ready'));
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
