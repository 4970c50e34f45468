import * as crypto from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { loadConfig } from '../bot/config';
import type { Services } from '../bot/services';
import { startWebServer, type WebServer } from '../bot/web-server';
import { hashPassword } from '../data/accounts/passwords';
import { submitTicket } from '../workers/intake/submit-ticket';
import { startWorkers, type RunningWorkers } from '../workers/start-workers';
import { ConsoleClient } from './helpers/console-client';
import { openTestServices, waitFor } from './helpers/harness';

/**
 * Open311 GeoReport v2, as the specification describes it (http://wiki.open311.org/GeoReport_v2): services and
 * requests in JSON and XML, api_key required to file, errors as [{code, description}] with the HTTP status.
 */
const PASSWORD = 'Test-pass-2026';
let s: Services;
let web: WebServer;
let workers: RunningWorkers;
let apiKey: string;
let otherKey: string;
const xml = new XMLParser();

async function as(username: string): Promise<ConsoleClient> {
  const c = new ConsoleClient(web.url);
  expect((await c.login(username, PASSWORD)).status).toBe(201);
  return c;
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

async function post(path: string, fields: Record<string, string>) {
  const res = await fetch(web.url + '/open311/v2' + path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form(fields) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

async function get(path: string) {
  const res = await fetch(web.url + '/open311/v2' + path);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

const json = (r: { text: string }) => JSON.parse(r.text);

beforeAll(async () => {
  s = await openTestServices('open311', { console: { ...loadConfig({}).console, demoAccounts: false, adminUsername: 'admin', adminPassword: PASSWORD } });
  workers = await startWorkers(s);
  web = await startWebServer(s, { port: 0, host: '127.0.0.1' });
  const at = new Date().toISOString();
  await s.store.createAccount({ id: crypto.randomUUID(), username: 'um', displayName: '城管承办', role: 'agent', department: 'urban-management', passwordHash: await hashPassword(PASSWORD), disabled: false, createdAt: at, updatedAt: at });
  await s.store.createAccount({ id: crypto.randomUUID(), username: 'disp', displayName: '派单员', role: 'dispatcher', passwordHash: await hashPassword(PASSWORD), disabled: false, createdAt: at, updatedAt: at });
  const admin = await as('admin');
  const created = await admin.post('/open311/clients', { name: '市民通小程序' });
  expect(created.status).toBe(201);
  apiKey = created.body.apiKey;
  otherKey = (await admin.post('/open311/clients', { name: '省级平台' })).body.apiKey;
  // The key is shown once: the list carries no key or hash.
  const list = await admin.get('/open311/clients');
  expect(JSON.stringify(list.body)).not.toContain(apiKey);
  expect(JSON.stringify(list.body)).not.toContain('keyHash');
});
afterAll(async () => {
  await web.close();
  await workers.close();
  await s.close();
});

describe('services', () => {
  it('lists the ticket types as services, in JSON and in XML', async () => {
    const r = await get('/services.json');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/application\/json/);
    const services = json(r);
    expect(services.map((x: { service_code: string }) => x.service_code)).toEqual(['consultation', 'help', 'complaint', 'report', 'suggestion', 'praise']);
    for (const x of services) expect(Object.keys(x).sort()).toEqual(['description', 'group', 'keywords', 'metadata', 'service_code', 'service_name', 'type']);
    expect(services[2]).toMatchObject({ service_name: '投诉', metadata: false, type: 'realtime' });
    const x = await get('/services.xml');
    expect(x.type).toMatch(/text\/xml/);
    const doc = xml.parse(x.text);
    expect(doc.services.service).toHaveLength(6);
    expect(doc.services.service[3]).toMatchObject({ service_code: 'report', service_name: '举报', metadata: false });
    expect((await get('/services/complaint.json')).status).toBe(200);
    expect(json(await get('/services/nope.json'))).toEqual([{ code: 404, description: expect.stringContaining('service_code') }]);
  });
});

describe('filing a request (POST requests)', () => {
  it('refuses what the specification refuses, with [{code, description}] and the HTTP status, in JSON and XML', async () => {
    const base = { service_code: 'complaint', description: '人行道上的井盖松动了，踩上去会翻', address_string: '滨江路18号' };
    const noKey = await post('/requests.json', base);
    expect(noKey.status).toBe(400);
    expect(json(noKey)).toEqual([{ code: 400, description: expect.stringContaining('api_key') }]);
    const badKey = await post('/requests.json', { ...base, api_key: 'o311_wrong' });
    expect(badKey.status).toBe(403);
    expect(json(badKey)[0].code).toBe(403);
    const badXml = await post('/requests.xml', { ...base, api_key: 'o311_wrong' });
    expect(badXml.status).toBe(403);
    expect(xml.parse(badXml.text)).toMatchObject({ errors: { error: { code: 403, description: expect.any(String) } } });
    expect((await post('/requests.json', { ...base, api_key: apiKey, service_code: '' })).status).toBe(400);
    expect((await post('/requests.json', { ...base, api_key: apiKey, service_code: 'pothole' })).status).toBe(404);
    expect(json(await post('/requests.json', { ...base, api_key: apiKey, description: '' }))[0].description).toMatch(/description/);
    expect(json(await post('/requests.json', { ...base, api_key: apiKey, phone: '12345' }))[0].description).toMatch(/手机号码/);
    expect((await post('/requests.json', { ...base, api_key: apiKey, lat: '95', long: '120' })).status).toBe(400);
    expect((await post('/requests.json', { ...base, api_key: apiKey, lat: '30.5' })).status).toBe(400);
    expect((await post('/requests.json', { ...base, api_key: apiKey, email: 'not-an-email' })).status).toBe(400);
    const nested = await fetch(web.url + '/open311/v2/requests.json', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...base, api_key: apiKey, description: { $gt: '' } }) });
    expect(nested.status).toBe(400);
    expect(await nested.json()).toEqual([{ code: 400, description: expect.any(String) }]);
  });

  it('files a ticket that the classifier routes like a chat ticket; the same client_token files it once', async () => {
    const fields = { api_key: apiKey, service_code: 'complaint', description: '小区门口有人占道摆摊卖水果，三轮车把人行道全堵了，每天傍晚都这样', address_string: '滨江路18号', lat: '30.2741', long: '120.1551', phone: '13812345678', first_name: '小明', last_name: '王', email: 'wang@example.com', client_token: 'mini-42' };
    const r = await post('/requests.json', fields);
    expect(r.status).toBe(201);
    const [created] = json(r);
    expect(Object.keys(created).sort()).toEqual(['account_id', 'service_notice', 'service_request_id']);
    expect(created.service_notice).toMatch(/前答复/);
    const again = json(await post('/requests.json', fields))[0];
    expect(again.service_request_id).toBe(created.service_request_id);
    const ticket = (await s.store.getTicket(created.service_request_id))!;
    expect(ticket).toMatchObject({ type: '投诉', location: '滨江路18号', geo: { lat: 30.2741, long: 120.1551 }, citizen: { phone: '13812345678', name: '王小明', email: 'wang@example.com' }, channel: { channelId: 'open311' } });
    const routed = await waitFor(async () => ((await s.store.getTicket(ticket.id))?.state === 'dispatched' ? s.store.getTicket(ticket.id) : undefined), 10_000, 'routing');
    expect(routed!.routing).toBeDefined();
    // The XML form answers in GeoReport's XML.
    const x = await post('/requests.xml', { ...fields, client_token: 'mini-43' });
    expect(x.status).toBe(201);
    expect(String(xml.parse(x.text).service_requests.request.service_request_id)).toMatch(/^\d{10}$/);
  });
});

