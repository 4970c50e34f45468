import * as crypto from 'node:crypto';
import { ConversationState, TestAdapter } from 'botbuilder';
import { HotlineBot } from '../bot/hotline-bot';
import { DialogTestClient } from 'botbuilder-testing';
import ExcelJS from 'exceljs';
import { createIntakePort } from '../bot/intake';
import { loadConfig } from '../bot/config';
import type { Services } from '../bot/services';
import { startWebServer, type WebServer } from '../bot/web-server';
import { hashPassword } from '../data/accounts/passwords';
import { isUscc } from '../data/validation/identifiers';
import { creditCodeProblem, parseCategory } from '../dialogs/enterprise-dialog';
import { MainDialog } from '../dialogs/main-dialog';
import { E, T } from '../dialogs/texts';
import { submitTicket } from '../workers/intake/submit-ticket';
import { startWorkers, type RunningWorkers } from '../workers/start-workers';
import { ConsoleClient } from './helpers/console-client';
import { openTestServices, waitFor } from './helpers/harness';

const PASSWORD = 'Test-pass-2026';
const CODE = '91350100M000100Y43';
const OTHER_CODE = '91110108MA01ABCD2X';
let s: Services;
let web: WebServer;
let workers: RunningWorkers;

const text = (a: unknown) => (a as { text?: string } | undefined)?.text ?? '';

function client(label: string) {
  const intake = createIntakePort({ store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar, classifier: s.classifier, secret: s.secret });
  return new DialogTestClient('ent-' + label, new MainDialog(intake), undefined, [], new ConversationState(s.store.botState));
}

async function as(username: string): Promise<ConsoleClient> {
  const c = new ConsoleClient(web.url);
  expect((await c.login(username, PASSWORD)).status).toBe(201);
  return c;
}

/** A valid code for a made-up enterprise: 17 characters and the check character computed as GB 32100 says. */
function validCode(body17: string): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...body17].reduce((a, c, i) => a + alphabet.indexOf(c) * w[i], 0);
  return body17 + alphabet[(31 - (sum % 31)) % 31];
}

beforeAll(async () => {
  s = await openTestServices('enterprise', { console: { ...loadConfig({}).console, demoAccounts: false, adminUsername: 'admin', adminPassword: PASSWORD } });
  workers = await startWorkers(s);
  web = await startWebServer(s, { port: 0, host: '127.0.0.1' });
  const at = new Date().toISOString();
  await s.store.createAccount({ id: crypto.randomUUID(), username: 'disp', displayName: '派单员', role: 'dispatcher', passwordHash: await hashPassword(PASSWORD), disabled: false, createdAt: at, updatedAt: at });
});
afterAll(async () => {
  await web.close();
  await workers.close();
  await s.close();
});

describe('the unified social credit code', () => {
  it('is checked with the GB 32100 check character, and a wrong code gets a message saying what is wrong', () => {
    expect(isUscc(CODE)).toBe(true);
    expect(creditCodeProblem(CODE)).toBeNull();
    expect(creditCodeProblem('9135 0100 M000 100Y 43')).toBeNull();
    expect(creditCodeProblem('91350100M000100Y4')).toBe(E.codeLength(17));
    expect(creditCodeProblem('91350100M000100Y44')).toBe(E.codeCheck);
    expect(creditCodeProblem('91350100M000100I43')).toBe(E.codeChars);
    expect(isUscc(validCode('91110108MA01ABCD2'))).toBe(true);
    expect(parseCategory('3')).toBe('融资信贷');
    expect(parseCategory('拖欠')).toBe('拖欠账款');
    expect(parseCategory('水电气暖报装')).toBe('水电气暖报装');
    expect(parseCategory('其他')).toBeNull();
  });
});

