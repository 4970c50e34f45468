import * as crypto from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadConfig } from '../bot/config';
import type { Services } from '../bot/services';
import { startWebServer, type WebServer } from '../bot/web-server';
import type { AccountRole } from '../data/accounts/account';
import { hashPassword } from '../data/accounts/passwords';
import type { TicketType } from '../data/tickets/ticket';
import { nextWorkingDayAt } from '../data/calendar/deadlines';
import { submitTicket } from '../workers/intake/submit-ticket';
import { QUEUE } from '../workers/queues';
import { runRatingStep } from '../workers/tickets/rating-follow-up';
import { startWorkers, type RunningWorkers } from '../workers/start-workers';
import { CaptureChannel } from './helpers/capture-channel';
import { ConsoleClient } from './helpers/console-client';
import { openTestServices, waitFor } from './helpers/harness';

const PASSWORD = 'Test-pass-2026';
const consoleDefaults = loadConfig({}).console;

let s: Services;
let web: WebServer;
let workers: RunningWorkers;
let channel: CaptureChannel;

async function addAccount(username: string, role: AccountRole, department?: string, disabled = false) {
  const at = new Date().toISOString();
  await s.store.createAccount({ id: crypto.randomUUID(), username, displayName: username + '姓名', role, ...(department ? { department } : {}), passwordHash: await hashPassword(PASSWORD), disabled, createdAt: at, updatedAt: at });
}

async function as(username: string): Promise<ConsoleClient> {
  const c = new ConsoleClient(web.url);
  const r = await c.login(username, PASSWORD);
  expect(r.status).toBe(201);
  return c;
}

/** Files a ticket as the bot does (stored, then routed by the intake worker) and returns its number and conversation. */
async function fileTicket(description: string, type: TicketType = '投诉', phone = '13812345678', serviceUrl = channel.url) {
  const conv = 'console-' + crypto.randomUUID();
  const receipt = await submitTicket(
    {
      intakeKey: crypto.randomUUID(),
      description,
      location: '幸福路88号',
      phone,
      type,
      proposedType: type,
      urgent: false,
      enterprise: false,
      channel: { channelId: 'emulator', reference: { channelId: 'emulator', serviceUrl, conversation: { id: conv }, bot: { id: 'hotline-bot' }, user: { id: 'citizen-1' } } },
    },
    { store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar },
    s.secret,
  );
  const id = receipt.ticket.id;
  await waitFor(async () => (await s.store.getTicket(id))?.state === 'dispatched', 10_000, 'routing');
  return { id, conv };
}

/** Files a ticket and has the dispatcher send it to `unit` (the classifier may have chosen another). */
async function ticketFor(unit: string, description: string, type: TicketType = '投诉', phone?: string, serviceUrl?: string) {
  const t = await fileTicket(description, type, phone, serviceUrl);
  const stored = (await s.store.getTicket(t.id))!;
  if (stored.routing?.department !== unit) {
    const d = await as('disp');
    const r = await d.post(`/tickets/${t.id}/dispatch`, { lead: unit });
    expect(r.status).toBe(200);
  }
  return t;
}

beforeAll(async () => {
  s = await openTestServices('console', { console: { ...consoleDefaults, demoAccounts: false, adminUsername: 'admin', adminPassword: PASSWORD } });
  workers = await startWorkers(s);
  web = await startWebServer(s, { port: 0, host: '127.0.0.1' });
  channel = await new CaptureChannel().start();
  await addAccount('um', 'agent', 'urban-management');
  await addAccount('ws', 'agent', 'water-supply');
  await addAccount('disp', 'dispatcher');
  await addAccount('sup', 'supervisor');
});
afterAll(async () => {
  await web.close();
  await workers.close();
  await channel.stop();
  await s.close();
});

