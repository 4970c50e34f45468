import type { Account } from '../../data/accounts/account';
import type { TimeLimits } from '../../data/calendar/deadlines';
import type { WorkingCalendar } from '../../data/calendar/working-days';
import { DISPATCH_CENTRE, type Catalogue } from '../../data/catalogue';
import { dueOf, type Due } from '../../data/tickets/due';
import { activeAssignments, currentQueue, leadAssignment, withAssignments } from '../../data/tickets/lifecycle';
import type { Actor, Assignment, Ticket, TicketEvent, TicketState } from '../../data/tickets/ticket';
import { maskEmail, maskName, maskPhone, redactText } from '../../data/validation/masking';

export const STATE_NAMES: Record<TicketState, string> = {
  received: '已受理',
  dispatched: '待签收',
  acknowledged: '已签收',
  'in-progress': '办理中',
  replied: '已答复',
  'follow-up': '回访中',
  closed: '已办结',
  returned: '已退单',
  merged: '已并单',
};

export const ACTION_NAMES: Record<string, string> = {
  received: '受理',
  dispatched: '智能派单',
  'sent-to-dispatch-centre': '转人工派单',
  'dispatched-manually': '人工派单',
  redispatched: '改派',
  acknowledged: '签收',
  started: '开始办理',
  returned: '退单',
  'extension-requested': '申请延期',
  'extension-approved': '同意延期',
  'extension-refused': '不同意延期',
  waiting: '挂起',
  resumed: '恢复办理',
  replied: '答复',
  'follow-up-started': '回访',
  closed: '办结',
  reopened: '重办',
  merged: '并单',
  'merged-in': '并入工单',
  'answered-directly': '即时办结',
  'citizen-notified': '已通知市民',
  warning: '黄灯预警',
  overdue: '红灯超期',
  escalated: '督办升级',
  supervised: '督办意见',
};

/** Who is looking: what they may see follows from role and unit. */
export interface Viewer {
  account: Account;
}

export interface ViewDeps {
  catalogue: Catalogue;
  calendar: WorkingCalendar;
  limits: TimeLimits;
  /** Display names of accounts by username, for the history. */
  names: (username: string) => string | undefined;
  now: Date;
}

/** True when the viewer may see the ticket at all: centre roles see every ticket, an agent its unit's. */
export function maySee(viewer: Viewer, ticket: Ticket): boolean {
  // A liaison (首席服务员) sees the appeals of the enterprises it serves, and nothing else.
  if (viewer.account.role === 'liaison') return Boolean(ticket.enterpriseInfo && viewer.account.enterprises?.includes(ticket.enterpriseInfo.creditCode));
  if (viewer.account.role !== 'agent') return true;
  const t = withAssignments(ticket);
  // An agent keeps seeing a ticket its unit worked on (replied), not one it returned or was withdrawn from.
  return activeAssignments(t).some((a) => a.department === viewer.account.department);
}

/** A 举报 reporter's identity is never shown to department agents (domain reference, Confidentiality). */
export function identityHidden(viewer: Viewer, ticket: Ticket): boolean {
  return (viewer.account.role === 'agent' || viewer.account.role === 'liaison') && ticket.type === '举报';
}

/** The assignment that decides the light this viewer sees: their own unit's for an agent, the lead's otherwise. */
function focusAssignment(viewer: Viewer, ticket: Ticket): Assignment | undefined {
  const t = withAssignments(ticket);
  if (viewer.account.role === 'agent') return activeAssignments(t).find((a) => a.department === viewer.account.department);
  return leadAssignment(t);
}

function actorName(actor: Actor, hidden: boolean, deps: ViewDeps): string {
  switch (actor.role) {
    case 'citizen':
      return hidden ? '举报人' : '市民';
    case 'classifier':
      return '智能分派';
    case 'system':
      return '系统';
    default: {
      const name = deps.names(actor.id);
      const unit = actor.department ? deps.catalogue.nameOf(actor.department) + ' ' : '';
      return unit + (name ? `${name}（${actor.id}）` : actor.id);
    }
  }
}