describe('enterprise appeals in the chat (企业诉求)', () => {
  it('takes an appeal from the enterprise menu entry: code, name, contact, category, matter; enterprise time limits; marked', async () => {
    const c = client('happy');
    expect(text(await c.sendActivity('企业诉求'))).toBe(E.intro);
    expect(text(c.getNextReply())).toBe(E.askCode);
    // The validator's message says what is wrong, and the prompt waits for the code again.
    expect(text(await c.sendActivity('91350100M000100Y4'))).toBe(E.codeLength(17));
    expect(c.getNextReply()).toBeUndefined();
    expect(text(await c.sendActivity('91350100M000100Y44'))).toBe(E.codeCheck);
    expect(text(await c.sendActivity(CODE))).toBe(E.askName);
    expect(text(await c.sendActivity('福州示例科技有限公司'))).toBe(E.askContact);
    expect(text(await c.sendActivity('林经理'))).toBe(E.askPhone);
    expect(text(await c.sendActivity('0591-1234'))).toBe(E.badPhone);
    expect(text(await c.sendActivity('13912345678'))).toMatch(/^请选择诉求类别：\n1\. 审批服务/);
    expect(text(await c.sendActivity('其他'))).toMatch(/^请从以下类别中选择一项/);
    expect(text(await c.sendActivity('融资'))).toBe(E.askDescription);
    expect(text(await c.sendActivity('我们申请的科技型中小企业信用贷款，银行审批了两个月还没放款，说要追加法人个人房产抵押，请帮忙协调'))).toBe(E.askLocation);
    const summary = text(await c.sendActivity('高新区创业路8号'));
    expect(summary).toMatch(/^请核对您要提交的企业诉求：\n企业：福州示例科技有限公司（91350100M000100Y43）\n联系人：林经理，139\*\*\*\*5678\n诉求类别：融资信贷\n类型：/);
    expect(text(c.getNextReply())).toBe(E.confirm);
    const receipt = text(await c.sendActivity('确认提交'));
    expect(receipt).toMatch(/工单号：\d{10}/);
    expect(receipt).toMatch(/企业诉求办结期限：/);
    const id = /工单号：(\d{10})/.exec(receipt)![1];
    const ticket = (await s.store.getTicket(id))!;
    expect(ticket).toMatchObject({ enterprise: true, enterpriseInfo: { creditCode: CODE, name: '福州示例科技有限公司', category: '融资信贷' }, citizen: { phone: '13912345678', name: '林经理', anonymous: false } });
    // Enterprise time limits: acknowledge within one working hour, a deadline to resolve.
    expect(ticket.deadlines.resolve).toBeDefined();
    expect(Date.parse(ticket.deadlines.ack) - Date.parse(ticket.receivedAt)).toBeLessThanOrEqual(3 * 86_400_000);
    const routed = await waitFor(async () => ((await s.store.getTicket(id))?.state === 'dispatched' ? s.store.getTicket(id) : undefined), 10_000, 'routing');
    expect(routed!.routing!.candidates.map((x) => x.department)).toContain('financial-regulation');
    // Marked as an enterprise appeal in every queue.
    const d = await as('disp');
    const list = await d.get('/tickets?view=all');
    expect(list.body.items.find((t: { id: string }) => t.id === id)).toMatchObject({ enterprise: true });
    const detail = await d.get(`/tickets/${id}`);
    expect(detail.body.enterpriseInfo).toMatchObject({ creditCode: CODE, category: '融资信贷' });
    expect(detail.body.citizen.name).toBe('林**');
  });

  it('changes a field from the summary, and offers the enterprise entry in the welcome menu', async () => {
    const c = client('edit');
    const welcome = await c.sendActivity('你好');
    expect(text(welcome)).toBe(T.welcome);
    expect((welcome as { suggestedActions?: { actions: { title: string }[] } }).suggestedActions!.actions.map((a) => a.title)).toContain('企业诉求');
    await c.sendActivity('企业诉求');
    c.getNextReply();
    for (const answer of [OTHER_CODE.slice(0, 17) + validCode(OTHER_CODE.slice(0, 17)).slice(17), '北京示例餐饮管理有限公司', '赵女士', '13600001111', '7', '区里的单位欠我们食堂配送款八十多万，一年多了一直说没钱，我们快撑不下去了', '海淀区学院路1号']) await c.sendActivity(answer);
    c.getNextReply();
    expect(text(await c.sendActivity('修改'))).toBe(E.askEditField);
    expect(text(await c.sendActivity('联系电话'))).toBe(E.askPhone);
    const summary = text(await c.sendActivity('13600002222'));
    expect(summary).toContain('赵女士，136****2222');
    expect(summary).toContain('诉求类别：拖欠账款');
  });
});

describe('the menu mid-way', () => {
  it('tapping 企业诉求 during another intake ends it unsubmitted and starts the enterprise appeal', async () => {
    const intake = createIntakePort({ store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar, classifier: s.classifier, secret: s.secret });
    const bot = new HotlineBot(new ConversationState(s.store.botState), new MainDialog(intake), s.log);
    const adapter = new TestAdapter(async (context) => bot.run(context));
    const before = (await s.store.listTickets({ limit: 100_000 })).length;
    await adapter
      .send('楼下烧烤店油烟太大，晚上十点还在烤')
      .assertReply(T.askLocation)
      .send('企业诉求')
      .assertReply(T.switched)
      .assertReply(E.intro)
      .assertReply(E.askCode)
      .send(CODE)
      .assertReply(E.askName)
      .startTest();
    expect((await s.store.listTickets({ limit: 100_000 })).length).toBe(before);
  });
});

