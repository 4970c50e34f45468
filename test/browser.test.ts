import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Services } from '../bot/services';
import { startWebServer, type WebServer } from '../bot/web-server';
import { startWorkers, type RunningWorkers } from '../workers/start-workers';
import { openTestServices, waitFor } from './helpers/harness';
import { hashPassword } from '../data/accounts/passwords';
import { submitTicket } from '../workers/intake/submit-ticket';
import { performAction } from '../workers/tickets/actions';
import { RedisTicketFeed } from '../workers/tickets/feed';

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
  let filed = '';

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
    filed = id;
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

  it('lets an agent sign for and answer the ticket in the console; the answer appears in the citizen\'s chat; new tickets appear without a reload', async () => {
    expect(filed).not.toBe('');
    // The unit the ticket went to (the dispatch centre sends it to urban management if the classifier was unsure).
    let ticket = (await s.store.getTicket(filed))!;
    const unit = ticket.routing?.department ?? 'urban-management';
    if (!ticket.routing?.department) {
      await performAction(filed, { kind: 'dispatch', lead: unit }, { id: 'disp', role: 'dispatcher' }, { store: s.store, queues: s.queues, catalogue: s.catalogue, limits: s.limits, calendar: s.calendar });
    }
    const at = new Date().toISOString();
    await s.store.createAccount({ id: crypto.randomUUID(), username: 'browser-agent', displayName: '赵六', role: 'agent', department: unit, passwordHash: await hashPassword('Agent-pass-2026'), disabled: false, createdAt: at, updatedAt: at });

    const agent = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    agent.on('pageerror', (e) => errors.push(e.message));
    await agent.goto(web.url + '/console/');
    await agent.locator('#login-username').fill('browser-agent');
    await agent.locator('#login-password').fill('Agent-pass-2026');
    await agent.locator('#login-submit').click();
    await agent.locator('#who-name').getByText('赵六').waitFor({ timeout: 10_000 });
    const row = agent.locator(`#ticket-rows tr[data-id="${filed}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.innerText()).toContain('待签收');
    await row.click();
    await agent.locator('#ticket-words').getByText('楼下烧烤店油烟太大').waitFor();
    expect(await agent.locator('#detail-pane').innerText()).toContain('138****5678');

    await agent.locator('form[data-action="acknowledge"] button[type="submit"]').click();
    await agent.locator('form[data-action="reply"] textarea').waitFor({ timeout: 10_000 });
    await agent.locator('form[data-action="reply"] textarea').fill('已责令该烧烤店加装油烟净化设备并调整营业时间，感谢您的监督。');
    await agent.locator('form[data-action="reply"] button[type="submit"]').click();
    await agent.locator('#notice').getByText(`工单 ${filed}：回复成功。`).waitFor({ timeout: 10_000 });
    ticket = (await s.store.getTicket(filed))!;
    expect(ticket.state).toBe('replied');

    // The citizen's chat shows the answer and the request to rate it, in the same conversation.
    await transcriptHas('【工单答复】', 20_000);
    await transcriptHas('已责令该烧烤店加装油烟净化设备');
    await transcriptHas('请您对办理结果进行评价');

    // A new ticket for the unit appears in the open console without reloading.
    const second = await submitTicket(
      { intakeKey: crypto.randomUUID(), description: '夜市摊位占了整条人行道', location: '人民路', phone: '13900001111', type: '投诉', proposedType: '投诉', urgent: false, enterprise: false, channel: ticket.channel },
      { store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar },
      s.secret,
    );
    await waitFor(async () => (await s.store.getTicket(second.ticket.id))?.state === 'dispatched', 10_000, 'routing');
    const routed = (await s.store.getTicket(second.ticket.id))!;
    if (routed.routing?.department !== unit) {
      await performAction(routed.id, { kind: 'dispatch', lead: unit }, { id: 'disp', role: 'dispatcher' }, { store: s.store, queues: s.queues, catalogue: s.catalogue, limits: s.limits, calendar: s.calendar, feed: new RedisTicketFeed(s.redis, s.config.queuePrefix) });
    }
    await agent.locator(`#ticket-rows tr[data-id="${second.ticket.id}"]`).waitFor({ timeout: 15_000 });
    await agent.screenshot({ path: path.join(os.tmpdir(), 'hotline-console.png') });
    expect(errors).toEqual([]);
    await agent.close();
  }, 90_000);

  it('shows a supervisor the measures with charts drawn by the product\'s own Chart.js, each with its table', async () => {
    const at = new Date().toISOString();
    await s.store.createAccount({ id: crypto.randomUUID(), username: 'browser-sup', displayName: '钱督办', role: 'supervisor', passwordHash: await hashPassword('Super-pass-2026'), disabled: false, createdAt: at, updatedAt: at });
    const sup = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const outside: string[] = [];
    sup.on('pageerror', (e) => errors.push(e.message));
    sup.on('request', (r) => void (new URL(r.url()).host !== new URL(web.url).host && outside.push(r.url())));
    await sup.goto(web.url + '/console/');
    await sup.locator('#login-username').fill('browser-sup');
    await sup.locator('#login-password').fill('Super-pass-2026');
    await sup.locator('#login-submit').click();
    await sup.locator('#who-name').getByText('钱督办').waitFor({ timeout: 10_000 });
    await sup.locator('nav#tabs button[data-tab="measures"]').click();
    await sup.locator('#measures-view').waitFor({ timeout: 15_000 });
    await sup.locator('#measures-table tbody tr').first().waitFor({ timeout: 10_000 });
    // Chart.js drew on the canvases (a drawn canvas has a rendering size), and every chart has a data table.
    await sup.waitForFunction(() => Array.from(document.querySelectorAll("#measures-view canvas")).every((c) => (c as HTMLCanvasElement).width > 0) && (window as unknown as { Chart?: unknown }).Chart !== undefined, undefined, { timeout: 10_000 });
    const charts = await sup.locator('#measures-view canvas').count();
    expect(charts).toBeGreaterThanOrEqual(8);
    expect(await sup.locator('#measures-view .card details table').count()).toBe(charts);
    expect(await sup.locator('#measures-view').innerText()).toContain('在签收时限内签收的工单');
    await sup.screenshot({ path: path.join(os.tmpdir(), 'hotline-measures.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
    await sup.close();
  }, 60_000);

  it('shows markup typed by a citizen or an agent as text, in Web Chat and in the console; no script runs', async () => {
    const chat = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1000, height: 900 } });
    const say = async (text: string) => {
      const box = chat.locator('[data-id="webchat-sendbox-input"]');
      await box.fill(text);
      await box.press('Enter');
    };
    const has = (t: string, timeout = 15_000) => chat.waitForFunction((x) => (document.querySelector('#webchat') as HTMLElement | null)?.innerText.includes(x), t, { timeout });
    await chat.goto(web.url + '/');
    await has('这里是12345政务服务便民热线');
    const evil = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>小区门口垃圾堆了三天没人收';
    await say(evil);
    await has('具体地点在哪里');
    await say('<b onmouseover="window.__xss=4">幸福路</b>88号');
    await has('请留下您的手机号码');
    await say('匿名');
    await has('这件事属于');
    await say('是');
    await has('请核对您要提交的内容');
    await say('确认提交');
    await has('工单号：');
    const id = /工单号：(\d{10})/.exec(await chat.locator('#webchat').innerText())![1];
    // The words are there as text; nothing they contain ran, and no element came from them.
    expect(await chat.locator('#webchat').innerText()).toContain('onerror');
    expect(await chat.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await chat.locator('#webchat img[src="x"], #webchat script:not([src])').count()).toBe(0);

    await waitFor(async () => (await s.store.getTicket(id))?.state === 'dispatched', 10_000, 'routing');
    let t = (await s.store.getTicket(id))!;
    if (t.routing?.department !== 'urban-management') {
      await performAction(id, { kind: 'dispatch', lead: 'urban-management' }, { id: 'disp', role: 'dispatcher' }, { store: s.store, queues: s.queues, catalogue: s.catalogue, limits: s.limits, calendar: s.calendar });
    }
    const at = new Date().toISOString();
    await s.store.createAccount({ id: crypto.randomUUID(), username: 'xss-agent', displayName: '孙七', role: 'agent', department: 'urban-management', passwordHash: await hashPassword('Agent-pass-2026'), disabled: false, createdAt: at, updatedAt: at });
    const agent = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    await agent.goto(web.url + '/console/');
    await agent.locator('#login-username').fill('xss-agent');
    await agent.locator('#login-password').fill('Agent-pass-2026');
    await agent.locator('#login-submit').click();
    await agent.locator(`#ticket-rows tr[data-id="${id}"]`).click({ timeout: 15_000 });
    await agent.locator('#ticket-words').waitFor();
    expect(await agent.locator('#ticket-words').innerText()).toContain('<script>window.__xss=2</script>');
    await agent.locator('form[data-action="acknowledge"] button[type="submit"]').click();
    await agent.locator('#notice').getByText(`工单 ${id}：签收成功。`).waitFor({ timeout: 10_000 });
    await agent.locator('form[data-action="reply"] textarea').waitFor({ timeout: 10_000 });
    await agent.locator('form[data-action="reply"] textarea').fill('已清运。<img src=x onerror="window.__xss=3">');
    // Someone else changes the ticket while the agent types: the live update re-renders it, and the typing stays.
    await performAction(id, { kind: 'supervise', note: '请尽快处理' }, { id: 'sup', role: 'supervisor' }, { store: s.store, queues: s.queues, catalogue: s.catalogue, limits: s.limits, calendar: s.calendar, feed: new RedisTicketFeed(s.redisFast, s.config.queuePrefix) });
    await agent.locator('#detail-pane .history').getByText('请尽快处理').waitFor({ timeout: 10_000 });
    expect(await agent.locator('form[data-action="reply"] textarea').inputValue()).toBe('已清运。<img src=x onerror="window.__xss=3">');
    await agent.locator('form[data-action="reply"] button[type="submit"]').click();
    await agent.locator('#notice').getByText(`工单 ${id}：回复成功。`).waitFor({ timeout: 10_000 });
    expect(await agent.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await agent.locator('#detail-pane img[src="x"], #ticket-words script').count()).toBe(0);
    // The answer reaches the chat as text too.
    await has('已清运。', 20_000);
    expect(await chat.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await chat.locator('#webchat img[src="x"]').count()).toBe(0);
    t = (await s.store.getTicket(id))!;
    expect(t.replies![0].text).toContain('<img');
    await agent.close();
    await chat.close();
  }, 120_000);
});
