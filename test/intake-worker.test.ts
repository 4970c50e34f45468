import type { Worker } from 'bullmq';
import type { Services } from '../bot/services';
import { DISPATCH_CENTRE } from '../data/catalogue';
import { reconcileIntake, startIntakeWorker } from '../workers/intake/intake-worker';
import { decideRouting, routeTicket, type RouteDeps } from '../workers/intake/route-ticket';
import { submitTicket } from '../workers/intake/submit-ticket';
import { openTestServices, waitFor } from './helpers/harness';
import { newTicket, receivedEvent } from './helpers/ticket-fixtures';

let s: Services;
let deps: RouteDeps;
beforeAll(async () => {
  s = await openTestServices('intake');
  deps = { store: s.store, queues: s.queues, classifier: s.classifier, catalogue: s.catalogue, threshold: 0.45 };
});
afterAll(async () => s.close());

const submitDeps = () => ({ store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar });
const draft = (description: string, intakeKey = 'k-' + Math.random()) => ({
  intakeKey,
  description,
  location: '幸福路88号',
  phone: '13812345678',
  type: '投诉' as const,
  proposedType: '投诉' as const,
  urgent: false,
  enterprise: false,
  channel: { channelId: 'test', reference: {} },
});

describe('routing decision', () => {
  const prediction = { department: 'urban-management', confidence: 0.8, candidates: [{ department: 'urban-management', confidence: 0.8 }] };
  it('sends a confident prediction to the department', () => {
    expect(decideRouting(prediction, s.catalogue, 0.45, 'v', new Date())).toMatchObject({ department: 'urban-management', queue: 'urban-management' });
  });
  it('sends an unsure prediction to the dispatch centre with its candidates', () => {
    const r = decideRouting({ ...prediction, confidence: 0.3 }, s.catalogue, 0.45, 'v', new Date());
    expect(r).toMatchObject({ department: null, queue: DISPATCH_CENTRE, confidence: 0.3, candidates: prediction.candidates });
  });
  it('never routes to a code the catalogue does not have', () => {
    expect(decideRouting({ ...prediction, department: 'no-such-unit' }, s.catalogue, 0.45, 'v', new Date()).queue).toBe(DISPATCH_CENTRE);
  });
});

describe('intake on the real Redis', () => {
  let worker: Worker;
  afterEach(async () => worker?.close());

  it('routes a submitted ticket into its department queue and asks for the citizen to be told', async () => {
    worker = startIntakeWorker({ ...deps, connection: s.redis, prefix: s.config.queuePrefix, log: s.log });
    const { ticket } = await submitTicket(draft('楼下烧烤店油烟太大，晚上十点还在烤，熏得没法开窗'), submitDeps(), s.secret);
    const routed = await waitFor(async () => {
      const t = await s.store.getTicket(ticket.id);
      return t?.state === 'dispatched' ? t : undefined;
    }, 10_000, 'routing');
    expect(routed.routing!.candidates).toHaveLength(3);
    expect(s.catalogue.has(routed.routing!.candidates[0].department)).toBe(true);
    expect(routed.history.map((e) => e.action)).toEqual(['received', routed.routing!.department ? 'dispatched' : 'sent-to-dispatch-centre']);
    // The worker queues the ticket and the notification just after recording the routing.
    const notifyJob = await waitFor(() => s.queues.notify().getJob(`routed-${ticket.id}`), 5000, 'notify job');
    expect(notifyJob.data).toEqual({ ticketId: ticket.id, event: 'routed' });
    const deptJob = await s.queues.department(routed.routing!.queue).getJob(`ticket-${ticket.id}`);
    expect(deptJob?.data).toEqual({ ticketId: ticket.id });
  });

  it('routing the same ticket again changes nothing and queues nothing twice', async () => {
    const { ticket } = (await s.store.createTicket(newTicket({ description: '工资拖欠三个月了老板不给' }), receivedEvent()));
    const results = await Promise.all([routeTicket(ticket.id, deps), routeTicket(ticket.id, deps), routeTicket(ticket.id, deps)]);
    const again = await routeTicket(ticket.id, deps);
    const stored = (await s.store.getTicket(ticket.id))!;
    expect(stored.version).toBe(2);
    expect(stored.history).toHaveLength(2);
    expect(results.every((r) => r!.routing!.queue === stored.routing!.queue)).toBe(true);
    expect(again!.version).toBe(2);
    const q = s.queues.department(stored.routing!.queue);
    const jobs = await q.getJobs(['waiting', 'delayed', 'active', 'completed']);
    expect(jobs.filter((j) => j.data.ticketId === ticket.id)).toHaveLength(1);
  });

  it('reconciliation queues tickets whose enqueue was lost, once', async () => {
    const old = new Date(Date.now() - 120_000).toISOString();
    const { ticket } = await s.store.createTicket(newTicket({ receivedAt: old }), receivedEvent(old));
    expect(await s.queues.intake().getJob(`route-${ticket.id}`)).toBeUndefined();
    expect(await reconcileIntake(s.store, s.queues)).toBeGreaterThanOrEqual(1);
    await reconcileIntake(s.store, s.queues);
    const jobs = await s.queues.intake().getJobs(['waiting', 'delayed']);
    expect(jobs.filter((j) => j.data.ticketId === ticket.id)).toHaveLength(1);
    worker = startIntakeWorker({ ...deps, connection: s.redis, prefix: s.config.queuePrefix, log: s.log });
    await waitFor(async () => (await s.store.getTicket(ticket.id))?.state === 'dispatched', 10_000, 'reconciled ticket routed');
  });
});
