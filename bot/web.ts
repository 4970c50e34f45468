import { runProcess } from './process';
import { startWebServer } from './web-server';

// The web part alone: bot endpoint, Direct Line, chat page and notifier. Run any number against one Redis and MongoDB.
void runProcess('hotline-web', async (s) => {
  const web = await startWebServer(s);
  s.log.info({ url: web.url }, 'web process listening');
  return [web];
});