function detailOf(e: TicketEvent, deps: ViewDeps): string | undefined {
  const d = e.data ?? {};
  const name = (code: unknown) => (typeof code === 'string' ? deps.catalogue.nameOf(code) : '');
  switch (e.action) {
    case 'dispatched':
    case 'sent-to-dispatch-centre':
      return `派往：${name(d.queue)}${typeof d.confidence === 'number' ? `（置信度 ${(d.confidence * 100).toFixed(0)}%）` : ''}`;
    case 'dispatched-manually':
    case 'redispatched': {
      const supports = Array.isArray(d.supports) && d.supports.length ? `，协办：${d.supports.map(name).join('、')}` : '';
      return `主办：${name(d.lead ?? d.toQueue)}${supports}`;
    }
    case 'returned':
      return d.suggested ? `建议改派：${name(d.suggested)}` : undefined;
    case 'extension-requested':
      return `申请延期至 ${String(d.until ?? '')}`;
    case 'replied':
      return d.role === 'support' ? `${name(d.department)}（协办意见）` : name(d.department);
    case 'merged':
      return `并入工单 ${String(d.into ?? '')}`;
    case 'merged-in':
      return `并入了工单 ${String(d.from ?? '')}`;
    case 'warning':
    case 'overdue':
    case 'escalated':
      return typeof d.text === 'string' ? d.text : undefined;
    default:
      return undefined;
  }
}

function dueFor(viewer: Viewer, ticket: Ticket, deps: ViewDeps): Due {
  const focus = focusAssignment(viewer, ticket);
  if (!focus && viewer.account.role !== 'agent' && ['received', 'dispatched', 'returned'].includes(ticket.state)) {
    // With the centre (人工派单, 退单): the ticket's own reply deadline runs on; the centre owes a dispatch.
    const centre: Assignment = { department: DISPATCH_CENTRE, role: 'lead', state: 'acknowledged', assignedAt: ticket.receivedAt, deadlines: ticket.deadlines };
    return dueOf(ticket, centre, deps.now, deps.calendar, deps.limits);
  }
  return dueOf(ticket, focus, deps.now, deps.calendar, deps.limits);
}

function stateName(ticket: Ticket): string {
  if (ticket.state === 'returned' || (ticket.state === 'dispatched' && !leadAssignment(ticket))) return ticket.state === 'returned' ? '已退单，待改派' : '待人工派单';
  return STATE_NAMES[ticket.state];
}

export function isEscalated(ticket: Ticket): boolean {
  return ticket.history.some((e) => e.action === 'escalated' || e.action === 'overdue');
}

function summaryText(ticket: Ticket): string {
  const clean = redactText(ticket.description).replace(/\s+/g, ' ');
  return clean.length > 60 ? clean.slice(0, 60) + '…' : clean;
}

/** A line of a queue: no phone number, no reporter identity, numbers in the text masked. */
export function summaryView(viewer: Viewer, stored: Ticket, deps: ViewDeps) {
  const ticket = withAssignments(stored);
  const lead = leadAssignment(ticket);
  return {
    id: ticket.id,
    version: ticket.version,
    state: ticket.state,
    stateName: stateName(ticket),
    type: ticket.type,
    urgent: ticket.urgent,
    enterprise: ticket.enterprise,
    summary: summaryText(ticket),
    location: redactText(ticket.location),
    receivedAt: ticket.receivedAt,
    lead: lead ? { department: lead.department, name: deps.catalogue.nameOf(lead.department) } : null,
    queue: currentQueue(ticket),
    due: dueFor(viewer, ticket, deps),
    escalated: isEscalated(ticket),
    waiting: Boolean(ticket.waiting),
    pendingExtension: (ticket.extensions ?? []).some((e) => e.status === 'pending'),
  };
}

