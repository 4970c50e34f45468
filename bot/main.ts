import { runProcess } from './process';
import { startWebServer } from './web-server';
import { startWorkers } from '../workers/start-workers';
import type { BootstrapResult } from './console/bootstrap';

function consoleLogins(a: BootstrapResult): string[] {
  if (!a.demoFile) return [`  管理员 administrator:       ${a.adminUsername} (password from CONSOLE_ADMIN_PASSWORD)`];
  return [
    `  演示账号 demo logins:       ${a.adminUsername} / dispatcher / supervisor / agent-<单位代码, e.g. agent-urban-management>`,
    a.demoPassword ? `  演示密码 demo password:     ${a.demoPassword}   (kept in ${a.demoFile})` : `  演示密码 demo password:     see ${a.demoFile}`,
  ];
}

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
      `  工单控制台 agent console:   ${web.url}/console/   (API: ${web.url}/api/console/openapi.json)`,
      ...consoleLogins(web.accounts),
      `  store: ${s.store.kind === 'sqlite' ? 'embedded SQLite in ' + s.config.dataDir : 'MongoDB'}; redis: ${s.redisEndpoint.url}`,
      '',
    ].join('\n'),
  );
  return [workers, web];
});
