import * as fs from 'node:fs';
import * as path from 'node:path';
import IORedis from 'ioredis';
import type { Services } from '../bot/services';
import { DISPATCH_CENTRE } from '../data/catalogue';
import { loadCorpus } from '../workers/classifier/corpus';
import { deployChannel } from '../workers/classifier/holder';
import { modelPaths, readModel } from '../workers/classifier/load';
import { Classifier } from '../workers/classifier/model';
import { retrainClassifier } from '../workers/classifier/retrain';
import { RETRAIN_SCHEDULER_ID, requestRetrain, startRetrainWorker } from '../workers/classifier/retrain-worker';
import { routeTicket } from '../workers/intake/route-ticket';
import { jobId } from '../workers/queues';
import { redispatchTicket, RedispatchError } from '../workers/tickets/redispatch';
import { SqliteStore } from '../data/store/sqlite-store';
import { ClassifierHolder } from '../workers/classifier/holder';
import { TEST_REDIS_URL, openTestServices, tempDir, testClassifier, waitFor } from './helpers/harness';
import { newTicket, receivedEvent } from './helpers/ticket-fixtures';

// Retraining trains real models on the whole corpus (seconds each).
jest.setTimeout(180_000);

let s: Services;
beforeAll(async () => {
  s = await openTestServices('retrain');
});
afterAll(async () => s.close());

const dispatcher = { id: 'dispatcher-7', role: 'dispatcher' as const };
const TEXT = '我们村口那条排洪沟被人倒满了建筑垃圾，一下雨就往我家院子里灌水，打电话13812345678';

async function routedTicket(description: string, threshold: number) {
  const { ticket } = await s.store.createTicket(newTicket({ description, location: '城东村' }), receivedEvent());
  return (await routeTicket(ticket.id, { store: s.store, queues: s.queues, classifier: s.classifier, catalogue: s.catalogue, threshold }))!;
}

const probabilityOf = (c: Classifier, text: string, department: string) => {
  const scorer = (c as unknown as { department: { classify(t: string[]): { label: string; probability: number }[] } }).department;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { tokenize } = require('../workers/classifier/tokenize');
  return scorer.classify(tokenize(text)).find((x) => x.label === department)!.probability;
};

describe('dispatchers correcting the classifier', () => {
  it('dispatching from the dispatch centre moves the ticket, tells the citizen and keeps the corrected pair, masked', async () => {
    const ticket = await routedTicket(TEXT, 1.01); // nothing is that confident: it goes to the dispatch centre
    expect(ticket.routing?.queue).toBe(DISPATCH_CENTRE);
    const target = ticket.routing!.candidates[1].department;
    const after = await redispatchTicket({ ticketId: ticket.id, department: target, actor: dispatcher, reason: '按职责派单' }, s);
    expect(after.routing).toMatchObject({ department: target, queue: target, by: 'dispatcher' });
    const event = after.history[after.history.length - 1];
    expect(event).toMatchObject({ action: 'dispatched-manually', actor: dispatcher, reason: '按职责派单', data: { fromQueue: DISPATCH_CENTRE, toQueue: target } });
    expect(await s.queues.department(target).getJob(jobId.redispatch(ticket.id, event.seq))).toBeDefined();
    expect(await s.queues.department(DISPATCH_CENTRE).getJob(jobId.department(ticket.id))).toBeUndefined();
    expect(await s.queues.notify().getJob(jobId.notify(ticket.id, `redispatched-${event.seq}`))).toBeDefined();
    const correction = (await s.store.listCorrections()).find((c) => c.ticketId === ticket.id)!;
    expect(correction).toMatchObject({ department: target, previousDepartment: null, source: 'manual-dispatch', actor: dispatcher });
    expect(correction.text).toContain('排洪沟');
    expect(correction.text).not.toContain('13812345678');
  });

  it('re-dispatching twice (a retry) changes the ticket once; the latest unit is the correction', async () => {
    const ticket = await routedTicket('楼道里堆满了杂物，消防通道都堵了', 0);
    const from = ticket.routing!.queue;
    const to = from === 'subdistrict' ? 'urban-management' : 'subdistrict';
    const once = await redispatchTicket({ ticketId: ticket.id, department: to, actor: dispatcher }, s);
    const twice = await redispatchTicket({ ticketId: ticket.id, department: to, actor: dispatcher }, s);
    expect(twice.version).toBe(once.version);
    expect(twice.history.filter((e) => e.action === 'redispatched')).toHaveLength(1);
    const correction = (await s.store.listCorrections()).find((c) => c.ticketId === ticket.id)!;
    expect(correction).toMatchObject({ department: to, previousDepartment: from, source: 'redispatch' });
  });

  it('refuses what makes no sense, in Chinese', async () => {
    const ticket = await routedTicket('想问一下公积金怎么提取', 0);
    const unit = ticket.routing!.queue;
    await expect(redispatchTicket({ ticketId: ticket.id, department: unit, actor: dispatcher }, s)).rejects.toThrow('工单已经在该部门');
    await expect(redispatchTicket({ ticketId: ticket.id, department: 'no-such-unit', actor: dispatcher }, s)).rejects.toThrow(RedispatchError);
    await expect(redispatchTicket({ ticketId: ticket.id, department: 'finance', actor: { id: 'a1', role: 'agent' } }, s)).rejects.toThrow('只有派单员');
    await expect(redispatchTicket({ ticketId: '000000000', department: 'finance', actor: dispatcher }, s)).rejects.toThrow('未找到该工单');
  });
});

