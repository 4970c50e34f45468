import { computeDeadlines, giveBackWaitingTime, officeTimeBetween, shanghaiDate, toShanghaiIso, type TimeLimits } from '../calendar/deadlines';
import type { WorkingCalendar } from '../calendar/working-days';
import { DISPATCH_CENTRE } from '../catalogue';
import type { Actor, ActorRole, Assignment, Deadlines, Extension, NewTicketEvent, Rating, Ticket, TicketPatch, TicketState } from './ticket';

/**
 * The work order's state machine, as a pure function: given a ticket, a command and who gives it, either the change
 * (a patch and the one history event that records it) or a refusal with a message in Chinese for the person.
 * The store applies the change conditionally on the version that was read, so of two people acting on the same
 * ticket at once only one wins; the service layer (workers/tickets/actions.ts) does the queue and timer follow-ups.
 */

export type Command =
  /** 派单 / 改派: the centre sends the ticket to a lead unit (主办) and optional supporting units (协办). */
  | { kind: 'dispatch'; lead: string; supports?: string[]; reason?: string }
  /** 签收 by a unit the ticket was dispatched to. */
  | { kind: 'acknowledge'; department: string }
  /** 办理: the unit starts work (optional; replying from acknowledged is allowed). */
  | { kind: 'start'; department: string }
  /** 退单: not this unit's jurisdiction; the lead's return sends the ticket back to the centre. */
  | { kind: 'return'; department: string; reason: string; suggested?: string }
  /** 申请延期: a new reply deadline (ISO time, or a date meaning the end of that day), with a reason. */
  | { kind: 'request-extension'; department: string; until: string; reason: string }
  /** The centre approves or refuses the pending extension request. */
  | { kind: 'decide-extension'; approve: boolean; reason?: string }
  /** 挂起: the centre waits on the citizen; the waiting time is given back at resume. */
  | { kind: 'wait'; reason: string }
  | { kind: 'resume' }
  /** 答复: the lead unit's reply to the citizen, or a supporting unit's contribution. */
  | { kind: 'reply'; department: string; text: string }
  /** 回访 starts. */
  | { kind: 'follow-up' }
  /** The citizen's rating: satisfied and solved closes the ticket, anything else reopens it (重办). */
  | { kind: 'rate'; satisfaction: Rating['satisfaction']; solved: boolean; comment?: string }
  /** 办结 without a rating (the citizen did not answer the follow-up). */
  | { kind: 'close'; reason?: string }
  /** 重办 ordered by the centre. */
  | { kind: 'reopen'; reason: string }
  /** 并单: this ticket repeats another; it is closed into that one. */
  | { kind: 'merge'; into: string }
  /** The other side of a merge, recorded on the ticket that absorbs a repeat. */
  | { kind: 'absorb'; from: string }
  /** 即时办结: answered at once from the knowledge base. */
  | { kind: 'answer-directly'; answer: string; entry?: string }
  /** 督办: a supervisor's note to the units working on the ticket; changes no state. */
  | { kind: 'supervise'; note: string };

export type CommandKind = Command['kind'];

export interface LifecycleContext {
  actor: Actor;
  now: Date;
  limits: TimeLimits;
  calendar: WorkingCalendar;
  /** Unit codes of the catalogue (dispatch targets are checked against it). */
  isDepartment: (code: string) => boolean;
}

export interface Decision {
  patch: TicketPatch;
  event: NewTicketEvent;
}

export type LifecycleErrorCode =
  | 'forbidden'
  | 'not-your-department'
  | 'unknown-department'
  | 'wrong-state'
  | 'finished'
  | 'not-assigned'
  | 'already-acknowledged'
  | 'not-acknowledged'
  | 'already-replied'
  | 'reason-required'
  | 'text-required'
  | 'note-required'
  | 'acknowledged-cannot-redispatch'
  | 'same-dispatch'
  | 'extension-pending'
  | 'no-pending-extension'
  | 'own-extension'
  | 'extension-too-late'
  | 'extension-not-later'
  | 'extension-limit'
  | 'bad-date'
  | 'already-waiting'
  | 'not-waiting'
  | 'merge-self'
  | 'conflict'
  | 'not-found';

