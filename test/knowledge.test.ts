import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConversationState } from 'botbuilder';
import { DialogTestClient } from 'botbuilder-testing';
import { createIntakePort } from '../bot/intake';
import { createKnowledgePort } from '../bot/knowledge';
import type { Services } from '../bot/services';
import { Catalogue } from '../data/catalogue';
import { ENTERPRISE_CATEGORIES, loadKnowledgeFile, type KnowledgeEntry } from '../data/knowledge/entry';
import { isConsultation, MainDialog } from '../dialogs/main-dialog';
import { K, T } from '../dialogs/texts';
import { evaluateKnowledge } from '../workers/knowledge/evaluate';
import { KnowledgeBase } from '../workers/knowledge/knowledge-base';
import { openTestServices } from './helpers/harness';

/** Questions written independently of the entries: paraphrases that must find their entry, and messages that must not be answered. */
const queries = JSON.parse(fs.readFileSync(path.join(__dirname, 'testData', 'knowledgeQueries.json'), 'utf8')) as { matches: { entry: string; text: string }[]; nonMatches: string[] };
const entries = loadKnowledgeFile();
const TODAY = '2026-12-01';

describe('the knowledge base file', () => {
  it('has at least 80 entries across the busiest units and the enterprise topics, each valid against the catalogue', () => {
    const catalogue = Catalogue.load();
    expect(entries.length).toBeGreaterThanOrEqual(80);
    for (const e of entries) {
      expect(catalogue.has(e.department)).toBe(true);
      expect(e.questions.length).toBeGreaterThanOrEqual(3);
      if (e.category) expect(ENTERPRISE_CATEGORIES).toContain(e.category);
    }
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    const units = new Set(entries.map((e) => e.department));
    for (const busy of ['human-resources', 'housing-provident-fund', 'medical-insurance', 'public-security', 'traffic-police']) expect(units).toContain(busy);
    expect(entries.filter((e) => e.category).length).toBeGreaterThanOrEqual(10);
  });
});

describe('knowledge-base search', () => {
  const kb = new KnowledgeBase(entries, TODAY);

  it('finds the entry of a question phrased differently from every variant it holds', () => {
    // Hand-picked from the independent set: other words, colloquial, with personal context.
    for (const m of queries.matches.slice(0, 60).filter((q) => ['kb-002', 'kb-003', 'kb-010', 'kb-021'].includes(q.entry))) {
      expect({ text: m.text, top: kb.search(m.text, 1)[0]?.entry.id }).toEqual({ text: m.text, top: m.entry });
    }
    const first = queries.matches.filter((m) => kb.search(m.text, 1)[0]?.entry.id === m.entry).length / queries.matches.length;
    const top3 = queries.matches.filter((m) => kb.search(m.text, 3).some((h) => h.entry.id === m.entry)).length / queries.matches.length;
    // Measured: 50 of 60 first, 55 in the first three.
    expect(first).toBeGreaterThanOrEqual(0.8);
    expect(top3).toBeGreaterThanOrEqual(0.9);
  });

  it('answers with confidence mostly when right: over a third of the paraphrases, at most two wrong, no unrelated message', () => {
    const answered = queries.matches.map((m) => ({ m, hit: kb.match(m.text) })).filter((x) => x.hit);
    const right = answered.filter((x) => x.hit!.entry.id === x.m.entry).length;
    // Measured: 27 right, 2 wrong of 60; the others go on as tickets.
    expect(right).toBeGreaterThanOrEqual(24);
    expect(answered.length - right).toBeLessThanOrEqual(2);
    const falseAnswers = queries.nonMatches.filter((t) => kb.match(t) !== null);
    expect(falseAnswers).toEqual([]);
  });

  it('finds nothing for a message with no word in common, and never answers a long story', () => {
    expect(kb.search('今天天气真好哈哈')).toEqual([]);
    expect(kb.match('租房可以提取公积金吗')?.entry.id).toBe('kb-001');
    expect(kb.match('租房可以提取公积金吗，' + '我家楼下每天晚上都有人吵架，吵得睡不着，'.repeat(6))).toBeNull();
  });

  it('leaves out drafts, retired entries and entries past their validity date', () => {
    const e = entries.find((x) => x.id === 'kb-001')!;
    const variants: KnowledgeEntry[] = [{ ...e, status: 'draft' }, { ...e, status: 'retired' }, { ...e, validUntil: '2026-11-30' }];
    for (const v of variants) expect(new KnowledgeBase([v], TODAY).search('租房可以提取公积金吗')).toEqual([]);
    expect(new KnowledgeBase([{ ...e, validUntil: TODAY }], TODAY).search('租房可以提取公积金吗')[0]?.entry.id).toBe('kb-001');
  });

  it('is measured by leave-one-out over the entries\' own variants: most answers given are right', () => {
    // 30 entries to keep the test short (0.93 of answers right with all 100: npm run eval:knowledge).
    const f = evaluateKnowledge(entries.slice(0, 30), [], TODAY);
    expect(f.answeredRight / (f.answeredRight + f.answeredWrong)).toBeGreaterThanOrEqual(0.75);
    expect(f.rankedFirst).toBeGreaterThan(0.5);
  });

  it('offers answers to consultations only: a complaint or a report is taken in as a ticket', () => {
    expect(isConsultation('公积金怎么提取', '咨询')).toBe(true);
    expect(isConsultation('请问身份证丢了怎么补办？', '求助')).toBe(true);
    expect(isConsultation('为什么天天停水？', '投诉')).toBe(false);
    expect(isConsultation('楼下烧烤店油烟太大', '投诉')).toBe(false);
  });
});

