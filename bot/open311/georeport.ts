import { XMLBuilder } from 'fast-xml-parser';
import type { Catalogue } from '../../data/catalogue';
import { DISPATCH_CENTRE } from '../../data/catalogue';
import { formatDeadlineZh, toShanghaiIso } from '../../data/calendar/deadlines';
import { leadAssignment } from '../../data/tickets/lifecycle';
import type { Ticket, TicketType } from '../../data/tickets/ticket';
import { redactText } from '../../data/validation/masking';
import { CITIZEN_STATES } from '../status';

/**
 * Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): the ticket types as services, and tickets as service
 * requests, in the specification's field names, in JSON and XML.
 */

/** The services: one per ticket type (咨询/求助/投诉/举报/建议/表扬). */
export const SERVICES: { code: string; type: TicketType; name: string; description: string; keywords: string }[] = [
  { code: 'consultation', type: '咨询', name: '咨询', description: '询问政策、办事流程、办理地点等', keywords: '咨询,政策,办事指南' },
  { code: 'help', type: '求助', name: '求助', description: '遇到困难需要政府部门帮助解决', keywords: '求助,帮助' },
  { code: 'complaint', type: '投诉', name: '投诉', description: '对环境、服务、管理等问题的投诉', keywords: '投诉,噪音,油烟,物业,拖欠工资' },
  { code: 'report', type: '举报', name: '举报', description: '举报违法违规行为，举报人信息依法保密', keywords: '举报,违法,违规' },
  { code: 'suggestion', type: '建议', name: '建议', description: '对城市管理和公共服务的意见建议', keywords: '建议,意见' },
  { code: 'praise', type: '表扬', name: '表扬', description: '表扬政府部门和工作人员', keywords: '表扬,感谢' },
];

export const serviceByCode = (code: string) => SERVICES.find((s) => s.code === code);
export const serviceByType = (type: TicketType) => SERVICES.find((s) => s.type === type)!;

export function servicesView() {
  return SERVICES.map((s) => ({ service_code: s.code, service_name: s.name, description: s.description, metadata: false, type: 'realtime', keywords: s.keywords, group: '12345政务服务便民热线' }));
}

export type Open311Request = Record<string, string | number | null>;

/**
 * A ticket as a GeoReport service request. Phone and ID numbers in the description are masked; the description of a
 * 举报 is shown only to the client that filed it (the reporter's words may identify them).
 */
export function requestView(ticket: Ticket, catalogue: Catalogue, ownClient: boolean): Open311Request {
  const lead = leadAssignment(ticket);
  const unit = lead?.department ?? (ticket.routing ? ticket.routing.department ?? DISPATCH_CENTRE : null);
  const closed = ticket.state === 'closed' || ticket.state === 'merged';
  const lastReply = [...(ticket.replies ?? [])].reverse().find((r) => r.toCitizen);
  const due = lead?.deadlines.reply ?? ticket.deadlines.reply;
  const updated = ticket.history[ticket.history.length - 1]?.at ?? ticket.receivedAt;
  return {
    service_request_id: ticket.id,
    status: closed ? 'closed' : 'open',
    status_notes: lastReply ? lastReply.text : CITIZEN_STATES[ticket.state],
    service_name: serviceByType(ticket.type).name,
    service_code: serviceByType(ticket.type).code,
    description: ticket.type === '举报' && !ownClient ? '（举报内容依规保密）' : redactText(ticket.description),
    agency_responsible: unit ? catalogue.nameOf(unit) : null,
    service_notice: closed ? '已办结' : `将于 ${formatDeadlineZh(due)} 前答复`,
    requested_datetime: toShanghaiIso(new Date(ticket.receivedAt)),
    updated_datetime: toShanghaiIso(new Date(updated)),
    expected_datetime: closed ? null : toShanghaiIso(new Date(due)),
    address: ticket.location,
    address_id: null,
    zipcode: null,
    lat: ticket.geo?.lat ?? null,
    long: ticket.geo?.long ?? null,
    media_url: null,
  };
}

const xml = new XMLBuilder({ ignoreAttributes: false, format: true, suppressEmptyNode: true });

/** A GeoReport document: JSON as an array, XML as <root><item>…</item></root>. */
export function render(format: 'json' | 'xml', root: string, item: string, items: Record<string, unknown>[]): { type: string; body: string } {
  if (format === 'json') return { type: 'application/json; charset=utf-8', body: JSON.stringify(items) };
  const clean = items.map((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === null || v === undefined ? '' : v])));
  return { type: 'text/xml; charset=utf-8', body: xml.build({ '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' }, [root]: { [item]: clean } }) };
}

/** GeoReport's error document: [{code, description}] / <errors><error>…</error></errors>. */
export function renderErrors(format: 'json' | 'xml', status: number, description: string) {
  return render(format, 'errors', 'error', [{ code: status, description }]);
}
