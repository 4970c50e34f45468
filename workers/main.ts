import { runProcess } from '../bot/process';
import { startWorkers } from './start-workers';
import { startOpsServer } from '../bot/ops/server';

// The queue workers alone. Run any number against one Redis and MongoDB.
// Everything a worker process writes is re-derivable (routing is reconciled, escalations re-fired by key): its commits
// need not be fsync'd one by one (SQLITE_SYNCHRONOUS overrides).
void runProcess('hotline-workers', async (s) => {
  const workers = await startWorkers(s);
  const ops = await startOpsServer(s);
  s.log.info('workers running');
  // Also on stdout whatever the log level, for whoever waits for the process to be ready.
  console.log(`12345 workers running (${s.store.kind}; redis ${s.redisEndpoint.url})`);
  return [ops, workers];
}, { defaults: { sqliteSynchronous: 'NORMAL' } });