describe('retraining', () => {
  it('learns from a re-route: the next model is trained on the corrected pair and leans towards the corrected unit', async () => {
    const first = await retrainClassifier({ catalogue: s.catalogue, store: s.store, dataDir: s.config.dataDir });
    expect(first).toMatchObject({ deployed: true });
    const before = readModel(modelPaths(s.config.dataDir).model)!;
    expect(before.model.corrections).toBe((await s.store.listCorrections()).length);

    const text = '小区里有人把共享单车全堆在消防通道上，物业不管';
    const ticket = await routedTicket(text, 0);
    const predicted = ticket.routing!.queue;
    const target = ['transport', 'subdistrict', 'housing-construction'].find((d) => d !== predicted)!;
    await redispatchTicket({ ticketId: ticket.id, department: target, actor: dispatcher, source: 'return' }, s);

    const second = await retrainClassifier({ catalogue: s.catalogue, store: s.store, dataDir: s.config.dataDir });
    expect(second.reason).not.toBe('unchanged');
    expect(second.candidate!.corrections).toBe(before.model.corrections + 1);
    expect(second.candidate!.version).not.toBe(before.version);
    const paths = modelPaths(s.config.dataDir);
    const candidate = readModel(second.deployed ? paths.model : paths.rejected)!;
    expect(candidate.version).toBe(second.candidate!.version);
    expect(probabilityOf(candidate, text, target)).toBeGreaterThan(probabilityOf(before, text, target));

    // Nothing new since: a scheduled run leaves the model alone.
    const third = await retrainClassifier({ catalogue: s.catalogue, store: s.store, dataDir: s.config.dataDir });
    if (second.deployed) expect(third).toMatchObject({ deployed: false, reason: 'unchanged' });
  });

  it('does not deploy a retrained model that is worse on the held-out split', async () => {
    // A deployment of its own, so its bad corrections stay out of the other tests.
    const dataDir = tempDir('retrain-worse');
    const store = new SqliteStore({ file: path.join(dataDir, 'hotline.sqlite') });
    const paths = modelPaths(dataDir);
    const first = await retrainClassifier({ catalogue: s.catalogue, store, dataDir });
    expect(first).toMatchObject({ deployed: true, reason: 'no-model' });
    const deployedBytes = fs.readFileSync(paths.model);
    const deployedVersion = readModel(paths.model)!.version;
    // A careless (or malicious) batch of corrections: every water, power and gas matter "belongs" to the finance bureau.
    const corpus = loadCorpus(s.catalogue.codes());
    const wrong = corpus.train.filter((e) => ['water-supply', 'power-supply', 'gas-supply', 'heating'].includes(e.department));
    let i = 0;
    for (const e of wrong) {
      await store.saveCorrection({
        ticketId: `W${i++}`,
        text: e.text,
        department: 'finance',
        previousDepartment: e.department,
        source: 'redispatch',
        type: e.type,
        urgent: e.urgent,
        enterprise: e.enterprise,
        actor: dispatcher,
        at: new Date().toISOString(),
      });
    }
    const r = await retrainClassifier({ catalogue: s.catalogue, store, dataDir });
    await store.close();
    expect(r).toMatchObject({ deployed: false, reason: 'worse' });
    expect(r.candidate!.top1).toBeLessThan(r.current!.top1);
    expect(fs.readFileSync(paths.model).equals(deployedBytes)).toBe(true);
    expect(readModel(paths.model)!.version).toBe(deployedVersion);
    expect(readModel(paths.rejected)!.version).toBe(r.candidate!.version);
    const log = fs.readFileSync(paths.log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((l) => l.reason)).toEqual(['no-model', 'worse']);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs as a scheduled BullMQ job and on demand, in a child process, and running processes switch models', async () => {
    const subscriber = new IORedis(TEST_REDIS_URL);
    const announced: string[] = [];
    await subscriber.subscribe(deployChannel(s.config.queuePrefix));
    subscriber.on('message', (_ch, version) => announced.push(version));
    // This process's classifier, following the deployment's model file.
    const holder = new ClassifierHolder(modelPaths(s.config.dataDir).model, testClassifier());
    const retrain = await startRetrainWorker({
      connection: s.redis,
      prefix: s.config.queuePrefix,
      dataDir: s.config.dataDir,
      cron: '30 2 * * *',
      publisher: s.redis,
      holder,
      log: s.log,
    });
    try {
      const schedulers = await retrain.queue.getJobSchedulers();
      expect(schedulers).toEqual([expect.objectContaining({ key: RETRAIN_SCHEDULER_ID, pattern: '30 2 * * *', tz: 'Asia/Shanghai' })]);
      expect(await retrain.queue.getDelayedCount()).toBe(1);
      expect(await retrain.queue.getGlobalConcurrency()).toBe(1);

      fs.rmSync(modelPaths(s.config.dataDir).model);
      const { result } = await requestRetrain(s.redis, s.config.queuePrefix, { force: true, waitMs: 150_000 });
      expect(result).toMatchObject({ deployed: true, reason: 'no-model' });
      expect(result!.candidate!.corrections).toBe((await s.store.listCorrections()).length);
      await waitFor(() => announced.includes(result!.candidate!.version), 10_000);
      expect(holder.version).toBe(result!.candidate!.version);
      expect(holder.predict(TEXT).department).toBe(readModel(modelPaths(s.config.dataDir).model)!.predict(TEXT).department);
    } finally {
      await retrain.close();
      subscriber.disconnect();
    }
  });
});
