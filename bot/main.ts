import { runProcess } from './process';
import { startWebServer } from './web-server';
import { startWorkers } from '../workers/start-workers';

// `npm start`: the whole product in one process on its embedded defaults.
void runProcess('hotline', async (s) => {
  const workers = await startWorkers(s);
  const web = await startWebServer(s);
  console.log(
    [
      '',
      '12345 热线已启动 / the hotline is running',
      `  聊天页面 chat page:        ${web.url}/`,
      `  Bot Framework endpoint:    ${web.url}/api/messages`,
      `  store: ${s.store.kind === 'sqlite' ? 'embedded SQLite in ' + s.config.dataDir : 'MongoDB'}; redis: ${s.redisEndpoint.url}`,
      '',
    ].join('\n'),
  );
  return [workers, web];
});