/** Actions the viewer may try on the ticket now (the page shows these buttons; the server still decides). */
export function allowedActions(viewer: Viewer, stored: Ticket): string[] {
  const ticket = withAssignments(stored);
  const role = viewer.account.role;
  const out: string[] = [];
  const finished = ticket.state === 'closed' || ticket.state === 'merged';
  if (finished) return out;
  if (role === 'agent') {
    const a = activeAssignments(ticket).find((x) => x.department === viewer.account.department);
    if (!a) return out;
    if (a.state === 'dispatched') out.push('acknowledge', 'return');
    if (a.state === 'acknowledged') out.push('start');
    if (a.state === 'acknowledged' || a.state === 'in-progress') {
      out.push('reply', 'return');
      if (!ticket.extensions?.some((e) => e.status === 'pending')) out.push('request-extension');
    }
    if (ticket.state === 'replied' && a.role === 'lead') out.push('close');
    return [...new Set(out)];
  }
  if (role === 'dispatcher' || role === 'supervisor' || role === 'admin') {
    const lead = leadAssignment(ticket);
    if (['received', 'returned'].includes(ticket.state) || (ticket.state === 'dispatched' && (!lead || lead.state === 'dispatched'))) out.push('dispatch');
    if (ticket.extensions?.some((e) => e.status === 'pending')) out.push('decide-extension');
    if (['dispatched', 'acknowledged', 'in-progress'].includes(ticket.state)) out.push(ticket.waiting ? 'resume' : 'wait');
    out.push('merge');
    if (ticket.state === 'replied' || ticket.state === 'follow-up') out.push('close');
  }
  if (role === 'supervisor' || role === 'admin') out.push('supervise');
  return out;
}

/** The whole ticket as this viewer may see it. */
export function detailView(viewer: Viewer, stored: Ticket, deps: ViewDeps) {
  const ticket = withAssignments(stored);
  const hidden = identityHidden(viewer, ticket);
  const routing = ticket.routing;
  return {
    ...summaryView(viewer, stored, deps),
    description: redactText(ticket.description),
    citizen: {
      anonymous: ticket.citizen.anonymous,
      phone: hidden || !ticket.citizen.phone ? null : maskPhone(ticket.citizen.phone),
      name: hidden || !ticket.citizen.name ? null : maskName(ticket.citizen.name),
      email: hidden || !ticket.citizen.email ? null : maskEmail(ticket.citizen.email),
      hidden,
    },
    channel: ticket.channel.channelId,
    ...(ticket.enterpriseInfo ? { enterpriseInfo: { ...ticket.enterpriseInfo, categoryName: ticket.enterpriseInfo.category } } : {}),
    candidates: (routing?.candidates ?? []).map((c) => ({ department: c.department, name: deps.catalogue.nameOf(c.department), confidence: c.confidence })),
    confidence: routing ? routing.confidence : null,
    assignments: (ticket.assignments ?? []).map((a) => ({
      department: a.department,
      name: deps.catalogue.nameOf(a.department),
      role: a.role,
      state: a.state,
      deadlines: { ack: a.deadlines.ack, reply: a.deadlines.reply, ...(a.deadlines.resolve ? { resolve: a.deadlines.resolve } : {}), provisional: a.deadlines.provisional },
      due: dueOf(ticket, a, deps.now, deps.calendar, deps.limits),
    })),
    replies: (ticket.replies ?? []).map((r) => ({ seq: r.seq, at: r.at, department: r.department, name: deps.catalogue.nameOf(r.department), text: r.text, toCitizen: r.toCitizen, by: actorName(r.actor, hidden, deps) })),
    extensions: (ticket.extensions ?? []).map((e) => ({
      department: e.department,
      until: e.until,
      reason: e.reason,
      status: e.status,
      requestedAt: e.requestedAt,
      requestedBy: actorName(e.requestedBy, hidden, deps),
      ...(e.decisionReason ? { decisionReason: e.decisionReason } : {}),
    })),
    history: ticket.history.map((e) => ({
      seq: e.seq,
      at: e.at,
      action: e.action,
      actionName: ACTION_NAMES[e.action] ?? e.action,
      by: actorName(e.actor, hidden, deps),
      ...(e.from ? { from: e.from } : {}),
      ...(e.to ? { to: e.to } : {}),
      ...(e.reason ? { reason: redactText(e.reason) } : {}),
      ...(detailOf(e, deps) ? { detail: detailOf(e, deps) } : {}),
    })),
    ...(ticket.mergedInto ? { mergedInto: ticket.mergedInto } : {}),
    ...(ticket.mergedFrom ? { mergedFrom: ticket.mergedFrom } : {}),
    allowed: allowedActions(viewer, stored),
  };
}

/** What a queue shows first: overdue and nearly due on top (least working time left), then the oldest. */
export function byDue<T extends { due: Due; receivedAt: string }>(a: T, b: T): number {
  const left = (x: T) => (x.due.workingMinutesLeft === null ? Number.POSITIVE_INFINITY : x.due.workingMinutesLeft);
  return left(a) - left(b) || a.receivedAt.localeCompare(b.receivedAt);
}

export { DISPATCH_CENTRE };
