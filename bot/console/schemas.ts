import { z } from 'zod';
import { ACCOUNT_ROLES } from '../../data/accounts/account';
import { ENTERPRISE_CATEGORIES } from '../../data/knowledge/entry';
import { isUscc } from '../../data/validation/identifiers';
import { TICKET_STATES, TICKET_TYPES } from '../../data/tickets/ticket';

/**
 * Request and response schemas of the console API. Requests are strict objects: an unknown field (and so any
 * MongoDB operator such as "$where" or "$gt") is refused with 400 before anything else reads the input. The same
 * schemas produce the OpenAPI document (openapi.ts).
 */

const text = (max: number, what: string) =>
  z
    .string({ error: `请填写${what}。` })
    .trim()
    .min(1, `请填写${what}。`)
    .max(max, `${what}不能超过 ${max} 字。`)
    // Control characters other than line breaks and tabs have no place in a reply or a reason.
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), `${what}含有无法识别的字符。`);

export const TicketId = z.string().regex(/^\d{10,12}$/, '工单号应为 10–12 位数字。');
export const DepartmentCode = z.string().regex(/^[a-z0-9-]{2,64}$/, '单位代码格式不正确。');
const expectedVersion = z.number().int().min(1).optional().describe('The ticket version the page showed; a different current version is refused with 409 conflict.');

export const LoginBody = z.strictObject({ username: z.string().trim().min(1, '请填写用户名。').max(64), password: z.string().min(1, '请填写密码。').max(128) });
export const ChangePasswordBody = z.strictObject({ currentPassword: z.string().min(1).max(128), newPassword: z.string().min(1).max(128) });

