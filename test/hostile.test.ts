import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import IORedis from 'ioredis';
import { loadConfig } from '../bot/config';
import type { Services } from '../bot/services';
import { startWebServer, type WebServer } from '../bot/web-server';
import { T } from '../dialogs/texts';
import { startWorkers, type RunningWorkers } from '../workers/start-workers';
import { CaptureChannel } from './helpers/capture-channel';
import { ConsoleClient } from './helpers/console-client';
import { copyTestModel, deletePrefix, openTestServices, tempDir, testPrefix, TEST_REDIS_URL, waitFor } from './helpers/harness';
import { ProductProcess } from './helpers/product-process';
import { httpCases, messageCases } from './testData/hostileInputs';

const PASSWORD = 'Hostile-pass-2026';

describe('hostile input (test/testData/hostileInputs.ts, every item asserted)', () => {
  let s: Services;
  let web: WebServer;
  let workers: RunningWorkers;
  let channel: CaptureChannel;
  let admin: ConsoleClient;

  beforeAll(async () => {
    s = await openTestServices('hostile', { console: { ...loadConfig({}).console, demoAccounts: false, adminUsername: 'admin', adminPassword: PASSWORD } });
    workers = await startWorkers(s);
    web = await startWebServer(s, { port: 0, host: '127.0.0.1' });
    channel = await new CaptureChannel().start();
    admin = new ConsoleClient(web.url);
    expect((await admin.login('admin', PASSWORD)).status).toBe(201);
  });
  afterAll(async () => {
    await web.close();
    await workers.close();
    await channel.stop();
    await s.close();
  });

  /** A request with its path exactly as given (fetch would normalize "..", which is what an attacker avoids). */
  function raw(method: string, path: string, body: string | undefined, headers: Record<string, string>): Promise<{ status: number; text: string }> {
    const u = new URL(web.url);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, method, path, headers: { ...headers, ...(body !== undefined ? { 'Content-Length': Buffer.byteLength(body) } : {}) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it.each(httpCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const body = c.raw ?? (c.body !== undefined ? JSON.stringify(c.body) : undefined);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = c.contentType ?? 'application/json';
    if (c.asAdmin) {
      headers.Cookie = admin.cookieValue;
      headers['X-CSRF-Token'] = admin.csrf;
    }
    const r = await raw(c.method, c.path, body, headers);
    const allowed = Array.isArray(c.status) ? c.status : [c.status];
    expect({ case: c.name, status: r.status, ok: allowed.includes(r.status) }).toEqual({ case: c.name, status: r.status, ok: true });
    // Never a stack trace or an internal error, whatever the input.
    expect(r.status).toBeLessThan(500);
    expect(r.text).not.toMatch(/at .*\.js:\d+|Error:|stack/);
    if (c.never) expect(r.text).not.toMatch(c.never);
  });

  it.each(messageCases.map((c) => [c.name, c] as const))('a message with %s is answered politely and stored clean', async (_name, c) => {
    const conv = 'hostile-' + crypto.randomUUID();
    const say = async (text: string) => {
      const seen = channel.texts(conv).length;
      const res = await fetch(`${web.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'message', id: crypto.randomUUID(), channelId: 'emulator', serviceUrl: channel.url, conversation: { id: conv }, from: { id: 'u' }, recipient: { id: 'bot' }, text }) });
      expect(res.status).toBe(200);
      return channel.texts(conv).slice(seen);
    };
    const first = await say(c.text);
    expect([T.askLocation, T.askContact]).toContain(first[0]);
    if (first[0] === T.askLocation) await say('幸福路88号');
    await say('匿名');
    const summary = (await say('是'))[0];
    // Markup typed by a citizen is shown literally, never as markup.
    expect(summary).not.toMatch(/<script|<img/);
    const receipt = (await say('确认提交'))[0];
    const id = /工单号：(\d{10})/.exec(receipt)![1];
    const stored = (await s.store.getTicket(id))!;
    if (c.storedWithout) expect(stored.description).not.toMatch(c.storedWithout);
    expect(stored.description.length).toBeGreaterThan(4);
  });

  it('gives another citizen\'s ticket number away to nobody: a wrong proof answers like a missing ticket', async () => {
    const conv = 'probe-' + crypto.randomUUID();
    const say = async (text: string) => {
      const seen = channel.texts(conv).length;
      await fetch(`${web.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'message', id: crypto.randomUUID(), channelId: 'emulator', serviceUrl: channel.url, conversation: { id: conv }, from: { id: 'u' }, recipient: { id: 'bot' }, text }) });
      return channel.texts(conv).slice(seen);
    };
    const real = (await s.store.listTickets({ limit: 1 }))[0];
    await say(real.id);
    const wrongProof = await say('0000');
    await say('2612319999');
    const missing = await say('0000');
    expect(wrongProof).toEqual(missing);
    expect(wrongProof.join()).not.toContain(real.description.slice(0, 6));
  });
});

describe('personal data never in the logs', () => {
  const dataDir = tempDir('log-pii');
  const prefix = testPrefix('log-pii');
  let product: ProductProcess;
  let channel: CaptureChannel;

  afterAll(async () => {
    await product?.stop();
    await channel?.stop();
    const redis = new IORedis(TEST_REDIS_URL);
    await deletePrefix(redis, prefix);
    redis.disconnect();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('an end-to-end run at the most verbose log level writes no phone or ID number in clear', async () => {
    copyTestModel(dataDir);
    channel = await new CaptureChannel().start();
    product = await new ProductProcess({ PORT: '0', DATA_DIR: dataDir, QUEUE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'trace', CONSOLE_DEMO_ACCOUNTS: 'off', CONSOLE_ADMIN_PASSWORD: PASSWORD }).start();
    const PHONE = '13987654321';
    const ID = '11010519491231002X';
    const OTHER = '15912345678';
    const conv = 'pii-' + crypto.randomUUID();
    const say = (text: string) => fetch(`${product.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ type: 'message', id: crypto.randomUUID(), channelId: 'emulator', serviceUrl: channel.url, conversation: { id: conv }, from: { id: 'u' }, recipient: { id: 'bot' }, text }) });
    await say(`我叫张三，身份证${ID}，电话${OTHER}，小区门口的路灯坏了一个多星期`);
    await say('建设路12号');
    await say(PHONE);
    await say('是');
    await say('确认提交');
    await waitFor(() => channel.texts(conv).some((t) => t.startsWith('【工单进展】')), 15_000, 'routing');
    // A failed login with a phone number as the name, and a console reveal of the phone (both audited, both logged).
    const c = new ConsoleClient(product.url);
    await c.login(PHONE, 'wrong-password');
    await c.login('admin', PASSWORD);
    const ticket = (await c.get('/tickets?view=all')).body.items[0];
    await c.post(`/tickets/${ticket.id}/reveal-contact`);
    await new Promise((r) => setTimeout(r, 500));
    expect(product.output.length).toBeGreaterThan(1000);
    for (const secret of [PHONE, ID, OTHER]) expect(product.output.includes(secret)).toBe(false);
    expect(product.output).toMatch(/139\*\*\*\*4321|159\*\*\*\*5678|110105\*{8}002X/);
  }, 120_000);
});
