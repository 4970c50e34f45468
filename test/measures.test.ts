import * as crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { loadConfig } from '../bot/config';
import type { Services } from '../bot/services';
import { startWebServer, type WebServer } from '../bot/web-server';
import { hashPassword } from '../data/accounts/passwords';
import { Catalogue } from '../data/catalogue';
import { placeKey, topicOf } from '../data/measures/hotspot-keys';
import { compositeScore, measuresOf, rankUnits, emptyCounts, type Measures } from '../data/measures/measures';
import { lastPeriods, periodOf, previousPeriod } from '../data/measures/periods';
import { submitTicket } from '../workers/intake/submit-ticket';
import { startWorkers, type RunningWorkers } from '../workers/start-workers';
import { ConsoleClient } from './helpers/console-client';
import { openTestServices, waitFor } from './helpers/harness';

describe('periods (Asia/Shanghai days)', () => {
  it('finds the day, week (from Monday), month, quarter and custom range containing a day, and the one before', () => {
    expect(periodOf('week', '2026-12-03')).toMatchObject({ from: '2026-11-30', to: '2026-12-07', fromMs: Date.parse('2026-11-30T00:00:00+08:00') });
    expect(periodOf('week', '2026-11-30').from).toBe('2026-11-30');
    expect(periodOf('week', '2026-12-06').from).toBe('2026-11-30');
    expect(periodOf('month', '2026-02-15')).toMatchObject({ from: '2026-02-01', to: '2026-03-01', label: '2026年2月' });
    expect(periodOf('quarter', '2026-11-15')).toMatchObject({ from: '2026-10-01', to: '2027-01-01', label: '2026年第4季度' });
    expect(periodOf('custom', '2026-11-10', '2026-11-19')).toMatchObject({ from: '2026-11-10', to: '2026-11-20' });
    expect(previousPeriod(periodOf('month', '2026-01-15'))).toMatchObject({ from: '2025-12-01', to: '2026-01-01' });
    expect(previousPeriod(periodOf('custom', '2026-11-10', '2026-11-19'))).toMatchObject({ from: '2026-10-31', to: '2026-11-10' });
    expect(lastPeriods('week', '2026-12-03', 3).map((p) => p.from)).toEqual(['2026-11-16', '2026-11-23', '2026-11-30']);
    expect(() => periodOf('custom', '2026-11-10', '2026-11-01')).toThrow();
  });
});

describe('the red/black list (红黑榜)', () => {
  const m = (department: string, r: number | null, s: number | null, sat: number | null, received = 10): Measures => ({
    ...measuresOf(emptyCounts(department)),
    department,
    received,
    responseRate: r,
    resolutionRate: s,
    satisfactionRate: sat,
  });

  it('scores by the weighted rates it has, ranks with ties sharing a place, and marks the best and the worst with the change', () => {
    expect(compositeScore(m('a', 1, 0.5, 0.9))).toBe(80);
    expect(compositeScore(m('a', 1, null, 0.5))).toBe(75);
    expect(compositeScore(m('a', null, null, null))).toBeNull();
    expect(compositeScore(m('a', 0.6, 0.8, 1), { responseRate: 2, satisfactionRate: 1 })).toBe(73.3);
    const now = [m('a', 1, 1, 1), m('b', 0.9, 0.9, 0.9), m('c', 0.9, 0.9, 0.9), m('d', 0.5, 0.5, 0.5), m('e', 0.2, 0.2, 0.2), m('f', null, null, null), m('g', 1, 1, 1, 0)];
    const before = [m('a', 0.5, 0.5, 0.5), m('e', 0.4, 0.4, 0.4)];
    const ranked = rankUnits(now, before, undefined, 2);
    expect(ranked.map((r) => [r.department, r.rank, r.list])).toEqual([
      ['a', 1, 'red'],
      ['b', 2, 'red'],
      ['c', 2, null],
      ['d', 4, 'black'],
      ['e', 5, 'black'],
      ['f', null, null],
      ['g', null, null],
    ]);
    expect(ranked[0]).toMatchObject({ score: 100, previousScore: 50, change: 50, previousRank: 1 });
    expect(ranked.find((r) => r.department === 'e')).toMatchObject({ score: 20, previousScore: 40, change: -20 });
  });
});