describe('login, sessions and CSRF', () => {
  it('logs in with the right password only, and the first administrator exists from the configuration', async () => {
    const c = new ConsoleClient(web.url);
    const bad = await c.login('um', 'wrong-password');
    expect(bad).toMatchObject({ status: 401, body: { code: 'bad-credentials', message: '用户名或密码不正确。' } });
    expect((await c.get('/session')).status).toBe(401);
    const ok = await c.login('UM', PASSWORD);
    expect(ok.status).toBe(201);
    expect(ok.body.account).toMatchObject({ username: 'um', role: 'agent', department: 'urban-management' });
    expect(ok.body.account.passwordHash).toBeUndefined();
    expect((await c.get('/session')).body.account.username).toBe('um');
    expect((await (await as('admin')).get('/session')).body.account.role).toBe('admin');
  });

  it('throttles guessing: after 5 wrong passwords even the right one is refused with 429, and the audit log has the failures', async () => {
    await addAccount('victim', 'agent', 'water-supply');
    const c = new ConsoleClient(web.url);
    for (let i = 0; i < 5; i++) expect((await c.login('victim', 'guess-' + i)).status).toBe(401);
    const blocked = await c.login('victim', PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('too-many-attempts');
    expect(blocked.body.message).toMatch(/登录失败次数过多，请 \d+ 分钟后再试。/);
    const admin = await as('admin');
    const failures = (await admin.get('/audit?action=login-failed&limit=500')).body.items.filter((e: { actorName: string }) => e.actorName === 'victim');
    expect(failures).toHaveLength(5);
  });

  it('refuses a write without the CSRF token, or with a forged one', async () => {
    const c = await as('um');
    const none = await c.post('/tickets/2611230001/acknowledge', {}, { 'X-CSRF-Token': '' });
    expect(none).toMatchObject({ status: 403, body: { code: 'csrf' } });
    const forged = await c.post('/tickets/2611230001/acknowledge', {}, { 'X-CSRF-Token': crypto.randomBytes(32).toString('hex') });
    expect(forged).toMatchObject({ status: 403, body: { code: 'csrf', message: '页面已过期或请求来源不可信，请刷新页面后重试。' } });
  });

  it('ends a session on logout, and the old cookie no longer works', async () => {
    const c = await as('um');
    const cookie = c.cookieValue;
    expect((await c.request('DELETE', '/api/console/session')).status).toBe(204);
    const replay = new ConsoleClient(web.url);
    replay.cookieValue = cookie;
    expect((await replay.get('/session')).status).toBe(401);
  });
});

describe('sessions expire', () => {
  let short: Services;
  let shortWeb: WebServer;
  beforeAll(async () => {
    short = await openTestServices('console-expiry', { console: { ...consoleDefaults, demoAccounts: false, adminPassword: PASSWORD, sessionIdleMs: 1000, sessionMaxMs: 3000 } });
    shortWeb = await startWebServer(short, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await shortWeb.close();
    await short.close();
  });

  it('after the idle time without requests', async () => {
    const c = new ConsoleClient(shortWeb.url);
    expect((await c.login('admin', PASSWORD)).status).toBe(201);
    expect((await c.get('/session')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1400));
    expect((await c.get('/session')).status).toBe(401);
  });

  it('after the maximum time even when in use', async () => {
    const c = new ConsoleClient(shortWeb.url);
    expect((await c.login('admin', PASSWORD)).status).toBe(201);
    const start = Date.now();
    let last = 200;
    while (Date.now() - start < 3600) {
      await new Promise((r) => setTimeout(r, 400));
      last = (await c.get('/session')).status;
      if (last === 401) break;
    }
    expect(Date.now() - start).toBeGreaterThan(2900);
    expect(last).toBe(401);
  });
});

describe('tickets: isolation, masking and the agent\'s actions', () => {
  it('shows an agent its own unit\'s tickets only; another unit\'s ticket is not found, through list, detail and actions', async () => {
    const { id } = await ticketFor('urban-management', '小区门口占道经营的水果摊天天堵路，电话13912345678');
    const um = await as('um');
    const ws = await as('ws');
    expect((await um.get('/tickets')).body.items.map((t: { id: string }) => t.id)).toContain(id);
    expect((await ws.get('/tickets')).body.items.map((t: { id: string }) => t.id)).not.toContain(id);
    expect(await ws.get('/tickets/' + id)).toMatchObject({ status: 404, body: { code: 'not-found', message: '未找到该工单，请核对工单号。' } });
    expect((await ws.post(`/tickets/${id}/acknowledge`, {})).status).toBe(404);
    expect((await ws.post(`/tickets/${id}/reveal-contact`)).status).toBe(404);
    expect((await ws.get('/tickets?department=urban-management')).status).toBe(404);
    const audit = (await (await as('admin')).get('/audit?ticketId=' + id)).body.items;
    expect(audit.some((e: { actorId: string; outcome: string }) => e.actorId === 'ws' && e.outcome === 'refused')).toBe(true);
  });

  it('masks phone numbers for agents, shows them in clear only on request (audited), and never shows a 举报 reporter to agents', async () => {
    const { id } = await ticketFor('urban-management', '小区门口占道经营的水果摊天天堵路，有事打我电话13912345678');
    const um = await as('um');
    const detail = (await um.get('/tickets/' + id)).body;
    expect(detail.citizen).toEqual({ anonymous: false, phone: '138****5678', name: null, email: null, hidden: false });
    expect(detail.description).toContain('139****5678');
    expect(JSON.stringify(detail)).not.toContain('13812345678');
    expect(JSON.stringify(detail)).not.toContain('13912345678');
    expect((await um.post(`/tickets/${id}/reveal-contact`)).body.phone).toBe('13812345678');
    const audit = (await (await as('admin')).get('/audit?action=ticket.reveal-contact')).body.items;
    expect(audit.some((e: { ticketId: string; actorId: string; outcome: string }) => e.ticketId === id && e.actorId === 'um' && e.outcome === 'ok')).toBe(true);

    const report = await ticketFor('urban-management', '举报某工地夜里偷偷倾倒建筑垃圾到河边', '举报', '13711112222');
    const r = (await um.get('/tickets/' + report.id)).body;
    expect(r.citizen).toEqual({ anonymous: false, phone: null, name: null, email: null, hidden: true });
    expect(JSON.stringify(r)).not.toMatch(/1371111|\*\*\*\*2222/);
    expect(r.history.filter((h: { by: string }) => h.by === '举报人').length).toBeGreaterThan(0);
    const refused = await um.post(`/tickets/${report.id}/reveal-contact`);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('举报人身份信息依规保密');
    const disp = await as('disp');
    expect((await disp.get('/tickets/' + report.id)).body.citizen.phone).toBe('137****2222');
    expect((await disp.post(`/tickets/${report.id}/reveal-contact`)).body.phone).toBe('13711112222');
  });

  it('lets an agent sign for, reply to and close a ticket; the reply reaches the citizen in the same conversation, once, with the request to rate it', async () => {
    const { id, conv } = await ticketFor('urban-management', '路口的井盖丢了一个，晚上很危险');
    const um = await as('um');
    const before = (await um.get('/tickets/' + id)).body;
    expect(before.allowed).toEqual(expect.arrayContaining(['acknowledge', 'return']));
    expect(before.due).toMatchObject({ kind: 'ack', light: expect.stringMatching(/green|yellow|red/) });
    const ack = await um.post(`/tickets/${id}/acknowledge`, { expectedVersion: before.version });
    expect(ack.status).toBe(200);
    expect(ack.body.state).toBe('acknowledged');
    expect(await um.post(`/tickets/${id}/acknowledge`, {})).toMatchObject({ status: 409, body: { code: 'already-acknowledged' } });
    // A page showing an old version: refused, the agent is told to reload.
    expect(await um.post(`/tickets/${id}/reply`, { text: '已处理', expectedVersion: before.version })).toMatchObject({ status: 409, body: { code: 'conflict', message: '工单刚刚被他人更新，请刷新后再试。' } });

    const reply = await um.post(`/tickets/${id}/reply`, { text: '经现场核查，井盖已于今日补装，感谢您的反映。' });
    expect(reply.status).toBe(200);
    expect(reply.body.state).toBe('replied');
    const text = await waitFor(() => channel.texts(conv).find((t) => t.startsWith('【工单答复】')), 10_000, 'the reply in the citizen\'s conversation');
    expect(text).toContain(id);
    expect(text).toContain('城市管理和综合执法局');
    expect(text).toContain('经现场核查，井盖已于今日补装');
    expect(text).toContain('请您对办理结果进行评价');
    const activity = channel.activities.find((a) => a.conversation?.id === conv && a.text?.startsWith('【工单答复】')) as { suggestedActions?: { actions: { value: string }[] } };
    expect(activity.suggestedActions?.actions.map((a) => a.value)).toEqual(['满意', '基本满意', '不满意']);
    await waitFor(async () => (await s.store.getTicket(id))!.history.some((e) => e.action === 'citizen-notified' && e.data?.key === 'reply-1'), 5000, 'delivery recorded');
    await new Promise((r) => setTimeout(r, 500));
    expect(channel.texts(conv).filter((t) => t.startsWith('【工单答复】'))).toHaveLength(1);

    const closed = await um.post(`/tickets/${id}/close`, { reason: '已答复市民' });
    expect(closed.status).toBe(200);
    expect(closed.body.state).toBe('closed');
    expect((await um.get('/tickets?view=done')).body.items.map((t: { id: string }) => t.id)).toContain(id);
    // The citizen is told it is closed, in the same conversation, once.
    const news = await waitFor(() => channel.texts(conv).find((t) => t.includes(`您的工单 ${id} 已办结`)), 10_000, 'the closing in the citizen\'s conversation');
    expect(news).toMatch(/^【工单进展】/);
    // Told in order: where it went, the answer, the closing.
    const order = channel.texts(conv).map((t) => (t.startsWith('【工单答复】') ? 'replied' : t.includes('已办结') ? 'closed' : t.includes('已转交') ? 'dispatched' : 'other'));
    expect(order.filter((x) => x !== 'other').slice(-2)).toEqual(['replied', 'closed']);
  });

  it('keeps an answer the channel refused and shows it the next time the citizen writes in that conversation', async () => {
    // A channel that refuses the bot's proactive message (the conversation is closed to the bot).
    const refusing = express();
    refusing.post('/v3/conversations/:id/activities', (_req, res) => void res.status(403).json({ error: { code: 'BotNotInConversationRoster', message: 'gone' } }));
    const server = await new Promise<Server>((resolve) => {
      const srv = refusing.listen(0, '127.0.0.1', () => resolve(srv));
    });
    const refusingUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { id, conv } = await ticketFor('urban-management', '小区北门的路灯坏了半个月', '投诉', undefined, refusingUrl);
    const um = await as('um');
    await um.post(`/tickets/${id}/acknowledge`, {});
    expect((await um.post(`/tickets/${id}/reply`, { text: '路灯已修复。' })).status).toBe(200);
    await waitFor(async () => (await s.redis.hexists(`${s.config.queuePrefix}:undelivered:${conv}`, `${id}|reply-1`)) === 1, 10_000, 'the undelivered answer to be kept');
    server.close();

    // The citizen writes again in the same conversation (through a channel that works): the answer comes first.
    await fetch(`${web.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', id: crypto.randomUUID(), channelId: 'emulator', serviceUrl: channel.url, conversation: { id: conv }, from: { id: 'citizen-1' }, recipient: { id: 'hotline-bot' }, locale: 'zh-CN', text: '你好' }),
    });
    const texts = await waitFor(() => (channel.texts(conv).length >= 2 ? channel.texts(conv) : undefined), 10_000, 'replies');
    const answer = texts.find((t) => t.startsWith('【工单答复】'));
    expect(answer).toContain('路灯已修复。');
    const history = (await s.store.getTicket(id))!.history.filter((e) => e.action === 'citizen-notified' && e.data?.key === 'reply-1');
    expect(history).toHaveLength(1);
    expect(history[0].data?.how).toBe('next-message');
    expect(await s.redis.hlen(`${s.config.queuePrefix}:undelivered:${conv}`)).toBe(0);
  });

  it('takes the citizen\'s rating in the same conversation: satisfied and solved closes, unsatisfied reopens with a new deadline', async () => {
    const say = async (conv: string, text: string) => {
      const seen = channel.texts(conv).length;
      const res = await fetch(`${web.url}/api/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'message', id: crypto.randomUUID(), channelId: 'emulator', serviceUrl: channel.url, conversation: { id: conv }, from: { id: 'citizen-1' }, recipient: { id: 'hotline-bot' }, locale: 'zh-CN', text }),
      });
      expect(res.status).toBe(200);
      return channel.texts(conv).slice(seen);
    };
    const um = await as('um');
    const answered = async (description: string) => {
      const t = await ticketFor('urban-management', description);
      await um.post(`/tickets/${t.id}/acknowledge`, {});
      await um.post(`/tickets/${t.id}/reply`, { text: '已安排处理。' });
      await waitFor(() => channel.texts(t.conv).some((x) => x.startsWith('【工单答复】')), 10_000, 'the answer');
      await waitFor(async () => (await s.redis.hexists(`${s.config.queuePrefix}:awaiting-rating:${t.conv}`, t.id)) === 1, 5000, 'awaiting rating');
      return t;
    };

    const a = await answered('公园里的长椅坏了好几张');
    expect(await say(a.conv, '满意')).toEqual(['您反映的问题解决了吗？']);
    expect(await say(a.conv, '不知道')).toEqual(['请回复“已解决”或“未解决”。']);
    expect(await say(a.conv, '已解决')).toEqual(['还有什么意见或建议想告诉我们吗？没有请回复“没有”。']);
    expect(await say(a.conv, '处理得很快，谢谢')).toEqual([`感谢您的评价！工单 ${a.id} 已办结。`]);
    const closed = (await s.store.getTicket(a.id))!;
    expect(closed).toMatchObject({ state: 'closed', closure: 'rated' });
    expect(closed.ratings).toEqual([expect.objectContaining({ satisfaction: '满意', solved: true, comment: '处理得很快，谢谢' })]);
    expect(await say(a.conv, '满意')).toEqual(['目前没有需要您评价的工单。如需反映新的问题，请直接描述。']);

    const b = await answered('小区门口的垃圾站一直很臭');
    await say(b.conv, '不满意');
    await say(b.conv, '没解决');
    const reply = (await say(b.conv, '没有'))[0];
    expect(reply).toMatch(new RegExp(`^感谢您的反馈。工单 ${b.id} 已重新交办（重办），承办单位将在 .+ 前再次答复您。$`));
    const reopened = (await s.store.getTicket(b.id))!;
    expect(reopened).toMatchObject({ state: 'dispatched', reopened: 1 });
    expect(reopened.ratings).toEqual([expect.objectContaining({ satisfaction: '不满意', solved: false })]);
    expect((await um.get('/tickets')).body.items.map((t: { id: string }) => t.id)).toContain(b.id);
  });

  it('reminds a citizen who has not rated once, the next working day, then closes the ticket as unrated', async () => {
    const um = await as('um');
    const t = await ticketFor('urban-management', '街心花园的喷泉一直不关，浪费水');
    await um.post(`/tickets/${t.id}/acknowledge`, {});
    await um.post(`/tickets/${t.id}/reply`, { text: '已通知养护单位调整喷泉开放时间。' });
    const ratingQueue = s.queues.get(QUEUE.rating);
    const remind = await waitFor(() => ratingQueue.getJob(`rating-remind-${t.id}-1`), 10_000, 'the reminder to be scheduled');
    const due = remind.timestamp + (remind.opts.delay ?? 0);
    // Due at 10:00 the next working day (BullMQ stamps the job a millisecond or so after the delay was computed).
    expect(Math.abs(due - nextWorkingDayAt(new Date(remind.timestamp), s.calendar, '10:00').getTime())).toBeLessThan(1000);
    expect(await remind.getState()).toBe('delayed');

    // The delayed steps, run now as the worker runs them when they are due (twice: a retry changes nothing).
    const deps = { store: s.store, queues: s.queues, catalogue: s.catalogue, limits: s.limits, calendar: s.calendar, ratingQueue };
    expect(await runRatingStep({ ticketId: t.id, reply: 1, step: 'remind' }, deps)).toBe('reminded');
    expect(await runRatingStep({ ticketId: t.id, reply: 1, step: 'remind' }, deps)).toBe('reminded');
    await waitFor(() => channel.texts(t.conv).some((x) => x.startsWith('【评价提醒】')), 10_000, 'the reminder');
    await new Promise((r) => setTimeout(r, 500));
    expect(channel.texts(t.conv).filter((x) => x.startsWith('【评价提醒】'))).toHaveLength(1);
    expect(await (await ratingQueue.getJob(`rating-close-${t.id}-1`))?.getState()).toBe('delayed');
    expect(await runRatingStep({ ticketId: t.id, reply: 1, step: 'close' }, deps)).toBe('closed');
    expect(await s.store.getTicket(t.id)).toMatchObject({ state: 'closed', closure: 'unrated' });
    expect(await runRatingStep({ ticketId: t.id, reply: 1, step: 'close' }, deps)).toBe('nothing');
  });

  it('answers a status query in the chat to whoever gives the ticket number and the phone\'s last four digits (or the query code), and throttles guessing', async () => {
    const say = async (conv: string, text: string) => {
      const seen = channel.texts(conv).length;
      const res = await fetch(`${web.url}/api/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'message', id: crypto.randomUUID(), channelId: 'emulator', serviceUrl: channel.url, conversation: { id: conv }, from: { id: 'citizen-2' }, recipient: { id: 'hotline-bot' }, locale: 'zh-CN', text }),
      });
      expect(res.status).toBe(200);
      return channel.texts(conv).slice(seen);
    };
    const t = await ticketFor('urban-management', '菜市场门口的排水沟堵了，污水漫到路上', '投诉', '13800001234');
    const um = await as('um');
    await um.post(`/tickets/${t.id}/acknowledge`, {});
    await um.post(`/tickets/${t.id}/reply`, { text: '排水沟已疏通。' });

    const conv = 'status-' + crypto.randomUUID();
    expect(await say(conv, '我想查询一下我的工单进度')).toEqual(['请告诉我您要查询的工单号（10 位数字，受理时发给您的）。']);
    expect(await say(conv, t.id)).toEqual(['为保护您的信息，请输入您登记的手机号码后四位；匿名反映的请输入查询码。']);
    const answer = (await say(conv, '1234'))[0];
    expect(answer).toContain(`【工单进度】工单号：${t.id}`);
    expect(answer).toContain('状态：已答复');
    expect(answer).toContain('城市管理和综合执法局答复：排水沟已疏通。');
    expect(answer).not.toContain('13800001234');

    // A wrong proof and a number that does not exist get the same answer; five failures and the conversation waits.
    const guesser = 'guess-' + crypto.randomUUID();
    await say(guesser, t.id);
    expect(await say(guesser, '9999')).toEqual(['工单号或验证信息不正确，请核对后再试。']);
    await say(guesser, '2601019999');
    expect(await say(guesser, '1234')).toEqual(['工单号或验证信息不正确，请核对后再试。']);
    for (let i = 0; i < 3; i++) {
      await say(guesser, t.id);
      await say(guesser, String(1000 + i));
    }
    await say(guesser, t.id);
    expect((await say(guesser, '1234'))[0]).toMatch(/^查询失败次数过多，为保护信息安全，请 \d+ 分钟后再试。$/);

    // Anonymous filing: the query code given at receipt.
    const conv2 = 'anon-' + crypto.randomUUID();
    const receipt = await submitTicket(
      { intakeKey: crypto.randomUUID(), description: '有人在河边偷倒垃圾', location: '滨河路', type: '举报', proposedType: '举报', urgent: false, enterprise: false, channel: { channelId: 'emulator', reference: { channelId: 'emulator', serviceUrl: channel.url, conversation: { id: conv2 } } } },
      { store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar },
      s.secret,
    );
    expect(receipt.queryCode).toMatch(/^[A-Z2-9]{6}$/);
    await say(conv2, receipt.ticket.id);
    // (The routed notice may arrive in the same conversation meanwhile.)
    expect((await say(conv2, receipt.queryCode!.toLowerCase())).find((x) => x.startsWith('【工单进度】'))).toContain(`工单号：${receipt.ticket.id}`);
  });

  it('refuses bad input with a Chinese message: unknown fields, MongoDB operators, wrong types, bad dates, unknown units', async () => {
    const { id } = await ticketFor('urban-management', '广场上的路灯一排都不亮');
    const um = await as('um');
    await um.post(`/tickets/${id}/acknowledge`, {});
    expect(await um.post(`/tickets/${id}/reply`, { text: '好', extra: 1 })).toMatchObject({ status: 400, body: { code: 'invalid-input', message: '请求中含有不认识的字段：extra。' } });
    expect(await um.post(`/tickets/${id}/reply`, { text: { $gt: '' } })).toMatchObject({ status: 400, body: { code: 'invalid-input' } });
    expect(await um.post(`/tickets/${id}/reply`, { $where: 'sleep(1000)' })).toMatchObject({ status: 400, body: { message: '请求中含有不允许的字段。' } });
    expect(await um.post(`/tickets/${id}/reply`, { text: '   ' })).toMatchObject({ status: 400, body: { message: '请填写答复内容。' } });
    expect(await um.post(`/tickets/${id}/request-extension`, { until: '12/31', reason: '需要协调' })).toMatchObject({ status: 400, body: { message: '日期格式不正确，请填写如 2026-12-31 的日期。' } });
    expect(await um.post(`/tickets/${id}/return`, { reason: '不归我们管', suggested: 'no-such-unit' })).toMatchObject({ status: 400, body: { code: 'unknown-department' } });
    expect((await um.post(`/tickets/${id}/fly`, {})).status).toBe(404);
    expect((await um.request('POST', `/api/console/tickets/${id}/reply`, '{"text": "x"', { 'X-CSRF-Token': um.csrf })).status).toBe(400);
    expect(await um.get('/tickets/abc')).toMatchObject({ status: 400, body: { message: '工单号应为 10–12 位数字。' } });
  });

  it('refuses what the role may not do: an agent cannot dispatch, merge or supervise', async () => {
    const { id } = await ticketFor('urban-management', '街边的垃圾桶满了好几天没人清');
    const um = await as('um');
    expect((await um.post(`/tickets/${id}/dispatch`, { lead: 'water-supply' })).status).toBe(403);
    expect((await um.post(`/tickets/${id}/supervise`, { note: '快办' })).status).toBe(403);
    expect((await um.get('/accounts')).status).toBe(403);
    expect((await um.get('/audit')).status).toBe(403);
  });
});

describe('the dispatch centre and supervision', () => {
  it('returned tickets come to the dispatcher\'s queue; re-dispatch to a lead and a supporting unit; both see it', async () => {
    const { id } = await ticketFor('urban-management', '小区里自来水管爆了，水一直往外冒');
    const um = await as('um');
    const ret = await um.post(`/tickets/${id}/return`, { reason: '不属于本单位职责，属供水', suggested: 'water-supply' });
    expect(ret.status).toBe(200);
    expect((await um.get('/tickets/' + id)).status).toBe(404);
    const disp = await as('disp');
    const queue = (await disp.get('/tickets')).body.items;
    expect(queue.find((t: { id: string }) => t.id === id)).toMatchObject({ state: 'returned', queue: 'dispatch-centre' });
    const detail = (await disp.get('/tickets/' + id)).body;
    expect(detail.history.find((h: { action: string }) => h.action === 'returned').detail).toBe('建议改派：供水公司（水务局）');
    const r = await disp.post(`/tickets/${id}/dispatch`, { lead: 'water-supply', supports: ['housing-construction'], reason: '按退单建议改派' });
    expect(r.status).toBe(200);
    expect(r.body.assignments.filter((a: { state: string }) => a.state !== 'returned' && a.state !== 'withdrawn').map((a: { department: string; role: string }) => [a.department, a.role])).toEqual([
      ['water-supply', 'lead'],
      ['housing-construction', 'support'],
    ]);
    const ws = await as('ws');
    expect((await ws.get('/tickets')).body.items.map((t: { id: string }) => t.id)).toContain(id);
    expect((await s.store.listCorrections()).some((c) => c.ticketId === id && c.department === 'water-supply')).toBe(true);
  });

  it('approves an extension request, merges a duplicate, and puts a ticket on hold and back', async () => {
    const { id } = await ticketFor('water-supply', '我们楼停水两天了也没通知');
    const ws = await as('ws');
    await ws.post(`/tickets/${id}/acknowledge`, {});
    const until = new Date(Date.now() + 40 * 86400_000).toISOString().slice(0, 10);
    expect((await ws.post(`/tickets/${id}/request-extension`, { until, reason: '需要更换主管道，工期较长' })).status).toBe(200);
    const disp = await as('disp');
    expect((await disp.get('/tickets?view=extensions')).body.items.map((t: { id: string }) => t.id)).toContain(id);
    const decided = await disp.post(`/tickets/${id}/decide-extension`, { approve: true, reason: '同意' });
    expect(decided.status).toBe(200);
    expect(decided.body.extensions[0].status).toBe('approved');
    expect(decided.body.assignments[0].deadlines.reply.slice(0, 10)).toBe(until);

    const hold = await disp.post(`/tickets/${id}/wait`, { reason: '等待市民提供具体楼号' });
    expect(hold.body.waiting).toBe(true);
    expect(hold.body.due.light).toBe('paused');
    expect((await disp.post(`/tickets/${id}/resume`, {})).body.waiting).toBe(false);

    const dup = await ticketFor('water-supply', '我们楼停水两天了，物业说不知道');
    const merged = await disp.post(`/tickets/${dup.id}/merge`, { into: id });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ state: 'merged', mergedInto: id });
    expect((await disp.get('/tickets/' + id)).body.mergedFrom).toEqual([dup.id]);
    expect((await disp.post(`/tickets/${dup.id}/merge`, { into: dup.id })).status).toBe(409);
    // The repeat's citizen is told of the merge, and gets the answer of the ticket that stays (every reporter does).
    await waitFor(() => channel.texts(dup.conv).find((t) => t.includes('合并办理')), 10_000, 'the merge in the repeat\'s conversation');
    expect((await ws.post(`/tickets/${id}/reply`, { text: '主管道已更换完毕，今晚八点恢复供水。' })).status).toBe(200);
    const answer = await waitFor(() => channel.texts(dup.conv).find((t) => t.startsWith('【工单答复】')), 10_000, 'the answer in the repeat\'s conversation');
    expect(answer).toContain(`工单 ${dup.id}`);
    expect(answer).toContain('主管道已更换完毕');
  });

  it('shows supervisors the overdue tickets; a 督办 note reaches the unit', async () => {
    const { id } = await ticketFor('urban-management', '工地夜间施工噪音太大，凌晨两点还在打桩');
    const stored = (await s.store.getTicket(id))!;
    const past = '2026-01-05T17:30:00+08:00';
    const assignments = stored.assignments!.map((a) => ({ ...a, deadlines: { ...a.deadlines, ack: past, reply: past, startedAt: '2026-01-04T09:00:00+08:00' } }));
    await s.store.updateTicket(id, stored.version, { assignments }, { at: new Date().toISOString(), actor: { id: 'test', role: 'system' }, action: 'test-moved-deadlines' });
    const sup = await as('sup');
    const overdue = (await sup.get('/tickets?view=overdue')).body.items.find((t: { id: string }) => t.id === id);
    expect(overdue.due).toMatchObject({ light: 'red', kind: 'ack' });
    expect(overdue.due.workingMinutesLeft).toBeLessThan(0);
    expect((await sup.post(`/tickets/${id}/supervise`, { note: '请今日内签收并联系市民' })).status).toBe(200);
    const um = await as('um');
    const notes = (await um.get('/notifications')).body.items;
    expect(notes.some((n: { ticketId: string; text: string }) => n.ticketId === id && n.text.includes('请今日内签收并联系市民'))).toBe(true);
    expect((await um.get('/tickets/' + id)).body.history.some((h: { actionName: string; reason?: string }) => h.actionName === '督办意见' && h.reason === '请今日内签收并联系市民')).toBe(true);
  });

  it('streams new tickets to the consoles of the units concerned only', async () => {
    const um = await as('um');
    const ws = await as('ws');
    const listen = (c: ConsoleClient) => {
      const controller = new AbortController();
      const seen: string[] = [];
      void fetch(web.url + '/api/console/events', { headers: { Cookie: c.cookieValue }, signal: controller.signal })
        .then(async (res) => {
          const reader = res.body!.getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            seen.push(new TextDecoder().decode(value));
          }
        })
        .catch(() => undefined);
      return { seen, stop: () => controller.abort() };
    };
    const a = listen(um);
    const b = listen(ws);
    await new Promise((r) => setTimeout(r, 300));
    const { id } = await ticketFor('urban-management', '人行道上的地砖翘起来好几块，老人容易绊倒');
    await waitFor(() => a.seen.join('').includes(id), 5000, 'the event on the urban-management console');
    await new Promise((r) => setTimeout(r, 300));
    expect(b.seen.join('')).not.toContain(id);
    a.stop();
    b.stop();
  });
});

describe('administration', () => {
  it('creates accounts (strong password, unique name, agents with a unit), disables them, and keeps an audit log', async () => {
    const admin = await as('admin');
    expect(await admin.post('/accounts', { username: 'new.agent', displayName: '王五', role: 'agent', department: 'heating', password: 'short' })).toMatchObject({ status: 400, body: { code: 'weak-password' } });
    expect(await admin.post('/accounts', { username: 'new.agent', displayName: '王五', role: 'agent', password: PASSWORD })).toMatchObject({ status: 400, body: { code: 'department-required' } });
    const created = await admin.post('/accounts', { username: 'new.agent', displayName: '王五', role: 'agent', department: 'heating', password: PASSWORD });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'new.agent', mustChangePassword: true });
    expect((await admin.post('/accounts', { username: 'new.agent', displayName: '重名', role: 'dispatcher', password: PASSWORD })).status).toBe(409);
    const person = await as('new.agent');
    expect((await person.get('/session')).body.account.mustChangePassword).toBe(true);
    expect((await person.post('/session/password', { currentPassword: PASSWORD, newPassword: 'aaaaaaaaaaaa' })).body.code).toBe('weak-password');
    expect((await admin.patch('/accounts/' + created.body.id, { disabled: true })).status).toBe(200);
    expect((await person.get('/session')).status).toBe(401);
    expect(await new ConsoleClient(web.url).login('new.agent', PASSWORD)).toMatchObject({ status: 403, body: { code: 'account-disabled' } });
    const actions = (await admin.get('/audit?limit=500')).body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['account.create', 'account.update', 'login', 'login-disabled']));
  });

  it('serves the queue dashboard to administrators only', async () => {
    const admin = await as('admin');
    const board = await admin.request('GET', '/console/queues');
    expect(board.status).toBe(200);
    expect(String(board.body)).toContain('<div id="root">');
    const um = await as('um');
    const refused = await um.request('GET', '/console/queues');
    expect(refused.status).toBe(302);
    expect((await new ConsoleClient(web.url).request('GET', '/console/queues/api/queues')).status).toBe(302);
  });

  it('documents the API as OpenAPI 3.1, every action with its request schema', async () => {
    const doc = (await new ConsoleClient(web.url).request('GET', '/api/console/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const action of ['acknowledge', 'reply', 'request-extension', 'return', 'close', 'dispatch', 'merge', 'decide-extension', 'wait', 'resume', 'supervise']) {
      const op = doc.paths[`/api/console/tickets/{id}/${action}`].post;
      expect(op.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    }
    expect(doc.components.schemas.TicketDetail.properties.citizen).toBeDefined();
  });

  it('lets an administrator edit the catalogue and the time limits; every part sees the change, a stale edit is refused', async () => {
    const admin = await as('admin');
    const cat = (await admin.get('/catalogue')).body;
    expect(cat.settingVersion).toBe(0);
    const heating = cat.departments.find((d: { code: string }) => d.code === 'heating');
    expect((await (await as('disp')).request('PUT', '/api/console/catalogue/heating', { name: 'x', scope: [], expectedVersion: 0 })).status).toBe(403);
    const renamed = await admin.request('PUT', '/api/console/catalogue/heating', { name: '热力公司（供热办）', scope: [...heating.scope, '换热站噪音'], expectedVersion: 0 });
    expect(renamed.status).toBe(200);
    expect(s.catalogue.nameOf('heating')).toBe('热力公司（供热办）');
    expect((await admin.request('PUT', '/api/console/catalogue/heating', { name: '旧页面', scope: [], expectedVersion: 0 })).body).toMatchObject({ code: 'conflict', message: '派单目录刚刚被他人修改，请刷新后再试。' });
    expect((await admin.request('PUT', '/api/console/catalogue/dispatch-centre', { name: '派单', scope: [], expectedVersion: 1 })).status).toBe(400);
    const added = await admin.request('PUT', '/api/console/catalogue/sports-bureau', { name: '体育局', scope: ['健身设施', '体育场馆开放'], expectedVersion: 1 });
    expect(added.body).toMatchObject({ added: true });
    expect((await admin.get('/catalogue')).body).toMatchObject({ settingVersion: 2, updatedBy: 'admin' });
    // The new unit can be dispatched to at once.
    const { id } = await ticketFor('sports-bureau', '小区健身器材坏了好几个月没人修');
    expect((await admin.get('/tickets/' + id)).body.lead).toEqual({ department: 'sports-bureau', name: '体育局' });

    const original = (await admin.get('/time-limits')).body;
    const bad = await admin.request('PUT', '/api/console/time-limits', { limits: { ...original.limits, warningAt: 2 }, expectedVersion: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^办理时限设置不正确：“warningAt”/);
    const longer = JSON.parse(JSON.stringify(original.limits));
    longer.types['投诉'].reply = { workingDays: 20 };
    expect((await admin.request('PUT', '/api/console/time-limits', { limits: longer, expectedVersion: 0 })).status).toBe(200);
    expect(s.limits.types['投诉'].reply).toEqual({ workingDays: 20 });
    const t = await fileTicket('楼道里的声控灯坏了');
    const stored = (await s.store.getTicket(t.id))!;
    expect(stored.deadlines.reply > new Date(Date.now() + 25 * 86400_000).toISOString()).toBe(true);
    expect((await admin.request('PUT', '/api/console/time-limits', { limits: original.limits, expectedVersion: 1 })).status).toBe(200);
    expect(s.limits.types['投诉'].reply).toEqual(original.limits.types['投诉'].reply);
    const actions = (await admin.get('/audit?limit=500')).body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['settings.catalogue.update', 'settings.catalogue.add', 'settings.time-limits']));
  });
});

describe('the knowledge base in the console', () => {
  it('administrators add, edit, publish and retire entries; the bot uses published, valid ones at once; a stale edit is refused', async () => {
    const admin = await as('admin');
    const question = '城市书房晚上几点关门，周末开不开';
    expect(s.knowledge.base.match(question)).toBeNull();
    const created = await admin.post('/knowledge', { department: 'culture-tourism', questions: [question, '城市书房开放时间'], answer: '本市城市书房每天9:00—21:00开放，周末和节假日照常开放，凭身份证或读者证免费入馆。', validUntil: '2099-12-31' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(s.knowledge.base.match(question)?.entry.id).toBe(id);
    const edited = await admin.put(`/knowledge/${id}`, { answer: '本市城市书房每天9:00—22:00开放，周末和节假日照常开放。', expectedVersion: 1 });
    expect(edited.status).toBe(200);
    expect(edited.body.version).toBe(2);
    const stale = await admin.put(`/knowledge/${id}`, { status: 'retired', expectedVersion: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toMatch(/刷新/);
    expect(s.knowledge.base.match(question)?.entry.answer).toContain('22:00');
    expect((await admin.put(`/knowledge/${id}`, { status: 'retired', expectedVersion: 2 })).status).toBe(200);
    expect(s.knowledge.base.match(question)).toBeNull();
    // Kept in the store: another process (or a restart) reads the same entries.
    const saved = await s.store.getSetting<{ entries: { id: string; status: string }[] }>('knowledge');
    expect(saved!.value.entries.find((e) => e.id === id)?.status).toBe('retired');
    expect((await admin.post('/knowledge', { department: 'no-such-unit', questions: ['x问题'], answer: '一个足够长的答复内容。', validUntil: '2099-12-31' })).status).toBe(400);
    expect((await admin.post('/knowledge', { department: 'culture-tourism', questions: ['问题'], answer: '一个足够长的答复内容。', validUntil: '2099-12-31', $where: '1' })).status).toBe(400);
    const agent = await as('um');
    expect((await agent.post('/knowledge', { department: 'urban-management', questions: ['问题'], answer: '一个足够长的答复内容。', validUntil: '2099-12-31' })).status).toBe(403);
  });

  it('an agent turns its unit\'s answer into a proposed entry (citizen\'s words masked) that the bot uses once an administrator publishes it', async () => {
    const t = await ticketFor('urban-management', '请问小区门口的共享单车乱停乱放归谁管，我电话13912345678', '咨询');
    const um = await as('um');
    await um.post(`/tickets/${t.id}/acknowledge`);
    await um.post(`/tickets/${t.id}/reply`, { text: '小区门口道路上的共享单车乱停放，由城市管理部门督促运营企业清理，您也可以拨打运营企业客服电话要求调度。' });
    const ws = await as('ws');
    expect((await ws.post(`/tickets/${t.id}/knowledge`, { reply: 1, validUntil: '2099-12-31' })).status).toBe(404);
    const proposed = await um.post(`/tickets/${t.id}/knowledge`, { reply: 1, questions: ['共享单车乱停放找谁'], validUntil: '2099-12-31' });
    expect(proposed.status).toBe(201);
    expect(proposed.body).toMatchObject({ status: 'draft', department: 'urban-management', source: { ticketId: t.id, reply: 1 } });
    expect(proposed.body.questions.join()).toContain('139****5678');
    expect(proposed.body.questions.join()).not.toContain('13912345678');
    // The same proposal sent twice is one entry.
    expect((await um.post(`/tickets/${t.id}/knowledge`, { reply: 1, validUntil: '2099-12-31' })).body.id).toBe(proposed.body.id);
    expect(s.knowledge.base.match('共享单车乱停放找谁')).toBeNull();
    const admin = await as('admin');
    const drafts = await admin.get('/knowledge?status=draft');
    expect(drafts.body.items.map((e: { id: string }) => e.id)).toContain(proposed.body.id);
    expect((await admin.put(`/knowledge/${proposed.body.id}`, { status: 'published', expectedVersion: 1 })).status).toBe(200);
    expect(s.knowledge.base.match('共享单车乱停放找谁')?.entry.id).toBe(proposed.body.id);
    const search = await um.get('/knowledge?q=' + encodeURIComponent('共享单车乱停放'));
    expect(search.body.items[0].id).toBe(proposed.body.id);
  });
});
