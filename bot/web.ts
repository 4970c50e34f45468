import { runProcess } from './process';
import { startWebServer } from './web-server';

// The web part alone: bot endpoint, Direct Line, chat page and notifier. Run any number against one Redis and MongoDB.
void runProcess('hotline-web', async (s) => {
  const web = await startWebServer(s);
  s.log.info({ url: web.url }, 'web process listening');
  // Also on stdout whatever the log level, for whoever waits for the process to be ready.
  console.log(`12345 web process on ${web.url} (${s.store.kind}; redis ${s.redisEndpoint.url})`);
  return [web];
});
