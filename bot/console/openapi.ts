import { z } from 'zod';
import { ActionBodies, AccountOut, ApiErrorBody, AuditQuery, ChangePasswordBody, CreateAccountBody, KnowledgeEntryBody, KnowledgeListQuery, KnowledgeProposalBody, KnowledgeUpdateBody, LedgerQuery, LoginBody, Open311ClientBody, MeasuresQuery, TrendsQuery, HotspotQuery, WeightsBody, ReportBody, IssueLedgerQuery, SessionOut, TicketDetailOut, TicketListQuery, TicketSummaryOut, UpdateAccountBody } from './schemas';

/** Served at this path; the console and other programs read the API from it. */
export const OPENAPI_PATH = '/api/console/openapi.json';

const ACTION_DOCS: Record<keyof typeof ActionBodies, string> = {
  acknowledge: '签收 — an agent signs for its unit\'s ticket.',
  start: '开始办理 — an agent marks the ticket in progress.',
  reply: '答复 — the lead unit\'s answer goes to the citizen in the conversation they filed in; a supporting unit\'s goes to the lead.',
  'request-extension': '申请延期 — an agent asks for a later reply deadline (centre approves).',
  return: '退单 — not this unit\'s matter; the ticket goes back to the dispatch centre with a suggested unit.',
  close: '办结 — close a replied ticket (lead unit or centre).',
  dispatch: '派单 / 改派 — the centre sends the ticket to one lead unit and optional supporting units.',
  merge: '并单 — close this ticket into another one about the same matter.',
  'decide-extension': '审批延期 — approve or refuse the pending extension request.',
  wait: '挂起 — waiting on the citizen; the time does not count against the deadlines.',
  resume: '恢复 — end waiting; deadlines move by the time waited.',
  supervise: '督办 — a supervisor\'s note the units see.',
};