describe('what hotspots group by', () => {
  it('takes the place from the location without numbers, and the topic from the unit\'s scope', () => {
    expect(placeKey('幸福路88号3单元')).toBe('幸福路');
    expect(placeKey('锦绣花园3栋2单元')).toBe('锦绣花园');
    expect(placeKey('桃花坞村五组')).toBe('桃花坞村');
    expect(placeKey('（未提供地点）')).toBeNull();
    const catalogue = Catalogue.load();
    expect(topicOf('楼下烧烤店油烟太大，晚上十点还在烤', 'urban-management', catalogue)).toBe('餐饮油烟扰民');
    expect(topicOf('路口的井盖丢了一个', 'urban-management', catalogue)).toBe('井盖缺失与市政道路破损');
    expect(topicOf('啊啊啊', 'urban-management', catalogue)).toBe('城市管理和综合执法局');
    expect(topicOf('x', null, catalogue)).toBeNull();
  });
});

describe('measures, hotspots and reports in the console', () => {
  const PASSWORD = 'Test-pass-2026';
  let s: Services;
  let web: WebServer;
  let workers: RunningWorkers;

  async function as(username: string) {
    const c = new ConsoleClient(web.url);
    expect((await c.login(username, PASSWORD)).status).toBe(201);
    return c;
  }
  async function file(description: string, location: string) {
    const r = await submitTicket(
      { intakeKey: crypto.randomUUID(), description, location, phone: '13812345678', type: '投诉', proposedType: '投诉', urgent: false, enterprise: false, channel: { channelId: 'test', reference: {} } },
      { store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar },
      s.secret,
    );
    await waitFor(async () => (await s.store.getTicket(r.ticket.id))?.state === 'dispatched', 10_000, 'routing');
    return r.ticket.id;
  }

  beforeAll(async () => {
    s = await openTestServices('measures', { console: { ...loadConfig({}).console, demoAccounts: false, adminUsername: 'admin', adminPassword: PASSWORD } });
    workers = await startWorkers(s);
    web = await startWebServer(s, { port: 0, host: '127.0.0.1' });
    const at = new Date().toISOString();
    for (const [username, role, department] of [['sup', 'supervisor'], ['um', 'agent', 'urban-management'], ['disp', 'dispatcher']] as const) {
      await s.store.createAccount({ id: crypto.randomUUID(), username, displayName: username, role, ...(department ? { department } : {}), passwordHash: await hashPassword(PASSWORD), disabled: false, createdAt: at, updatedAt: at });
    }
  });
  afterAll(async () => {
    await web.close();
    await workers.close();
    await s.close();
  });

  it('shows the period\'s measures of the centre and the units, with the definitions; only to the centre', async () => {
    const ids = [await file('楼下烧烤店油烟太大，晚上十点还在烤', '幸福路88号'), await file('烧烤摊油烟熏得窗户都不敢开', '幸福路90号'), await file('夜宵店油烟直排进小区', '幸福路12号')];
    const disp = await as('disp');
    for (const id of ids) {
      if ((await s.store.getTicket(id))!.routing?.department !== 'urban-management') expect((await disp.post(`/tickets/${id}/dispatch`, { lead: 'urban-management' })).status).toBe(200);
    }
    const um = await as('um');
    await um.post(`/tickets/${ids[0]}/acknowledge`);
    await um.post(`/tickets/${ids[0]}/reply`, { text: '已责令整改，加装油烟净化器。' });
    const sup = await as('sup');
    const r = await sup.get('/measures?period=day');
    expect(r.status).toBe(200);
    expect(r.body.centre.received).toBe(3);
    const unit = r.body.units.find((u: { department: string }) => u.department === 'urban-management');
    expect(unit).toMatchObject({ name: '城市管理和综合执法局', received: 3, responseRate: 1 / 3, returnRate: 0, overdueNow: 0 });
    expect(unit.counts.replied).toBe(1);
    expect(unit.counts.handled).toBe(1);
    expect(r.body.definitions.map((d: { name: string }) => d.name)).toEqual(expect.arrayContaining(['响应率', '解决率', '满意率', '按时办结率', '退单率', '重办率']));
    expect(r.body.ranking[0]).toMatchObject({ department: 'urban-management', rank: 1 });
    expect((await um.get('/measures')).status).toBe(403);
    expect((await sup.get('/measures?period=year')).status).toBe(400);
    expect((await sup.get('/measures?period=custom&date=2026-11-10&until=2026-11-01')).status).toBe(400);
    const ent = await sup.get('/measures/enterprise?period=day');
    expect(ent.status).toBe(200);
    expect(ent.body.categories.map((c: { category: string }) => c.category)).toHaveLength(10);
    expect(ent.body.total.received).toBe(0);
    const trends = await sup.get('/measures/trends?days=7&periods=4');
    expect(trends.status).toBe(200);
    expect(trends.body.days).toHaveLength(7);
    expect(trends.body.byType.reduce((a: number, x: { count: number }) => a + x.count, 0)).toBe(3);
    expect(trends.body.series).toHaveLength(4);
  });

  it('groups repeated complaints about the same place and topic into a hotspot with links to the tickets', async () => {
    const sup = await as('sup');
    const h = await sup.get('/measures/hotspots');
    expect(h.status).toBe(200);
    const group = h.body.groups.find((g: { place: string }) => g.place === '幸福路');
    expect(group).toMatchObject({ topic: '餐饮油烟扰民', count: 3 });
    expect(group.ticketIds).toHaveLength(3);
    expect(h.body.topics.top[0]).toMatchObject({ key: '餐饮油烟扰民', count: 3, before: 0, rise: 3 });
    expect(h.body.places.rising[0]).toMatchObject({ key: '幸福路' });
  });

  it('lets an administrator change the ranking weights (versioned)', async () => {
    const admin = await as('admin');
    expect((await admin.put('/measures/weights', { weights: { onTimeRate: 2, responseRate: 1 }, expectedVersion: 0 })).status).toBe(200);
    expect((await admin.put('/measures/weights', { weights: { onTimeRate: 1 }, expectedVersion: 0 })).status).toBe(409);
    expect((await admin.put('/measures/weights', { weights: { onTimeRate: 0 }, expectedVersion: 1 })).status).toBe(400);
    expect((await (await as('sup')).get('/measures')).body.weights).toEqual({ onTimeRate: 2, responseRate: 1 });
    expect((await (await as('sup')).put('/measures/weights', { weights: { onTimeRate: 1 }, expectedVersion: 1 })).status).toBe(403);
  });

  it('generates the monthly report through the reports queue, keeps it, and serves it for download (XLSX and CSV)', async () => {
    const sup = await as('sup');
    const month = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);
    expect((await sup.post('/reports', { month: '2026-13' })).status).toBe(400);
    expect((await sup.post('/reports', { month })).status).toBe(202);
    const list = await waitFor(async () => {
      const r = await sup.get('/reports');
      return r.body.items.length >= 2 ? r.body.items : undefined;
    }, 20_000, 'the report files');
    expect(list.map((x: { name: string }) => x.name).sort()).toEqual([`${month}.csv`, `${month}.xlsx`]);
    const res = await fetch(`${web.url}/api/console/reports/${month}.xlsx`, { headers: { Cookie: sup.cookieValue } });
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['各单位考核指标', '超期工单', '红黑榜', '企业诉求']);
    const sheet = wb.getWorksheet('各单位考核指标')!;
    expect(sheet.getRow(1).getCell(3).value).toBe('响应率(%)');
    expect(sheet.getRow(2).getCell(1).value).toBe('全市（12345中心）');
    expect(sheet.getRow(2).getCell(2).value).toBe(3);
    expect(wb.getWorksheet('企业诉求')!.getRow(12).getCell(1).value).toBe('企业诉求合计');
    const csv = await sup.request('GET', `/api/console/reports/${month}.csv`);
    expect(String(csv.body)).toContain('"红黑榜"');
    for (const bad of ['..%2F..%2Fetc%2Fpasswd', '2026-11.xlsx.bak', '..%2Fsecret.key']) expect((await sup.get(`/reports/${bad}`)).status).toBe(404);
    expect((await (await as('um')).get('/reports')).status).toBe(403);
  });

  it('exports the issue ledger (问题台账) with each ticket\'s history, filtered', async () => {
    const sup = await as('sup');
    const csv = await sup.request('GET', '/api/console/issue-ledger.csv?department=urban-management');
    expect(csv.status).toBe(200);
    const lines = String(csv.body).replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toContain('"办理经过"');
    expect(lines).toHaveLength(4);
    expect(String(csv.body)).toContain('受理');
    expect(String(csv.body)).not.toContain('13812345678');
    const none = await sup.request('GET', '/api/console/issue-ledger.csv?department=water-supply');
    expect(String(none.body).replace(/^\ufeff/, '').trim().split('\r\n')).toHaveLength(1);
    const res = await fetch(`${web.url}/api/console/issue-ledger.xlsx?state=open`, { headers: { Cookie: sup.cookieValue } });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    expect(wb.getWorksheet('问题台账')!.rowCount).toBe(4);
    expect((await sup.get('/issue-ledger.csv?from=2026-12-31&to=2026-01-01')).status).toBe(400);
  });
});
