import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Services } from '../bot/services';
import { startWebServer, type WebServer } from '../bot/web-server';
import { startWorkers, type RunningWorkers } from '../workers/start-workers';
import { openTestServices, waitFor } from './helpers/harness';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
// On CI the browser is installed by .ci/run, so a missing one is a failure there, not a skip.
const run = haveChromium || process.env.CI ? describe : describe.skip;
if (!haveChromium && !process.env.CI) console.warn(`[browser] skipped: ${CHROMIUM} not found (apt-get install chromium fonts-wqy-microhei).`);

run(haveChromium || process.env.CI ? 'chat page in a real browser' : `chat page in a real browser (skipped: ${CHROMIUM} not found)`, () => {
  let s: Services;
  let web: WebServer;
  let workers: RunningWorkers;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    s = await openTestServices('browser');
    workers = await startWorkers(s);
    web = await startWebServer(s, { port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1000, height: 900 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await workers?.close();
    await s?.close();
  });

  const transcriptHas = (text: string, timeout = 15_000) =>
    page.waitForFunction((t) => (document.querySelector('#webchat') as HTMLElement | null)?.innerText.includes(t), text, { timeout });

  async function send(text: string): Promise<void> {
    const box = page.locator('[data-id="webchat-sendbox-input"]');
    await box.fill(text);
    await box.press('Enter');
  }

  it('files a complaint and shows the ticket number and where it went', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

    await page.goto(web.url + '/');
    await transcriptHas('这里是12345政务服务便民热线');
    await send('楼下烧烤店油烟太大，晚上十点还在烤');
    await transcriptHas('具体地点在哪里');
    await send('幸福路88号');
    await transcriptHas('请留下您的手机号码');
    await send('13812345678');
    await transcriptHas('这件事属于');
    await send('是');
    await transcriptHas('请核对您要提交的内容');
    // The confirm prompt offers buttons (suggested actions); click one as a person would.
    await page.getByRole('toolbar', { name: '建议的操作' }).getByRole('button', { name: '确认提交' }).click();
    await transcriptHas('工单号：');

    const text = await page.locator('#webchat').innerText();
    const id = /工单号：(\d{10})/.exec(text)![1];
    expect(text).toContain('138****5678');
    const stored = await s.store.getTicket(id);
    expect(stored?.location).toBe('幸福路88号');

    // The routed message follows in the same conversation.
    await transcriptHas('【工单进展】');
    await waitFor(async () => (await s.store.getTicket(id))?.state === 'dispatched', 10_000, 'routing');

    await page.screenshot({ path: path.join(os.tmpdir(), 'hotline-chat.png') });
    expect(errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  }, 90_000);

  it('resumes the same conversation after a reload', async () => {
    const before = await page.locator('#webchat').innerText();
    expect(before).toContain('工单号：');
    await page.reload();
    await transcriptHas('工单号：');
  }, 60_000);
});
