import { runProcess } from '../bot/process';
import { startWorkers } from './start-workers';

// The queue workers alone. Run any number against one Redis and MongoDB.
void runProcess('hotline-workers', async (s) => {
  const workers = await startWorkers(s);
  s.log.info('workers running');
  return [workers];
});
