import { DISPATCH_CENTRE } from '../data/catalogue';
import type { Routing, Ticket, TicketPatch } from '../data/tickets/ticket';
import type { Services } from '../bot/services';
import { sweepUnitQueues } from '../workers/tickets/queue-sweep';
import { openTestServices } from './helpers/harness';
import { newTicket, receivedEvent } from './helpers/ticket-fixtures';

/**
 * The units' BullMQ queues hold the jobs of the tickets the units have now: a finished, merged, returned or
 * re-routed ticket's job is swept out, so a queue's length (the hotline_queue_jobs metric) is the unit's work and
 * Redis does not keep one job per ticket ever received.
 */
describe('sweeping the units\' queues', () => {
  let s: Services;
  beforeAll(async () => void (s = await openTestServices('sweep')));
  afterAll(async () => s.close());

  const routing = (queue: string): Routing => ({ department: queue === DISPATCH_CENTRE ? null : queue, queue, confidence: 0.9, candidates: [], modelVersion: 'test', routedAt: '2026-11-22T02:00:01.000Z' } as Routing);
  async function ticketIn(queue: string, patch: TicketPatch, jobs: string[] = [queue]): Promise<Ticket> {
    const { ticket } = await s.store.createTicket(newTicket(), receivedEvent());
    const t = await s.store.updateTicket(ticket.id, 1, { routing: routing(queue), ...patch }, { at: '2026-11-22T02:00:01.000Z', actor: { id: 'x', role: 'system' }, action: 'fixture' });
    for (const [i, q] of jobs.entries()) await s.queues.department(q).add('ticket', { ticketId: t.id }, { jobId: `ticket-${t.id}-${i}` });
    return t;
  }
  const waiting = async (code: string) => (await s.queues.department(code).getJobs(['waiting'], 0, 1000)).map((j) => j.data.ticketId as string).sort();

  it('keeps the jobs of tickets in a unit\'s hands and removes the others, whoever sweeps', async () => {
    const U = 'urban-management';
    const open = await ticketIn(U, { state: 'dispatched' });
    const working = await ticketIn(U, { state: 'in-progress' });
    const replied = await ticketIn(U, { state: 'replied' });
    const closed = await ticketIn(U, { state: 'closed' });
    const merged = await ticketIn(U, { state: 'merged' });
    // Returned to the centre: its old job in the unit's queue goes; its job in the centre's queue stays.
    const returned = await ticketIn(DISPATCH_CENTRE, { state: 'returned' }, [U, DISPATCH_CENTRE]);
    // Two jobs for one ticket in one queue (a retry that took a new job id): one stays.
    const twice = await ticketIn(U, { state: 'acknowledged' }, [U, U]);
    await s.queues.department(U).add('ticket', { ticketId: '0000000000' }, { jobId: 'ticket-missing' });
    const centreWaiting = await ticketIn(DISPATCH_CENTRE, { state: 'received' });

    // Two workers sweeping at the same moment (each may count a job the other removed first).
    const [a, b] = await Promise.all([sweepUnitQueues(s), sweepUnitQueues(s)]);
    expect(a.removed + b.removed).toBeGreaterThanOrEqual(6);
    expect(await waiting(U)).toEqual([open.id, working.id, twice.id].sort());
    expect(await waiting(DISPATCH_CENTRE)).toEqual([returned.id, centreWaiting.id].sort());
    expect(await sweepUnitQueues(s)).toEqual({ removed: 0, kept: 5 });
    for (const t of [replied, closed, merged]) expect(await waiting(U)).not.toContain(t.id);
  });

  it('pages through a long queue, removing as it goes', async () => {
    const U = 'water-supply';
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await ticketIn(U, { state: i % 3 === 0 ? 'dispatched' : 'closed' })).id);
    const r = await sweepUnitQueues(s, 7);
    expect(r.removed).toBe(20);
    expect(await waiting(U)).toEqual(ids.filter((_, i) => i % 3 === 0).sort());
  });
});
