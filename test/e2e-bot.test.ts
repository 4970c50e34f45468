import * as crypto from 'node:crypto';
import type { Services } from '../bot/services';
import { startWebServer, type WebServer } from '../bot/web-server';
import { T } from '../dialogs/texts';
import { startWorkers, type RunningWorkers } from '../workers/start-workers';
import { CaptureChannel } from './helpers/capture-channel';
import { openTestServices, waitFor } from './helpers/harness';

let s: Services;
let web: WebServer;
let workers: RunningWorkers;
let channel: CaptureChannel;

beforeAll(async () => {
  s = await openTestServices('e2e');
  workers = await startWorkers(s);
  web = await startWebServer(s, { port: 0, host: '127.0.0.1' });
  channel = await new CaptureChannel().start();
});
afterAll(async () => {
  await web.close();
  await workers.close();
  await channel.stop();
  await s.close();
});

/** Posts a message as the Emulator does and returns the texts the bot replied to it. */
async function say(conversationId: string, text: unknown, expectStatus = 200): Promise<string[]> {
  const seen = channel.texts(conversationId).length;
  const res = await fetch(`${web.url}/api/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      type: 'message',
      id: crypto.randomUUID(),
      channelId: 'emulator',
      serviceUrl: channel.url,
      conversation: { id: conversationId },
      from: { id: 'citizen-1', name: '市民', role: 'user' },
      recipient: { id: 'hotline-bot', role: 'bot' },
      locale: 'zh-CN',
      text,
    }),
  });
  expect(res.status).toBe(expectStatus);
  return channel.texts(conversationId).slice(seen);
}

describe('end to end over the Bot Framework protocol', () => {
  it('follows a complaint from the first message to a stored, classified, queued ticket, and tells the citizen where it went', async () => {
    const conv = 'e2e-' + crypto.randomUUID();
    expect(await say(conv, '楼下烧烤店油烟太大，晚上十点还在烤')).toEqual([T.askLocation]);
    expect(await say(conv, '幸福路88号')).toEqual([T.askContact]);
    expect((await say(conv, '13812345678'))[0]).toMatch(/这件事属于/);
    const summary = await say(conv, '是');
    expect(summary[0]).toContain('联系方式：138****5678');
    const receipt = (await say(conv, '确认提交'))[0];
    const id = /工单号：(\d{10})/.exec(receipt)![1];

    const stored = await s.store.getTicket(id);
    expect(stored).toMatchObject({ id, description: '楼下烧烤店油烟太大，晚上十点还在烤', location: '幸福路88号', citizen: { phone: '13812345678' } });
    expect(stored!.channel.reference).toMatchObject({ serviceUrl: channel.url, conversation: { id: conv } });

    const routed = await waitFor(async () => {
      const t = await s.store.getTicket(id);
      return t?.state === 'dispatched' ? t : undefined;
    }, 10_000, 'the intake worker to route the ticket');
    expect(routed.routing!.confidence).toBeGreaterThan(0);
    const deptJob = await s.queues.department(routed.routing!.queue).getJob(`ticket-${id}`);
    expect(deptJob?.data.ticketId).toBe(id);

    const news = await waitFor(() => channel.texts(conv).find((t) => t.startsWith('【工单进展】')), 10_000, 'the routed message');
    const unit = routed.routing!.department ? s.catalogue.nameOf(routed.routing!.department) : null;
    expect(news).toContain(id);
    expect(news).toContain(unit ? `已转交“${unit}”办理` : '由12345中心人工派单');
    await waitFor(async () => (await s.store.getTicket(id))!.history.some((e) => e.action === 'citizen-notified'), 5000, 'notification recorded');
  });

  it('runs an activity the channel delivers twice (a retry, even at the same moment) once: one ticket, one receipt', async () => {
    const conv = 'dup-' + crypto.randomUUID();
    for (const t of ['小区门口的路灯坏了一个多星期', '建设路12号', '13812345678', '是']) await say(conv, t);
    const activity = { type: 'message', id: 'confirm-' + crypto.randomUUID(), channelId: 'emulator', serviceUrl: channel.url, conversation: { id: conv }, from: { id: 'citizen-1' }, recipient: { id: 'hotline-bot' }, locale: 'zh-CN', text: '确认提交' };
    const seen = channel.texts(conv).length;
    const post = () => fetch(`${web.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(activity) });
    const statuses = (await Promise.all([post(), post()])).map((r) => r.status);
    expect(statuses.every((x) => x === 200 || x === 201)).toBe(true);
    expect((await post()).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const replies = channel.texts(conv).slice(seen);
    expect(replies.filter((t) => /工单号：\d{10}/.test(t))).toHaveLength(1);
    expect(replies.filter((t) => t === T.turnError)).toEqual([]);
    const tickets = (await s.store.listTickets({ limit: 100_000 })).filter((t) => (t.channel.reference as { conversation?: { id: string } }).conversation?.id === conv);
    expect(tickets).toHaveLength(1);
  });

  it('answers bad input politely and never fails the turn', async () => {
    const conv = 'bad-' + crypto.randomUUID();
    const cases: [unknown, RegExp][] = [
      ['', /没有收到内容/],
      ['   \n\t ', /没有收到内容/],
      ['😀🎉👍', /没能看懂/],
      ['油烟'.repeat(10_000), /内容太长了/],
      ['\u0001\u0002\u0003', /没有收到内容/],
      ['<script>alert("x")</script><img src=x onerror=alert(1)>', /./],
    ];
    for (const [text, expected] of cases) {
      const replies = await say(conv, text);
      expect(replies.length).toBeGreaterThan(0);
      expect(replies[0]).toMatch(expected);
      expect(replies.join('')).not.toContain(T.turnError);
    }
  });

  it('refuses malformed activities with a 4xx', async () => {
    const post = (body: string) => fetch(`${web.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    expect((await post('{not json')).status).toBe(400);
    expect((await post('[]')).status).toBe(400);
    expect((await post('{}')).status).toBe(400);
    expect((await post(JSON.stringify({ type: 'message', text: 'hi' }))).status).toBe(400);
    expect((await post(JSON.stringify({ type: 'message', channelId: 'x', serviceUrl: 'not a url', conversation: { id: 'c' }, from: { id: 'u' } }))).status).toBe(400);
    expect((await post(JSON.stringify({ type: 5, channelId: 'x', serviceUrl: channel.url, conversation: { id: 'c' }, from: { id: 'u' } }))).status).toBe(400);
    const huge = await post(JSON.stringify({ type: 'message', text: 'x'.repeat(2_000_000) }));
    expect(huge.status).toBe(413);
    expect((await huge.json()).error.message).toBe('内容过大，请精简后再发送。');
  });
});

describe('with a Bot Framework app id configured', () => {
  let authed: Services;
  let server: WebServer;
  beforeAll(async () => {
    authed = await openTestServices('e2e-auth');
    authed.config = { ...authed.config, bot: { appId: '00000000-0000-0000-0000-000000000001', appPassword: 'not-a-real-password', appType: 'MultiTenant' } };
    server = await startWebServer(authed, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server.close();
    await authed.close();
  });

  it('refuses activities without a valid token', async () => {
    const activity = { type: 'message', id: '1', channelId: 'emulator', serviceUrl: channel.url, conversation: { id: 'c' }, from: { id: 'u' }, text: '你好' };
    const noToken = await fetch(`${server.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(activity) });
    expect(noToken.status).toBe(401);
    const forged = await fetch(`${server.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' },
      body: JSON.stringify(activity),
    });
    expect(forged.status).toBe(401);
    expect(channel.texts('c')).toEqual([]);
  });
});

describe('the built-in Direct Line endpoint', () => {
  const api = (path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${web.url}${path}`, {
      ...init,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) },
    });

  it('greets a new conversation, takes messages and serves the bot replies by watermark', async () => {
    const { token, conversationId } = await (await api('/api/chat/token', undefined, { method: 'POST' })).json();
    const started = await api('/v3/directline/conversations', token, { method: 'POST' });
    expect(started.status).toBe(201);
    expect((await started.json()).conversationId).toBe(conversationId);
    const first = await (await api(`/v3/directline/conversations/${conversationId}/activities`, token)).json();
    expect(first.activities.map((a: { text?: string }) => a.text)).toEqual([T.welcome.replace(/ *\n/g, '  \n')]);

    const posted = await api(`/v3/directline/conversations/${conversationId}/activities`, token, {
      method: 'POST',
      body: JSON.stringify({ type: 'message', text: '楼下烧烤店油烟太大，晚上十点还在烤', from: { id: 'someone-else' } }),
    });
    expect(posted.status).toBe(200);
    const next = await (await api(`/v3/directline/conversations/${conversationId}/activities?watermark=${first.watermark}`, token)).json();
    const [echo, reply] = next.activities;
    expect(echo).toMatchObject({ text: '楼下烧烤店油烟太大，晚上十点还在烤', from: { role: 'user' } });
    expect(echo.from.id).not.toBe('someone-else');
    expect(reply).toMatchObject({ text: T.askLocation, from: { role: 'bot' } });
    expect(Number(next.watermark)).toBe(Number(first.watermark) + 2);
  });

  it('refuses missing, forged and other conversations\' tokens, and malformed activities', async () => {
    const a = await (await api('/api/chat/token', undefined, { method: 'POST' })).json();
    const b = await (await api('/api/chat/token', undefined, { method: 'POST' })).json();
    await api('/v3/directline/conversations', a.token, { method: 'POST' });
    expect((await api(`/v3/directline/conversations/${a.conversationId}/activities`)).status).toBe(403);
    expect((await api(`/v3/directline/conversations/${a.conversationId}/activities`, a.token + 'x')).status).toBe(403);
    expect((await api(`/v3/directline/conversations/${a.conversationId}/activities`, b.token)).status).toBe(403);
    const bad = await api(`/v3/directline/conversations/${a.conversationId}/activities`, a.token, { method: 'POST', body: JSON.stringify({ type: 'event', name: 'x' }) });
    expect(bad.status).toBe(400);
    const refreshed = await (await api('/v3/directline/tokens/refresh', a.token, { method: 'POST' })).json();
    expect(refreshed.conversationId).toBe(a.conversationId);
    expect((await api(`/v3/directline/conversations/${a.conversationId}/activities`, refreshed.token)).status).toBe(200);
  });
});