export const TicketListQuery = z.strictObject({
  view: z.enum(['queue', 'done', 'overdue', 'extensions', 'all']).default('queue').describe('queue: what the caller must act on; done: finished by the caller\'s unit; overdue: overdue or escalated (supervisors); extensions: pending extension requests (centre); all: every ticket the caller may see.'),
  department: DepartmentCode.optional().describe('Narrow to one unit (centre roles only).'),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export const ActionBodies = {
  acknowledge: z.strictObject({ expectedVersion }),
  start: z.strictObject({ expectedVersion }),
  reply: z.strictObject({ text: text(4000, '答复内容'), expectedVersion }),
  'request-extension': z.strictObject({ until: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式不正确，请填写如 2026-12-31 的日期。'), reason: text(500, '延期理由'), expectedVersion }),
  return: z.strictObject({ reason: text(500, '退单理由'), suggested: DepartmentCode.optional().describe('The unit the ticket should go to instead.'), expectedVersion }),
  close: z.strictObject({ reason: text(500, '办结说明').optional(), expectedVersion }),
  dispatch: z.strictObject({ lead: DepartmentCode, supports: z.array(DepartmentCode).max(5, '协办单位最多 5 个。').optional(), reason: text(500, '派单说明').optional(), expectedVersion }),
  merge: z.strictObject({ into: TicketId, expectedVersion }),
  'decide-extension': z.strictObject({ approve: z.boolean(), reason: text(500, '审批意见').optional(), expectedVersion }),
  wait: z.strictObject({ reason: text(500, '挂起原因'), expectedVersion }),
  resume: z.strictObject({ expectedVersion }),
  supervise: z.strictObject({ note: text(1000, '督办意见'), expectedVersion }),
} as const;
export type ActionName = keyof typeof ActionBodies;

const username = z.string().trim().toLowerCase().regex(/^[a-z0-9_.-]{3,32}$/, '用户名须为 3–32 位小写字母、数字或 _ . -。');
const creditCodes = z
  .array(z.string().trim().toUpperCase().refine(isUscc, '统一社会信用代码不正确，请核对营业执照上的18位代码。'))
  .max(500, '一个首席服务员最多联系 500 家企业。')
  .describe('Unified social credit codes of the enterprises a liaison (首席服务员) serves; liaisons only.');
export const CreateAccountBody = z.strictObject({
  username,
  displayName: text(32, '姓名'),
  role: z.enum(ACCOUNT_ROLES),
  department: DepartmentCode.optional().describe('Required for agents, not allowed for other roles.'),
  enterprises: creditCodes.optional(),
  password: z.string().min(1).max(128),
});
export const UpdateAccountBody = z.strictObject({
  displayName: text(32, '姓名').optional(),
  role: z.enum(ACCOUNT_ROLES).optional(),
  department: DepartmentCode.nullable().optional(),
  enterprises: creditCodes.optional(),
  disabled: z.boolean().optional(),
  password: z.string().min(1).max(128).optional().describe('A new password set by the administrator; the person must change it at next login.'),
});
export const CatalogueUnitBody = z.strictObject({
  name: text(64, '单位名称'),
  scope: z.array(text(64, '职责事项')).max(60, '职责事项最多 60 项。'),
  expectedVersion: z.number().int().min(0).describe('The catalogue setting version the page showed (0: never edited).'),
});
export const TimeLimitsBody = z.strictObject({
  limits: z.record(z.string(), z.unknown()).describe('The whole time-limit settings, in the form of data/time-limits.json.'),
  expectedVersion: z.number().int().min(0).describe('The time-limits setting version the page showed (0: never edited).'),
});
export const AuditQuery = z.strictObject({
  actorId: z.string().max(64).optional(),
  ticketId: TicketId.optional(),
  action: z.string().max(64).optional(),
  before: z.string().datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式不正确，请填写如 2027-12-31 的日期。');
const questions = z.array(text(200, '问法')).min(1, '请至少填写一种问法。').max(20, '问法最多 20 种。');
export const KnowledgeListQuery = z.strictObject({
  q: z.string().trim().max(200).optional().describe('Search words: entries ranked by the same search the bot uses.'),
  status: z.enum(['published', 'draft', 'retired']).optional(),
  department: DepartmentCode.optional(),
});
export const KnowledgeEntryBody = z.strictObject({
  department: DepartmentCode,
  category: z.enum(ENTERPRISE_CATEGORIES).nullable().optional().describe('An enterprise appeal category, for entries answering enterprises.'),
  questions,
  answer: text(2000, '答复内容'),
  validUntil: day.describe('Last day the bot may give this answer (Asia/Shanghai).'),
  status: z.enum(['published', 'draft', 'retired']).default('published'),
});
export const KnowledgeUpdateBody = z.strictObject({
  department: DepartmentCode.optional(),
  category: z.enum(ENTERPRISE_CATEGORIES).nullable().optional(),
  questions: questions.optional(),
  answer: text(2000, '答复内容').optional(),
  validUntil: day.optional(),
  status: z.enum(['published', 'draft', 'retired']).optional().describe('published: the bot uses it; draft: proposed; retired: kept, not used.'),
  expectedVersion: z.number().int().min(1).describe('The entry version the page showed; a different current version is refused with 409.'),
});
export const KnowledgeProposalBody = z.strictObject({
  reply: z.number().int().min(1).describe('The number (seq) of the answer to the citizen that the entry is made from.'),
  questions: z.array(text(200, '问法')).max(19).optional().describe('How people ask it; the citizen\'s own words (masked) are always added.'),
  answer: text(2000, '答复内容').optional().describe('The answer as the entry should give it; default: the reply\'s text.'),
  validUntil: day,
});

export const LedgerQuery = z.strictObject({
  creditCode: z.string().trim().toUpperCase().regex(/^[0-9A-Z]{18}$/, '统一社会信用代码应为18位。').optional(),
  category: z.enum(ENTERPRISE_CATEGORIES).optional(),
  department: DepartmentCode.optional(),
  state: z.enum(['open', 'closed']).optional(),
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式不正确。').optional().describe('Received on or after this day (Asia/Shanghai).'),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式不正确。').optional().describe('Received on or before this day.'),
});
const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');
const dayQuery = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式不正确，请填写如 2026-11-30 的日期。');
export const MeasuresQuery = z.strictObject({
  period: z.enum(['day', 'week', 'month', 'quarter', 'custom']).default('month'),
  date: dayQuery.optional().describe('A day in the period (custom: its first day). Default: today.'),
  until: dayQuery.optional().describe('Custom periods: the last day included.'),
  enterprise: booleanQuery.optional().describe('true: enterprise appeals only; false: citizens\' tickets only.'),
  category: z.enum(ENTERPRISE_CATEGORIES).optional(),
});
export const TrendsQuery = z.strictObject({
  date: dayQuery.optional(),
  days: z.coerce.number().int().min(7).max(366).default(30).describe('Daily volume over this many days up to date.'),
  kind: z.enum(['week', 'month']).default('week'),
  periods: z.coerce.number().int().min(2).max(24).default(12).describe('The rates over this many weeks or months.'),
  enterprise: booleanQuery.optional(),
});
export const HotspotQuery = z.strictObject({
  date: dayQuery.optional().describe('A day of the week looked at. Default: today.'),
  weeksBefore: z.coerce.number().int().min(1).max(12).default(4),
  minRepeat: z.coerce.number().int().min(2).max(50).default(3),
});
const weight = z.number().min(0).max(10).optional();
export const WeightsBody = z.strictObject({
  weights: z.strictObject({ responseRate: weight, resolutionRate: weight, satisfactionRate: weight, onTimeRate: weight, returnRate: weight, reopenRate: weight }),
  expectedVersion: z.number().int().min(0),
});
export const ReportBody = z.strictObject({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '月份格式不正确，请填写如 2026-11 的月份。') });
export const IssueLedgerQuery = z.strictObject({
  from: dayQuery.optional().describe('Received on or after this day.'),
  to: dayQuery.optional().describe('Received on or before this day.'),
  state: z.enum(['open', 'closed']).optional(),
  department: DepartmentCode.optional().describe('The lead unit (dispatch-centre: still with the centre).'),
  type: z.enum(TICKET_TYPES).optional(),
  enterprise: booleanQuery.optional(),
});
export const Open311ClientBody = z.strictObject({ name: text(64, '接入方名称').describe('Who the key is for, e.g. 市民通小程序') });

// ---- responses (documented; the server builds them in views.ts) ----

export const ApiErrorBody = z.object({ code: z.string(), message: z.string().describe('Simplified Chinese, for the person.') });
export const AccountOut = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(ACCOUNT_ROLES),
  department: z.string().optional(),
  enterprises: z.array(z.string()).optional(),
  disabled: z.boolean(),
  mustChangePassword: z.boolean().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const SessionOut = z.object({ account: AccountOut, csrfToken: z.string().describe('Send back as the X-CSRF-Token header on every POST, PATCH and DELETE.'), departmentName: z.string().optional(), expiresAt: z.string() });
const DueOut = z.object({ kind: z.enum(['ack', 'reply']).nullable(), at: z.string().nullable(), light: z.enum(['green', 'yellow', 'red', 'paused', 'done']), workingMinutesLeft: z.number().nullable() });
export const TicketSummaryOut = z.object({
  id: z.string(),
  version: z.number(),
  state: z.enum(TICKET_STATES),
  stateName: z.string(),
  type: z.enum(TICKET_TYPES),
  urgent: z.boolean(),
  enterprise: z.boolean(),
  summary: z.string().describe('The first 60 characters of the citizen\'s words, phone and ID numbers masked.'),
  location: z.string(),
  receivedAt: z.string(),
  lead: z.object({ department: z.string(), name: z.string() }).nullable(),
  queue: z.string().nullable(),
  due: DueOut,
  escalated: z.boolean(),
  waiting: z.boolean(),
  pendingExtension: z.boolean(),
});
export const TicketDetailOut = TicketSummaryOut.extend({
  description: z.string(),
  citizen: z.object({ anonymous: z.boolean(), phone: z.string().nullable(), name: z.string().nullable().describe('Masked (张*)'), email: z.string().nullable().describe('Masked'), hidden: z.boolean().describe('True when the reporter\'s identity is withheld from this role (举报).') }),
  channel: z.string().describe('Where the ticket came from: a Bot Framework channel id, or open311.'),
  enterpriseInfo: z.object({ creditCode: z.string(), name: z.string(), category: z.enum(ENTERPRISE_CATEGORIES) }).optional().describe('Enterprise appeals (企业诉求).'),
  candidates: z.array(z.object({ department: z.string(), name: z.string(), confidence: z.number() })),
  confidence: z.number().nullable(),
  assignments: z.array(z.object({ department: z.string(), name: z.string(), role: z.enum(['lead', 'support']), state: z.string(), deadlines: z.object({ ack: z.string(), reply: z.string(), resolve: z.string().optional(), provisional: z.boolean() }), due: DueOut })),
  replies: z.array(z.object({ seq: z.number(), at: z.string(), department: z.string(), name: z.string(), text: z.string(), toCitizen: z.boolean(), by: z.string() })),
  extensions: z.array(z.object({ department: z.string(), until: z.string(), reason: z.string(), status: z.string(), requestedAt: z.string(), requestedBy: z.string(), decisionReason: z.string().optional() })),
  history: z.array(z.object({ seq: z.number(), at: z.string(), action: z.string(), actionName: z.string(), by: z.string(), from: z.string().optional(), to: z.string().optional(), reason: z.string().optional(), detail: z.string().optional() })),
  mergedInto: z.string().optional(),
  mergedFrom: z.array(z.string()).optional(),
  allowed: z.array(z.string()).describe('Actions this caller may try now (the server still decides).'),
});