describe('answers on the spot in the chat (即时办结)', () => {
  let s: Services;
  beforeAll(async () => void (s = await openTestServices('knowledge')));
  afterAll(async () => s.close());

  function client(label: string) {
    const intake = createIntakePort({ store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar, classifier: s.classifier, secret: s.secret });
    const knowledge = createKnowledgePort({ store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar, knowledge: s.knowledge, catalogue: s.catalogue, secret: s.secret });
    return new DialogTestClient('kb-' + label, new MainDialog(intake, undefined, undefined, knowledge), undefined, [], new ConversationState(s.store.botState));
  }
  const text = (a: unknown) => (a as { text?: string } | undefined)?.text ?? '';

  it('answers a known question at once; "解决了" records a ticket answered directly and closed, never queued', async () => {
    const c = client('yes');
    const answer = text(await c.sendActivity('租房可以提取公积金吗'));
    expect(answer).toContain('【即时解答】');
    expect(answer).toContain(entries.find((e) => e.id === 'kb-001')!.answer.slice(0, 20));
    expect(text(c.getNextReply())).toBe(K.askHelped);
    const done = text(await c.sendActivity('解决了，谢谢'));
    const id = /工单号：(\d{10})/.exec(done)![1];
    const ticket = (await s.store.getTicket(id))!;
    expect(ticket).toMatchObject({ state: 'closed', closure: 'answered-directly', type: '咨询', description: '租房可以提取公积金吗' });
    expect(ticket.replies![0]).toMatchObject({ toCitizen: true, text: entries.find((e) => e.id === 'kb-001')!.answer });
    expect(ticket.history.map((e) => e.action)).toEqual(['received', 'answered-directly']);
    expect(await s.queues.intake().getJob(`route-${id}`)).toBeUndefined();
    // The same confirmation delivered again records nothing new.
    expect((await s.store.listTickets({ limit: 1000 })).filter((t) => t.description === '租房可以提取公积金吗')).toHaveLength(1);
  });

  it('"没解决" continues as an ordinary ticket from the same message', async () => {
    const c = client('no');
    expect(text(await c.sendActivity('驾驶证到期了怎么换证'))).toContain('【即时解答】');
    c.getNextReply();
    expect(text(await c.sendActivity('没解决'))).toBe(K.continueAsTicket);
    expect(text(c.getNextReply())).toBe(T.askLocation);
    await c.sendActivity('人民路车管所附近');
    await c.sendActivity('匿名');
    await c.sendActivity('是');
    c.getNextReply();
    const receipt = text(await c.sendActivity('确认提交'));
    const id = /工单号：(\d{10})/.exec(receipt)![1];
    const ticket = (await s.store.getTicket(id))!;
    expect(ticket).toMatchObject({ state: 'received', description: '驾驶证到期了怎么换证', location: '人民路车管所附近' });
    expect(await s.queues.intake().getJob(`route-${id}`)).toBeDefined();
  });

  it('asks again when the answer is neither, and a complaint never gets a knowledge-base answer', async () => {
    const c = client('unclear');
    await c.sendActivity('医保异地就医怎么备案');
    c.getNextReply();
    expect(text(await c.sendActivity('嗯哼哼'))).toBe(K.badHelped);
    const complaint = client('complaint');
    expect(text(await complaint.sendActivity('楼下烧烤店油烟太大，晚上十点还在烤，天天这样'))).toBe(T.askLocation);
  });
});
