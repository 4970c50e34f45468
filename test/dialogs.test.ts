import { ConversationState } from 'botbuilder';
import { DialogTestClient } from 'botbuilder-testing';
import type { Services } from '../bot/services';
import { createIntakePort } from '../bot/intake';
import { MainDialog } from '../dialogs/main-dialog';
import { openTestServices } from './helpers/harness';
import { complaintDialogTestCases } from './testData/complaintDialogTestCases';

let s: Services;
beforeAll(async () => void (s = await openTestServices('dialogs')));
afterAll(async () => s.close());

function replyText(activity: unknown): string {
  return (activity as { text?: string } | undefined)?.text ?? '';
}

describe('complaint conversation (DialogTestClient, data-driven)', () => {
  it.each(complaintDialogTestCases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const intake = createIntakePort({ store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar, classifier: s.classifier, secret: s.secret });
    const before = (await s.store.listTickets({ limit: 100_000 })).length;
    // Each case its own channel, so conversation state (kept in the product's store) never leaks between cases.
    const channelId = 'test-' + complaintDialogTestCases.indexOf(testCase);
    const client = new DialogTestClient(channelId, new MainDialog(intake), undefined, [], new ConversationState(s.store.botState));
    let last = '';
    for (const turn of testCase.turns) {
      const replies = [replyText(await client.sendActivity(turn.user))];
      for (let i = 1; i < turn.bot.length; i++) replies.push(replyText(client.getNextReply()));
      turn.bot.forEach((expected, i) => {
        const context = `turn "${turn.user.slice(0, 30)}", reply ${i + 1}: ${replies[i]}`;
        if (typeof expected === 'string') expect({ context, ok: replies[i].includes(expected) }).toEqual({ context, ok: true });
        else expect({ context, ok: expected.test(replies[i]) }).toEqual({ context, ok: true });
      });
      expect(client.getNextReply()).toBeUndefined();
      last = replies[0];
    }
    const after = await s.store.listTickets({ limit: 100_000 });
    if (testCase.noTicket) expect(after.length).toBe(before);
    if (testCase.ticket) {
      const id = /工单号：(\d{10})/.exec(last)![1];
      const ticket = (await s.store.getTicket(id))!;
      expect(after.length).toBe(before + 1);
      const { phone, ...fields } = testCase.ticket;
      expect(ticket).toMatchObject(fields);
      if (phone !== undefined) expect(ticket.citizen.phone ?? null).toBe(phone);
      expect(ticket.citizen.anonymous).toBe(phone === null);
      expect(ticket.history[0]).toMatchObject({ seq: 1, action: 'received' });
      // Stored before the bot said so, and queued for routing.
      const job = await s.queues.intake().getJob(`route-${id}`);
      expect(job?.data).toEqual({ ticketId: id });
    }
  });

  it('a confirmation delivered twice creates one ticket', async () => {
    const intake = createIntakePort({ store: s.store, queues: s.queues, limits: s.limits, calendar: s.calendar, classifier: s.classifier, secret: s.secret });
    const draft = {
      intakeKey: 'twice-' + Date.now(),
      description: '楼下烧烤店油烟太大',
      location: '幸福路88号',
      type: '投诉' as const,
      proposedType: '投诉' as const,
      urgent: false,
      enterprise: false,
      channel: { channelId: 'test', reference: {} },
    };
    const [a, b] = await Promise.all([intake.submit(draft), intake.submit(draft)]);
    expect(a.ticket.id).toBe(b.ticket.id);
    expect(a.queryCode).toBe(b.queryCode);
    const jobs = await s.queues.intake().getJobs(['waiting', 'delayed', 'active', 'completed']);
    expect(jobs.filter((j) => j.data.ticketId === a.ticket.id)).toHaveLength(1);
    const tickets = await s.store.listTickets({ limit: 100_000 });
    expect(tickets.filter((t) => t.intakeKey === draft.intakeKey)).toHaveLength(1);
  });
});