function schema(s: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

const errorResponses = {
  '400': { description: 'Invalid input (unknown fields and MongoDB operators included)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  '401': { description: 'Not logged in, or the session expired', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  '403': { description: 'Role not allowed, or CSRF token missing or wrong', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
};

function queryParams(s: z.ZodObject) {
  const json = schema(s) as { properties: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties).map(([name, p]) => ({ name, in: 'query', required: json.required?.includes(name) ?? false, schema: p, description: p.description }));
}

/** The OpenAPI 3.1 document of the console API, built from the same zod schemas that validate requests. */
export function openApiDocument(): Record<string, unknown> {
  const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
  const ticketId = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{10,12}$' }, description: '工单号' };
  const paths: Record<string, unknown> = {
    '/api/console/session': {
      post: { summary: '登录 — log in (throttled: 5 failures per username and address in 15 min, 30 per address per hour → 429)', requestBody: { required: true, ...json('LoginBody') }, responses: { '201': { description: 'Logged in; sets the session cookie', ...json('Session') }, '401': errorResponses['401'], '403': { description: 'Account disabled' }, '429': { description: 'Too many failed logins; Retry-After says when to try again' } } },
      get: { summary: 'The current session (account and CSRF token)', responses: { '200': json('Session'), '401': errorResponses['401'] } },
      delete: { summary: '退出 — log out', responses: { '204': { description: 'Logged out' }, '403': errorResponses['403'] } },
    },
    '/api/console/session/password': { post: { summary: '修改密码', requestBody: { required: true, ...json('ChangePasswordBody') }, responses: { '204': { description: 'Changed' }, ...errorResponses } } },
    '/api/console/tickets': {
      get: {
        summary: 'Tickets the caller may see: an agent only its own unit\'s; queue view sorted by what is due first',
        parameters: queryParams(TicketListQuery),
        responses: { '200': { description: 'Tickets', content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/TicketSummary' } }, total: { type: 'integer' } } } } } }, ...errorResponses },
      },
    },
    '/api/console/tickets/{id}': { get: { summary: 'One ticket: citizen\'s words (numbers masked), candidates, assignments, replies, history', parameters: [ticketId], responses: { '200': json('TicketDetail'), '404': { description: 'No such ticket, or another unit\'s (agents)', ...json('Error') }, ...errorResponses } } },
    '/api/console/tickets/{id}/reveal-contact': { post: { summary: '查看联系电话 — the citizen\'s phone in clear; audited; refused for a 举报 reporter to agents', parameters: [ticketId], responses: { '200': { description: 'Phone' }, '403': errorResponses['403'], '404': { description: 'Not found' } } } },
    '/api/console/events': { get: { summary: 'Server-sent events: `ticket` events {ticketId, version, state, audiences, action} for the caller\'s queues', responses: { '200': { description: 'text/event-stream' } } } },
    '/api/console/notifications': { get: { summary: '站内通知 — warnings, escalations and supervision notes for the caller', responses: { '200': { description: 'Notifications' } } } },
    '/api/console/catalogue': { get: { summary: '派单目录 — the units', responses: { '200': { description: 'Catalogue' } } } },
    '/api/console/time-limits': { get: { summary: '办理时限 — the time-limit settings in force', responses: { '200': { description: 'Time limits' } } } },
    '/api/console/accounts': {
      get: { summary: 'Accounts (administrators)', responses: { '200': { description: 'Accounts', content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Account' } } } } } } }, ...errorResponses } },
      post: { summary: 'Create an account (administrators); the person must change the password at first login', requestBody: { required: true, ...json('CreateAccountBody') }, responses: { '201': json('Account'), '409': { description: 'Username taken' }, ...errorResponses } },
    },
    '/api/console/accounts/{id}': { patch: { summary: 'Change an account (administrators): name, role, unit, disabled, new password', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], requestBody: { required: true, ...json('UpdateAccountBody') }, responses: { '200': json('Account'), '404': { description: 'No such account' }, ...errorResponses } } },
    '/api/console/knowledge': {
      get: { summary: '知识库 — entries (administrators: all; others: published, and their unit\'s drafts), optionally ranked by a search', parameters: queryParams(KnowledgeListQuery), responses: { '200': { description: 'Entries' }, ...errorResponses } },
      post: { summary: 'Add an entry (administrators)', requestBody: { required: true, ...json('KnowledgeEntryBody') }, responses: { '201': { description: 'The entry' }, ...errorResponses } },
    },
    '/api/console/knowledge/{id}': { put: { summary: 'Edit, publish or retire an entry (administrators); refused with 409 when the entry changed since the page showed it', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], requestBody: { required: true, ...json('KnowledgeUpdateBody') }, responses: { '200': { description: 'The entry' }, '404': { description: 'No such entry' }, '409': { description: 'Changed by someone else' }, ...errorResponses } } },
    '/api/console/tickets/{id}/knowledge': { post: { summary: '转为知识库条目 — an agent proposes an entry (draft) from its unit\'s answer to the citizen; the citizen\'s words (masked) become one of its questions', parameters: [ticketId], requestBody: { required: true, ...json('KnowledgeProposalBody') }, responses: { '201': { description: 'The proposed entry' }, '404': { description: 'No such ticket, or another unit\'s' }, ...errorResponses } } },
    '/api/console/open311/clients': {
      get: { summary: 'Open311 接入方 (administrators): the other channels allowed to file tickets', responses: { '200': { description: 'Clients (no keys)' }, ...errorResponses } },
      post: { summary: 'Create a client; the response carries its api_key, shown only this once', requestBody: { required: true, content: { 'application/json': { schema: schema(Open311ClientBody) } } }, responses: { '201': { description: 'The client and its apiKey' }, ...errorResponses } },
    },
    '/api/console/open311/clients/{id}': { delete: { summary: 'Revoke a client\'s api_key', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '204': { description: 'Revoked' }, '404': { description: 'No such client' }, ...errorResponses } } },
    '/api/console/enterprise/ledger': { get: { summary: '企业诉求台账 — enterprise appeals the caller may see (centre: all; a unit: its own; a liaison: its enterprises), with counts by enterprise, category, unit and state', parameters: queryParams(LedgerQuery), responses: { '200': { description: 'Rows (at most 1,000) and groups' }, ...errorResponses } } },
    '/api/console/enterprise/ledger.csv': { get: { summary: 'The same ledger as CSV (UTF-8 with BOM)', parameters: queryParams(LedgerQuery), responses: { '200': { description: 'text/csv' }, ...errorResponses } } },
    '/api/console/enterprise/ledger.xlsx': { get: { summary: 'The same ledger as an XLSX workbook (ledger sheet and sheets by enterprise, category, unit, state)', parameters: queryParams(LedgerQuery), responses: { '200': { description: 'XLSX' }, ...errorResponses } } },
    '/api/console/measures': { get: { summary: '统计分析 — the period\'s measures of the centre and every unit, the red/black list with the change since the previous period, the definitions (centre roles)', parameters: queryParams(MeasuresQuery), responses: { '200': { description: 'Dashboard' }, ...errorResponses } } },
    '/api/console/measures/enterprise': { get: { summary: 'Enterprise appeals\' measures by appeal category', parameters: queryParams(MeasuresQuery), responses: { '200': { description: 'Measures per category' }, ...errorResponses } } },
    '/api/console/measures/trends': { get: { summary: 'Daily volume by type and by unit; the centre\'s rates per week or month', parameters: queryParams(TrendsQuery), responses: { '200': { description: 'Trends' }, ...errorResponses } } },
    '/api/console/measures/hotspots': { get: { summary: '热点预警 — the week\'s top and rising topics and places, and repeated matters (same place and topic)', parameters: queryParams(HotspotQuery), responses: { '200': { description: 'Hotspots' }, ...errorResponses } } },
    '/api/console/measures/weights': {
      get: { summary: 'The red/black list\'s weights', responses: { '200': { description: 'Weights and version' } } },
      put: { summary: 'Change the weights (administrators; versioned)', requestBody: { required: true, content: { 'application/json': { schema: schema(WeightsBody) } } }, responses: { '200': { description: 'Saved' }, '409': { description: 'Changed by someone else' }, ...errorResponses } },
    },
    '/api/console/reports': {
      get: { summary: '月报 kept for download', responses: { '200': { description: 'Reports' } } },
      post: { summary: 'Generate a month\'s report now (runs in the workers)', requestBody: { required: true, content: { 'application/json': { schema: schema(ReportBody) } } }, responses: { '202': { description: 'Queued' }, ...errorResponses } },
    },
    '/api/console/reports/{name}': { get: { summary: 'Download a kept report (YYYY-MM.xlsx or YYYY-MM.csv)', parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{4}-\\d{2}\\.(xlsx|csv)$' } }], responses: { '200': { description: 'The file' }, '404': { description: 'No such report' } } } },
    '/api/console/issue-ledger.xlsx': { get: { summary: '问题台账 — every ticket matching the filter with its history summary, XLSX', parameters: queryParams(IssueLedgerQuery), responses: { '200': { description: 'XLSX' }, ...errorResponses } } },
    '/api/console/issue-ledger.csv': { get: { summary: '问题台账 as CSV (UTF-8 with BOM)', parameters: queryParams(IssueLedgerQuery), responses: { '200': { description: 'CSV' }, ...errorResponses } } },
    '/api/console/audit': { get: { summary: '审计日志 (administrators), newest first', parameters: queryParams(AuditQuery), responses: { '200': { description: 'Audit entries' }, ...errorResponses } } },
  };
  for (const [name, body] of Object.entries(ActionBodies)) {
    paths[`/api/console/tickets/{id}/${name}`] = {
      post: {
        summary: ACTION_DOCS[name as keyof typeof ActionBodies],
        parameters: [ticketId],
        requestBody: { required: true, content: { 'application/json': { schema: schema(body) } } },
        responses: { '200': json('TicketDetail'), '404': { description: 'No such ticket, or another unit\'s', ...json('Error') }, '409': { description: 'Not possible in the ticket\'s state, or changed by someone else since (conflict)', ...json('Error') }, ...errorResponses },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: '12345 热线工单控制台 API', version: '1.0.0', description: 'Session cookie auth (POST /api/console/session). Every POST/PATCH/DELETE needs the X-CSRF-Token header from the session. Errors are {code, message}; message is Simplified Chinese for people, code is stable for programs.' },
    paths,
    components: {
      schemas: {
        Error: schema(ApiErrorBody),
        LoginBody: schema(LoginBody),
        ChangePasswordBody: schema(ChangePasswordBody),
        Session: schema(SessionOut),
        Account: schema(AccountOut),
        CreateAccountBody: schema(CreateAccountBody),
        UpdateAccountBody: schema(UpdateAccountBody),
        TicketSummary: schema(TicketSummaryOut),
        TicketDetail: schema(TicketDetailOut),
        KnowledgeEntryBody: schema(KnowledgeEntryBody),
        KnowledgeUpdateBody: schema(KnowledgeUpdateBody),
        KnowledgeProposalBody: schema(KnowledgeProposalBody),
      },
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'hotline.sid' } },
    },
    security: [{ session: [] }],
  };
}