const MESSAGES: Record<LifecycleErrorCode, string> = {
  forbidden: '您的角色无权进行此操作。',
  'not-your-department': '该工单不属于您所在的单位，不能操作。',
  'unknown-department': '派单目录中没有这个单位，请从目录中选择。',
  'wrong-state': '工单当前状态不能进行此操作。',
  finished: '工单已办结或已并单，不能再操作。',
  'not-assigned': '该工单没有派给您所在的单位。',
  'already-acknowledged': '该工单已经签收，无需重复签收。',
  'not-acknowledged': '请先签收工单，再进行办理或答复。',
  'already-replied': '您所在的单位已经答复过该工单。',
  'reason-required': '请填写原因。',
  'text-required': '请填写答复内容。',
  'note-required': '请填写督办意见。',
  'acknowledged-cannot-redispatch': '承办单位已签收，不能直接改派；如非本单位职责，请由承办单位先退单。',
  'same-dispatch': '工单已经派给这些单位，无需重复派单。',
  'extension-pending': '已有一个延期申请在审批中，请等待审批结果。',
  'no-pending-extension': '该工单没有待审批的延期申请。',
  'own-extension': '不能审批自己提出的延期申请。',
  'extension-too-late': '答复期限已过，不能再申请延期。',
  'extension-not-later': '申请的期限须晚于当前答复期限。',
  'extension-limit': '企业诉求只能延期一次，且办理期限最长不超过规定的延长期限。',
  'bad-date': '日期格式不正确，请填写如 2026-12-31 的日期。',
  'already-waiting': '工单已处于挂起状态。',
  'not-waiting': '工单没有挂起，无需恢复。',
  'merge-self': '不能把工单并入它自己。',
  conflict: '工单刚刚被他人更新，请刷新后再试。',
  'not-found': '未找到该工单，请核对工单号。',
};

/** A refused transition, with a message for the person in Chinese. */
export class LifecycleError extends Error {
  constructor(readonly code: LifecycleErrorCode, detail?: string) {
    super(detail ? `${MESSAGES[code]}（${detail}）` : MESSAGES[code]);
    this.name = 'LifecycleError';
  }
}

const CENTRE: readonly ActorRole[] = ['dispatcher', 'supervisor', 'admin'];
const ROLES: Record<CommandKind, readonly ActorRole[]> = {
  dispatch: CENTRE,
  acknowledge: ['agent'],
  start: ['agent'],
  return: ['agent'],
  'request-extension': ['agent'],
  'decide-extension': CENTRE,
  wait: CENTRE,
  resume: CENTRE,
  reply: ['agent'],
  'follow-up': ['system', 'dispatcher'],
  rate: ['citizen', 'system', 'dispatcher'],
  close: ['system', 'dispatcher', 'supervisor', 'admin', 'agent'],
  reopen: CENTRE,
  merge: CENTRE,
  absorb: CENTRE,
  'answer-directly': ['system', 'dispatcher'],
  supervise: ['supervisor', 'admin'],
};

/** Units whose assignment is live (not returned or withdrawn). */
export function activeAssignments(ticket: Ticket): Assignment[] {
  return (ticket.assignments ?? []).filter((a) => a.state !== 'returned' && a.state !== 'withdrawn');
}

export function leadAssignment(ticket: Ticket): Assignment | undefined {
  return activeAssignments(ticket).find((a) => a.role === 'lead');
}

/** The queue the ticket is in for the centre or its lead unit (dispatch-centre when the centre must act). */
export function currentQueue(ticket: Ticket): string | null {
  if (ticket.state === 'returned') return DISPATCH_CENTRE;
  if (ticket.state === 'dispatched' || ticket.state === 'acknowledged' || ticket.state === 'in-progress') return leadAssignment(ticket)?.department ?? DISPATCH_CENTRE;
  return null;
}

