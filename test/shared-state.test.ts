import * as fs from 'node:fs';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { ProductProc } from '../bench/scale-out';
import { Catalogue } from '../data/catalogue';
import { ConsoleClient } from './helpers/console-client';
import { copyTestModel, deletePrefix, tempDir, testPrefix, TEST_REDIS_URL, waitFor } from './helpers/harness';
import { STREETLIGHT_COMPLAINT } from './helpers/redis-servers';

/**
 * No sticky sessions: two web processes and a worker process; a citizen's Direct Line conversation whose requests
 * alternate between the two, a console session opened on one and used on the other, and the process that started the
 * conversation killed -9 before the dispatcher acts: the citizen's news still arrives through the other one.
 */
describe('any web process serves any request', () => {
  const dir = tempDir('shared');
  const prefix = testPrefix('shared');
  const redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  let a: ProductProc;
  let b: ProductProc;
  let worker: ProductProc;
  let urlA = '';
  let urlB = '';

  beforeAll(async () => {
    copyTestModel(dir);
    const env = { DATA_DIR: dir, QUEUE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'error', CLASSIFIER_RETRAIN_CRON: 'off', REPORT_CRON: 'off', PORT: '0', OPS_PORT: '0', CONSOLE_DEMO_ACCOUNTS: 'on' };
    a = new ProductProc('web', env);
    b = new ProductProc('web', env);
    worker = new ProductProc('workers', env);
    [urlA, urlB] = await Promise.all([a.ready(), b.ready()]);
    await worker.ready();
  }, 120_000);
  afterAll(async () => {
    for (const p of [a, b, worker]) p?.kill9();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('carries a conversation and a console session across both, and delivers news after the first one is killed', async () => {
    const dl = (base: string, p: string, token: string, body?: unknown) =>
      fetch(base + p, { method: body === undefined ? 'GET' : 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    const { token, conversationId } = await (await fetch(urlA + '/api/chat/token', { method: 'POST' })).json();
    expect((await dl(urlB, '/v3/directline/conversations', token, {})).status).toBe(201);
    const botTexts = async (base: string): Promise<string[]> => {
      const r = await (await dl(base, `/v3/directline/conversations/${conversationId}/activities`, token)).json();
      // A receipt or progress message may be an Adaptive Card on this channel: its text is then in the card.
      return r.activities.filter((x: { from: { role?: string } }) => x.from.role === 'bot').map((x: { text?: string; attachments?: unknown[] }) => x.text || JSON.stringify(x.attachments ?? []));
    };
    // Each turn to the other process than the last; the confirming (last) turn to A, whose address the ticket keeps.
    const turns = STREETLIGHT_COMPLAINT.map((text, i) => ({ text, base: (STREETLIGHT_COMPLAINT.length - 1 - i) % 2 === 0 ? urlA : urlB }));
    for (const { text, base } of turns) {
      const before = (await botTexts(base)).length;
      expect((await dl(base, `/v3/directline/conversations/${conversationId}/activities`, token, { type: 'message', text })).status).toBe(200);
      // The reply is read from the other process.
      await waitFor(async () => ((await botTexts(base === urlA ? urlB : urlA)).length > before ? true : undefined), 10_000, `reply to "${text}"`);
    }
    const receipt = await waitFor(async () => (await botTexts(urlB)).find((t) => /工单号\D{0,12}\d{10,12}/.test(t)), 10_000, 'receipt');
    const ticketId = /工单号\D{0,12}(\d{10,12})/.exec(receipt)![1];
    await waitFor(async () => ((await botTexts(urlB)).some((t) => t.includes('工单进展')) ? true : undefined), 20_000, 'routing notice');

    // A console session made on A is used on B (sessions in Redis), with its CSRF token.
    const password = fs.readFileSync(path.join(dir, 'console-demo-password.txt'), 'utf8').trim();
    const onA = new ConsoleClient(urlA);
    expect((await onA.login('dispatcher', password)).status).toBe(201);
    const onB = new ConsoleClient(urlB);
    onB.cookieValue = onA.cookieValue;
    onB.csrf = onA.csrf;
    const ticket = await onB.get(`/tickets/${ticketId}`);
    expect(ticket.status).toBe(200);

    // The process that started the conversation, and whose address the ticket's conversation keeps, is gone.
    a.kill9();
    const current = ticket.body.lead?.department;
    const lead = Catalogue.load().codes().find((c) => c !== current)!;
    const noticesBefore = (await botTexts(urlB)).filter((t) => t.includes('工单进展')).length;
    const dispatched = await onB.post(`/tickets/${ticketId}/dispatch`, { lead, reason: '测试改派' });
    expect(dispatched.status).toBe(200);
    await waitFor(async () => ((await botTexts(urlB)).filter((t) => t.includes('工单进展')).length > noticesBefore ? true : undefined), 30_000, 'the dispatch notice through B');
  }, 120_000);
});