describe('liaisons (首席服务员) and the enterprise ledger (企业诉求台账)', () => {
  async function fileAppeal(creditCode: string, name: string, category: '拖欠账款' | '审批服务', description: string) {
    const r = await submitTicket(
      { intakeKey: crypto.randomUUID(), description, location: '高新区', phone: '13700001111', type: '投诉', proposedType: '投诉', urgent: false, enterprise: true, enterpriseInfo: { creditCode, name, category }, contact: { name: '钱总' }, channel: { channelId: 'test', reference: {} } },
      { store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar },
      s.secret,
    );
    await waitFor(async () => (await s.store.getTicket(r.ticket.id))?.state === 'dispatched', 10_000, 'routing');
    return r.ticket.id;
  }

  it('a liaison sees all appeals of its enterprises and nothing else, and cannot act on them', async () => {
    const admin = await as('admin');
    expect((await admin.post('/accounts', { username: 'liaison1', displayName: '首席服务员甲', role: 'liaison', enterprises: ['91350100M000100Y44'], password: PASSWORD })).status).toBe(400);
    expect((await admin.post('/accounts', { username: 'agentx', displayName: '承办人', role: 'agent', department: 'finance', enterprises: [CODE], password: PASSWORD })).status).toBe(400);
    const created = await admin.post('/accounts', { username: 'liaison1', displayName: '首席服务员甲', role: 'liaison', enterprises: [CODE.toLowerCase()], password: PASSWORD });
    expect(created.status).toBe(201);
    expect(created.body.enterprises).toEqual([CODE]);
    const mine = await fileAppeal(CODE, '福州示例科技有限公司', '审批服务', '施工许可证申请提交一个月了还没批下来，材料补了三次');
    const other = await fileAppeal(OTHER_CODE, '北京示例餐饮管理有限公司', '拖欠账款', '食堂配送款被拖欠一年');
    const citizen = (await submitTicket({ intakeKey: crypto.randomUUID(), description: '楼下烧烤油烟大', location: '幸福路', type: '投诉', proposedType: '投诉', urgent: false, enterprise: false, channel: { channelId: 'test', reference: {} } }, { store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar }, s.secret)).ticket.id;
    const l = await as('liaison1');
    const ids = (await l.get('/tickets?view=all')).body.items.map((t: { id: string }) => t.id);
    expect(ids).toContain(mine);
    expect(ids).not.toContain(other);
    expect(ids).not.toContain(citizen);
    expect((await l.get(`/tickets/${mine}`)).status).toBe(200);
    expect((await l.get(`/tickets/${other}`)).status).toBe(404);
    expect((await l.get(`/tickets/${citizen}`)).status).toBe(404);
    expect((await l.post(`/tickets/${mine}/dispatch`, { lead: 'finance' })).status).toBe(403);
    const ledger = await l.get('/enterprise/ledger');
    expect(ledger.body.items.map((r: { id: string }) => r.id)).toContain(mine);
    expect(ledger.body.items.every((r: { creditCode: string }) => r.creditCode === CODE)).toBe(true);
  });

  it('lists appeals by enterprise, category, unit and state, and exports them as CSV and XLSX', async () => {
    const d = await as('disp');
    const all = await d.get('/enterprise/ledger');
    expect(all.status).toBe(200);
    expect(all.body.total).toBeGreaterThanOrEqual(3);
    expect(all.body.items.every((r: { creditCode: string }) => r.creditCode.length === 18)).toBe(true);
    const byCategory = all.body.groups.byCategory.find((g: { key: string }) => g.key === '拖欠账款');
    expect(byCategory.total).toBeGreaterThanOrEqual(1);
    const arrears = await d.get('/enterprise/ledger?category=' + encodeURIComponent('拖欠账款'));
    expect(arrears.body.items.every((r: { category: string }) => r.category === '拖欠账款')).toBe(true);
    expect((await d.get(`/enterprise/ledger?creditCode=${CODE}`)).body.items.every((r: { creditCode: string }) => r.creditCode === CODE)).toBe(true);
    expect((await d.get('/enterprise/ledger?state=closed')).body.total).toBe(0);
    expect((await d.get('/enterprise/ledger?category=other')).status).toBe(400);
    expect((await d.get('/enterprise/ledger?from=2026-12-31&to=2026-01-01')).status).toBe(400);
    const csv = await d.request('GET', '/api/console/enterprise/ledger.csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename=.*filename\*=UTF-8''/);
    const lines = String(csv.body).replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toContain('"统一社会信用代码"');
    expect(lines).toHaveLength(all.body.total + 1);
    expect(String(csv.body)).not.toContain('13700001111');
    const res = await fetch(web.url + '/api/console/enterprise/ledger.xlsx', { headers: { Cookie: d.cookieValue } });
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    const sheet = wb.getWorksheet('企业诉求台账')!;
    expect(sheet.getRow(1).getCell(4).value).toBe('统一社会信用代码');
    expect(sheet.rowCount).toBe(all.body.total + 1);
    expect(wb.getWorksheet('按类别')!.rowCount).toBe(all.body.groups.byCategory.length + 1);
  });
});