describe('reading requests (GET requests)', () => {
  it('shows one request with the specification\'s fields; a chat ticket\'s number is not found', async () => {
    const [created] = json(await post('/requests.json', { api_key: apiKey, service_code: 'complaint', description: '路灯坏了一个星期了，晚上黑漆漆的，老人走路怕摔', address_string: '建设路与文化路路口' }));
    const id = created.service_request_id as string;
    await waitFor(async () => (await s.store.getTicket(id))?.state === 'dispatched', 10_000, 'routing');
    const r = await get(`/requests/${id}.json`);
    expect(r.status).toBe(200);
    const [req] = json(r);
    expect(Object.keys(req).sort()).toEqual(
      ['address', 'address_id', 'agency_responsible', 'description', 'expected_datetime', 'lat', 'long', 'media_url', 'requested_datetime', 'service_code', 'service_name', 'service_notice', 'service_request_id', 'status', 'status_notes', 'updated_datetime', 'zipcode'].sort(),
    );
    expect(req).toMatchObject({ service_request_id: id, status: 'open', service_code: 'complaint', address: '建设路与文化路路口' });
    expect(req.requested_datetime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect(req.expected_datetime).toMatch(/\+08:00$/);
    expect(typeof req.agency_responsible).toBe('string');
    const x = xml.parse((await get(`/requests/${id}.xml`)).text);
    expect(x.service_requests.request.service_request_id).toBe(Number(id));
    const chat = await submitTicket(
      { intakeKey: crypto.randomUUID(), description: '楼下烧烤油烟大', location: '幸福路', type: '投诉', proposedType: '投诉', urgent: false, enterprise: false, channel: { channelId: 'test', reference: {} } },
      { store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar },
      s.secret,
    );
    expect((await get(`/requests/${chat.ticket.id}.json`)).status).toBe(404);
    expect(json(await get(`/requests/${chat.ticket.id}.json`))).toEqual([{ code: 404, description: expect.any(String) }]);
    expect((await get('/requests/../../etc/passwd.json')).status).toBe(404);
  });

  it('lists requests by ids, service and status; a 举报\'s words are shown only to the client that filed it', async () => {
    const [report] = json(await post('/requests.json', { api_key: apiKey, service_code: 'report', description: '有人在河边偷倒建筑垃圾，我是隔壁小卖部老板，电话13900001111', address_string: '滨河路' }));
    const [praise] = json(await post('/requests.json', { api_key: apiKey, service_code: 'praise', description: '表扬环卫工人老张，每天把我们这条街扫得干干净净', address_string: '北门街' }));
    const both = json(await get(`/requests.json?service_request_id=${report.service_request_id},${praise.service_request_id}`));
    expect(both.map((x: { service_request_id: string }) => x.service_request_id).sort()).toEqual([report.service_request_id, praise.service_request_id].sort());
    const hidden = both.find((x: { service_code: string }) => x.service_code === 'report');
    expect(hidden.description).toBe('（举报内容依规保密）');
    const other = json(await get(`/requests/${report.service_request_id}.json?api_key=${encodeURIComponent(otherKey)}`))[0];
    expect(other.description).toBe('（举报内容依规保密）');
    const own = json(await get(`/requests/${report.service_request_id}.json?api_key=${encodeURIComponent(apiKey)}`))[0];
    expect(own.description).toContain('139****1111');
    expect(own.description).not.toContain('13900001111');
    const praises = json(await get('/requests.json?service_code=praise'));
    expect(praises.every((x: { service_code: string }) => x.service_code === 'praise')).toBe(true);
    expect(praises.some((x: { service_request_id: string }) => x.service_request_id === praise.service_request_id)).toBe(true);
    expect(json(await get('/requests.json?status=closed')).every((x: { status: string }) => x.status === 'closed')).toBe(true);
    expect((await get('/requests.json?status=pending')).status).toBe(400);
    expect((await get('/requests.json?start_date=yesterday')).status).toBe(400);
    expect((await get('/requests.json?service_request_id=1;DROP')).status).toBe(400);
  });

  it('end to end: filed through Open311, answered by the unit in the console, the answer is the request\'s status_notes', async () => {
    const [created] = json(await post('/requests.json', { api_key: apiKey, service_code: 'complaint', description: '人行道上的井盖丢了，一个大黑洞，晚上很危险', address_string: '解放路与人民路交叉口' }));
    const id = created.service_request_id as string;
    await waitFor(async () => (await s.store.getTicket(id))?.state === 'dispatched', 10_000, 'routing');
    if ((await s.store.getTicket(id))!.routing?.department !== 'urban-management') {
      expect((await (await as('disp')).post(`/tickets/${id}/dispatch`, { lead: 'urban-management' })).status).toBe(200);
    }
    const um = await as('um');
    expect((await um.post(`/tickets/${id}/acknowledge`)).status).toBe(200);
    const answer = '已安排养护队当天补装井盖，并设置了警示围挡，感谢您的反映。';
    expect((await um.post(`/tickets/${id}/reply`, { text: answer })).status).toBe(200);
    const [req] = json(await get(`/requests/${id}.json`));
    expect(req).toMatchObject({ status: 'open', status_notes: answer, agency_responsible: '城市管理和综合执法局' });
    // No chat to send it to: nothing is sent, and the ticket is not stuck waiting for a delivery.
    await new Promise((r) => setTimeout(r, 300));
    expect((await s.store.getTicket(id))!.history.some((e) => e.action === 'citizen-notified')).toBe(false);
    expect((await (await as('um')).post(`/tickets/${id}/close`, {})).status).toBe(200);
    expect(json(await get(`/requests/${id}.json`))[0]).toMatchObject({ status: 'closed', status_notes: answer, expected_datetime: null });
  });

  it('refuses a revoked key', async () => {
    const admin = await as('admin');
    const c = await admin.post('/open311/clients', { name: '临时接入' });
    const ok = await post('/requests.json', { api_key: c.body.apiKey, service_code: 'suggestion', description: '建议在公园增加几个饮水点', address_string: '中山公园' });
    expect(ok.status).toBe(201);
    expect((await admin.request('DELETE', `/api/console/open311/clients/${c.body.id}`)).status).toBe(204);
    await new Promise((r) => setTimeout(r, 5_100));
    expect((await post('/requests.json', { api_key: c.body.apiKey, service_code: 'suggestion', description: '建议在公园增加几个饮水点', address_string: '中山公园' })).status).toBe(403);
  });
});