/** The reply deadline asked for: a date means the end of that day in Asia/Shanghai. */
export function parseUntil(until: string): Date {
  const trimmed = until.trim();
  const at = /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? new Date(`${trimmed}T23:59:59+08:00`) : new Date(trimmed);
  if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(trimmed)) throw new LifecycleError('bad-date');
  return at;
}

export function decide(stored: Ticket, cmd: Command, ctx: LifecycleContext): Decision {
  const ticket = withAssignments(stored);
  const { actor } = ctx;
  if (!ROLES[cmd.kind].includes(actor.role)) throw new LifecycleError('forbidden');
  if ((ticket.state === 'closed' || ticket.state === 'merged') && cmd.kind !== 'reopen') throw new LifecycleError('finished');
  if ('department' in cmd && actor.role === 'agent' && actor.department !== cmd.department) throw new LifecycleError('not-your-department');
  const at = ctx.now.toISOString();
  const event = (action: string, to: TicketState, extra: Partial<NewTicketEvent> = {}): NewTicketEvent => ({
    at,
    actor,
    action,
    from: ticket.state,
    to,
    ...extra,
  });
  const fresh = (version: number): Deadlines =>
    computeDeadlines({ receivedAt: ctx.now, type: ticket.type, urgent: ticket.urgent, enterprise: ticket.enterprise }, ctx.limits, ctx.calendar, version);
  const nextVersion = () => Math.max(0, ...(ticket.assignments ?? []).map((a) => a.deadlines.version ?? 1), ticket.deadlines.version ?? 1) + 1;

  switch (cmd.kind) {
    case 'dispatch': {
      const supports = [...new Set(cmd.supports ?? [])].filter((d) => d !== cmd.lead);
      for (const code of [cmd.lead, ...supports]) if (code === DISPATCH_CENTRE || !ctx.isDepartment(code)) throw new LifecycleError('unknown-department', code);
      if (!['received', 'dispatched', 'returned'].includes(ticket.state)) {
        throw new LifecycleError(ticket.state === 'acknowledged' || ticket.state === 'in-progress' ? 'acknowledged-cannot-redispatch' : 'wrong-state');
      }
      const current = activeAssignments(ticket);
      const lead = current.find((a) => a.role === 'lead');
      if (lead && lead.state !== 'dispatched') throw new LifecycleError('acknowledged-cannot-redispatch');
      const sameLead = lead?.department === cmd.lead;
      const currentSupports = current.filter((a) => a.role === 'support').map((a) => a.department).sort();
      if (sameLead && ticket.state === 'dispatched' && JSON.stringify(currentSupports) === JSON.stringify([...supports].sort())) throw new LifecycleError('same-dispatch');
      // First dispatch from the centre keeps the deadlines counted from receipt; a re-dispatch (改派) restarts them.
      // First dispatch from the centre keeps the deadlines counted from receipt; a re-dispatch (改派) restarts them.
      const firstDispatch = (ticket.assignments ?? []).length === 0;
      const leadDeadlines = sameLead && lead ? lead.deadlines : firstDispatch ? { ...ticket.deadlines, version: ticket.deadlines.version ?? 1 } : fresh(nextVersion());
      const staying = (a: Assignment) => current.includes(a) && (a.department === cmd.lead || supports.includes(a.department));
      const earlier = (ticket.assignments ?? []).filter((a) => !staying(a)).map((a) => (current.includes(a) ? { ...a, state: 'withdrawn' as const } : a));
      const newLead: Assignment = sameLead && lead ? lead : { department: cmd.lead, role: 'lead', state: 'dispatched', assignedAt: at, deadlines: leadDeadlines };
      const newSupports = supports.map((department): Assignment => {
        const k = current.find((a) => a.department === department && a.role === 'support');
        return k ?? { department, role: 'support', state: 'dispatched', assignedAt: at, deadlines: fresh(nextVersion()) };
      });
      const from = ticket.routing?.queue ?? DISPATCH_CENTRE;
      const source = ticket.state === 'returned' ? 'return' : firstDispatch || !ticket.routing?.department ? 'manual-dispatch' : 'redispatch';
      return {
        patch: {
          state: 'dispatched',
          assignments: [...earlier, newLead, ...newSupports],
          deadlines: leadDeadlines,
          routing: ticket.routing
            ? { ...ticket.routing, department: cmd.lead, queue: cmd.lead, routedAt: at, by: 'dispatcher' }
            : { department: cmd.lead, queue: cmd.lead, confidence: 0, candidates: [], modelVersion: '', routedAt: at, by: 'dispatcher' },
        },
        event: event(source === 'manual-dispatch' ? 'dispatched-manually' : 'redispatched', 'dispatched', {
          reason: cmd.reason,
          data: { fromQueue: from, toQueue: cmd.lead, lead: cmd.lead, supports, source },
        }),
      };
    }

    case 'acknowledge': {
      const a = assignmentOf(ticket, cmd.department);
      if (a.state !== 'dispatched') throw new LifecycleError('already-acknowledged');
      const assignments = replaceAssignment(ticket, a, { ...a, state: 'acknowledged', acknowledgedAt: at });
      const to: TicketState = a.role === 'lead' ? 'acknowledged' : ticket.state;
      return { patch: { assignments, ...(a.role === 'lead' ? { state: to } : {}) }, event: event('acknowledged', to, { data: { department: a.department, role: a.role } }) };
    }

    case 'start': {
      const a = assignmentOf(ticket, cmd.department);
      if (a.state === 'dispatched') throw new LifecycleError('not-acknowledged');
      if (a.state !== 'acknowledged') throw new LifecycleError('wrong-state');
      const assignments = replaceAssignment(ticket, a, { ...a, state: 'in-progress' });
      const to: TicketState = a.role === 'lead' ? 'in-progress' : ticket.state;
      return { patch: { assignments, ...(a.role === 'lead' ? { state: to } : {}) }, event: event('started', to, { data: { department: a.department, role: a.role } }) };
    }

    case 'return': {
      if (!cmd.reason?.trim()) throw new LifecycleError('reason-required');
      const a = assignmentOf(ticket, cmd.department);
      if (a.state === 'replied') throw new LifecycleError('already-replied');
      if (cmd.suggested !== undefined && cmd.suggested !== '' && !ctx.isDepartment(cmd.suggested)) throw new LifecycleError('unknown-department', cmd.suggested);
      const assignments = replaceAssignment(ticket, a, { ...a, state: 'returned' });
      const to: TicketState = a.role === 'lead' ? 'returned' : ticket.state;
      return {
        patch: { assignments, ...(a.role === 'lead' ? { state: to, routing: ticket.routing && { ...ticket.routing, queue: DISPATCH_CENTRE } } : {}) },
        event: event('returned', to, { reason: cmd.reason.trim(), data: { department: a.department, role: a.role, suggested: cmd.suggested || undefined } }),
      };
    }

    case 'request-extension': {
      if (!cmd.reason?.trim()) throw new LifecycleError('reason-required');
      const a = assignmentOf(ticket, cmd.department);
      if (a.state === 'dispatched') throw new LifecycleError('not-acknowledged');
      if (a.state !== 'acknowledged' && a.state !== 'in-progress') throw new LifecycleError('wrong-state');
      if ((ticket.extensions ?? []).some((e) => e.status === 'pending')) throw new LifecycleError('extension-pending');
      if (ctx.now.getTime() > Date.parse(a.deadlines.reply)) throw new LifecycleError('extension-too-late');
      const until = parseUntil(cmd.until);
      if (until.getTime() <= Date.parse(a.deadlines.reply)) throw new LifecycleError('extension-not-later');
      if (ticket.enterprise && !ticket.urgent) {
        const approvedBefore = (ticket.extensions ?? []).some((e) => e.status === 'approved');
        const limit = computeDeadlines(
          { receivedAt: new Date(ticket.receivedAt), type: ticket.type, urgent: false, enterprise: true },
          { ...ctx.limits, enterprise: { ...ctx.limits.enterprise, reply: ctx.limits.enterprise.resolveExtended } },
          ctx.calendar,
        ).reply;
        if (approvedBefore || until.getTime() > Date.parse(limit)) throw new LifecycleError('extension-limit');
      }
      const request: Extension = { department: a.department, requestedBy: actor, requestedAt: at, until: toShanghaiIso(until), reason: cmd.reason.trim(), status: 'pending' };
      return {
        patch: { extensions: [...(ticket.extensions ?? []), request] },
        event: event('extension-requested', ticket.state, { reason: request.reason, data: { department: a.department, until: request.until } }),
      };
    }

    case 'decide-extension': {
      const extensions = ticket.extensions ?? [];
      const i = extensions.findIndex((e) => e.status === 'pending');
      if (i < 0) throw new LifecycleError('no-pending-extension');
      const request = extensions[i];
      if (request.requestedBy.id === actor.id) throw new LifecycleError('own-extension');
      if (!cmd.approve && !cmd.reason?.trim()) throw new LifecycleError('reason-required');
      const decided: Extension = { ...request, status: cmd.approve ? 'approved' : 'refused', decidedBy: actor, decidedAt: at, decisionReason: cmd.reason?.trim() || undefined };
      const patch: TicketPatch = { extensions: extensions.map((e, k) => (k === i ? decided : e)) };
      if (cmd.approve) {
        const a = activeAssignments(ticket).find((x) => x.department === request.department);
        if (a) {
          const moved: Deadlines = { ...a.deadlines, reply: request.until, version: nextVersion(), provisional: a.deadlines.provisional || !ctx.calendar.isPublished(Number(shanghaiDate(new Date(request.until)).slice(0, 4))) };
          patch.assignments = replaceAssignment(ticket, a, { ...a, deadlines: moved });
          if (a.role === 'lead') patch.deadlines = moved;
        }
      }
      return {
        patch,
        event: event(cmd.approve ? 'extension-approved' : 'extension-refused', ticket.state, {
          reason: decided.decisionReason,
          data: { department: request.department, until: request.until, requestedBy: request.requestedBy.id },
        }),
      };
    }

    case 'supervise': {
      const note = cmd.note?.trim();
      if (!note) throw new LifecycleError('note-required');
      return { patch: {}, event: event('supervised', ticket.state, { reason: note, data: { departments: activeAssignments(ticket).map((a) => a.department) } }) };
    }

    case 'wait': {
      if (!cmd.reason?.trim()) throw new LifecycleError('reason-required');
      if (!['dispatched', 'acknowledged', 'in-progress'].includes(ticket.state)) throw new LifecycleError('wrong-state');
      if (ticket.waiting) throw new LifecycleError('already-waiting');
      return { patch: { waiting: { since: at, by: actor, reason: cmd.reason.trim() } }, event: event('waiting', ticket.state, { reason: cmd.reason.trim() }) };
    }

    case 'resume': {
      if (!ticket.waiting) throw new LifecycleError('not-waiting');
      const since = new Date(ticket.waiting.since);
      const version = nextVersion();
      const assignments = (ticket.assignments ?? []).map((a) =>
        a.state === 'returned' || a.state === 'withdrawn' || a.state === 'replied'
          ? a
          : {
              ...a,
              deadlines: {
                ...giveBackWaitingTime(a.deadlines, since, ctx.now, ctx.calendar, ctx.limits.officeHours, { ack: a.state !== 'dispatched', reply: false }),
                version,
              },
            },
      );
      const lead = assignments.find((a) => a.role === 'lead' && a.state !== 'returned' && a.state !== 'withdrawn');
      return {
        patch: { waiting: undefined, assignments, ...(lead ? { deadlines: lead.deadlines } : {}) },
        event: event('resumed', ticket.state, { data: { waitedFrom: ticket.waiting.since, reply: lead?.deadlines.reply } }),
      };
    }

    case 'reply': {
      const text = cmd.text?.trim();
      if (!text) throw new LifecycleError('text-required');
      const a = assignmentOf(ticket, cmd.department);
      if (a.state === 'dispatched') throw new LifecycleError('not-acknowledged');
      if (a.state === 'replied') throw new LifecycleError('already-replied');
      if (a.state !== 'acknowledged' && a.state !== 'in-progress') throw new LifecycleError('wrong-state');
      const replies = ticket.replies ?? [];
      const reply = { seq: replies.length + 1, at, department: a.department, actor, text, toCitizen: a.role === 'lead' };
      // Working time from dispatch to this answer, for the measures (office hours of working days).
      const handlingMinutes = Math.round(officeTimeBetween(new Date(a.assignedAt), ctx.now, ctx.calendar, ctx.limits.officeHours) / 60_000);
      const assignments = replaceAssignment(ticket, a, { ...a, state: 'replied', repliedAt: at, handlingMinutes });
      const to: TicketState = a.role === 'lead' ? 'replied' : ticket.state;
      // A pending extension request of a unit that has now replied is moot.
      const extensions = ticket.extensions?.map((e) => (e.status === 'pending' && e.department === a.department ? { ...e, status: 'refused' as const, decidedAt: at, decisionReason: '已答复，申请自动撤回' } : e));
      return {
        patch: { assignments, replies: [...replies, reply], ...(extensions ? { extensions } : {}), ...(a.role === 'lead' ? { state: to, waiting: undefined } : {}) },
        event: event('replied', to, { data: { department: a.department, role: a.role, reply: reply.seq } }),
      };
    }

    case 'follow-up': {
      if (ticket.state !== 'replied') throw new LifecycleError('wrong-state');
      return { patch: { state: 'follow-up' }, event: event('follow-up-started', 'follow-up') };
    }

    case 'rate': {
      if (ticket.state !== 'replied' && ticket.state !== 'follow-up') throw new LifecycleError('wrong-state');
      const rating: Rating = { at, satisfaction: cmd.satisfaction, solved: cmd.solved, ...(cmd.comment?.trim() ? { comment: cmd.comment.trim() } : {}) };
      const ratings = [...(ticket.ratings ?? []), rating];
      if (cmd.satisfaction !== '不满意' && cmd.solved) {
        return { patch: { state: 'closed', ratings, closedAt: at, closure: 'rated' }, event: event('closed', 'closed', { data: { satisfaction: cmd.satisfaction, solved: true } }) };
      }
      const reason = cmd.satisfaction === '不满意' ? '市民评价不满意' : '市民反映问题未解决';
      const reopened = reopen(ticket, ctx, at, reason, nextVersion(), event);
      return { event: { ...reopened.event, data: { ...reopened.event.data, satisfaction: cmd.satisfaction, solved: cmd.solved } }, patch: { ...reopened.patch, ratings } };
    }

    case 'close': {
      if (ticket.state !== 'replied' && ticket.state !== 'follow-up') throw new LifecycleError('wrong-state');
      if (actor.role === 'agent' && leadAssignment(ticket)?.department !== actor.department) throw new LifecycleError('not-your-department');
      return { patch: { state: 'closed', closedAt: at, closure: 'unrated' }, event: event('closed', 'closed', { reason: cmd.reason?.trim() || undefined }) };
    }

    case 'reopen': {
      if (!cmd.reason?.trim()) throw new LifecycleError('reason-required');
      if (!['replied', 'follow-up', 'closed'].includes(ticket.state) || ticket.closure === 'merged' || ticket.closure === 'answered-directly') throw new LifecycleError('wrong-state');
      return reopen(ticket, ctx, at, cmd.reason.trim(), nextVersion(), event);
    }

    case 'merge': {
      if (cmd.into === ticket.id) throw new LifecycleError('merge-self');
      if (ticket.state === 'replied' || ticket.state === 'follow-up') throw new LifecycleError('wrong-state');
      return {
        patch: { state: 'merged', mergedInto: cmd.into, closedAt: at, closure: 'merged', waiting: undefined },
        event: event('merged', 'merged', { data: { into: cmd.into } }),
      };
    }

    case 'absorb': {
      if (cmd.from === ticket.id) throw new LifecycleError('merge-self');
      const mergedFrom = [...new Set([...(ticket.mergedFrom ?? []), cmd.from])];
      return { patch: { mergedFrom }, event: event('merged-in', ticket.state, { data: { from: cmd.from } }) };
    }

    case 'answer-directly': {
      if (ticket.state !== 'received') throw new LifecycleError('wrong-state');
      const text = cmd.answer?.trim();
      if (!text) throw new LifecycleError('text-required');
      const reply = { seq: (ticket.replies?.length ?? 0) + 1, at, department: DISPATCH_CENTRE, actor, text, toCitizen: true };
      return {
        patch: { state: 'closed', replies: [...(ticket.replies ?? []), reply], closedAt: at, closure: 'answered-directly' },
        event: event('answered-directly', 'closed', { data: { entry: cmd.entry } }),
      };
    }
  }
}

/** Tickets routed before assignments existed: the routed unit is their lead, with the ticket's deadlines. */
export function withAssignments(ticket: Ticket): Ticket {
  if (ticket.assignments || !ticket.routing?.department || ticket.state === 'received') return ticket;
  const state = ticket.state === 'acknowledged' || ticket.state === 'in-progress' || ticket.state === 'replied' ? ticket.state : 'dispatched';
  return { ...ticket, assignments: [{ department: ticket.routing.department, role: 'lead', state, assignedAt: ticket.routing.routedAt, deadlines: { ...ticket.deadlines, version: ticket.deadlines.version ?? 1 } }] };
}

function assignmentOf(ticket: Ticket, department: string): Assignment {
  if (!['dispatched', 'acknowledged', 'in-progress', 'replied', 'follow-up'].includes(ticket.state)) throw new LifecycleError('wrong-state');
  const a = activeAssignments(ticket).find((x) => x.department === department);
  if (!a) throw new LifecycleError('not-assigned');
  return a;
}

function replaceAssignment(ticket: Ticket, old: Assignment, next: Assignment): Assignment[] {
  return (ticket.assignments ?? []).map((a) => (a === old ? next : a));
}

/** 重办: back to the lead unit, to be acknowledged again, with deadlines counted afresh from now. */
function reopen(
  ticket: Ticket,
  ctx: LifecycleContext,
  at: string,
  reason: string,
  version: number,
  event: (action: string, to: TicketState, extra?: Partial<NewTicketEvent>) => NewTicketEvent,
): Decision {
  const lead = leadAssignment(ticket);
  if (!lead) throw new LifecycleError('wrong-state');
  const deadlines = computeDeadlines({ receivedAt: ctx.now, type: ticket.type, urgent: ticket.urgent, enterprise: ticket.enterprise }, ctx.limits, ctx.calendar, version);
  const assignments = (ticket.assignments ?? []).map((a) => (a === lead ? { ...a, state: 'dispatched' as const, deadlines, acknowledgedAt: undefined, repliedAt: undefined } : a));
  return {
    patch: { state: 'dispatched', assignments, deadlines, reopened: (ticket.reopened ?? 0) + 1, closedAt: undefined, closure: undefined },
    event: event('reopened', 'dispatched', { reason, data: { department: lead.department, reply: deadlines.reply } }),
  };
}
