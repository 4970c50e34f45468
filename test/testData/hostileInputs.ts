/**
 * The hostile-input corpus (issue 8): what an attacker or a broken client sends, and what the product must answer.
 * Every item is asserted by test/hostile.test.ts.
 */

const deep = (depth: number): unknown => {
  let v: unknown = { leaf: '叶子' };
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};

export interface HttpCase {
  name: string;
  method: 'GET' | 'POST' | 'PUT';
  /** Raw path, sent as is (no URL normalization). */
  path: string;
  /** A JSON value, or a raw string body. */
  body?: unknown;
  raw?: string;
  contentType?: string;
  /** The console's session and CSRF token are sent along. */
  asAdmin?: boolean;
  status: number | number[];
  /** Must not appear in the answer (a leaked file, a stack trace). */
  never?: RegExp;
}

const activity = (over: Record<string, unknown>) => ({ type: 'message', id: 'h-1', channelId: 'emulator', serviceUrl: 'http://127.0.0.1:9/', conversation: { id: 'hostile' }, from: { id: 'u' }, recipient: { id: 'bot' }, text: '你好', ...over });

export const httpCases: HttpCase[] = [
  // Oversized bodies: refused by the size limit of each route.
  { name: 'oversized activity (600 KB)', method: 'POST', path: '/api/messages', raw: JSON.stringify(activity({ text: '长'.repeat(300_000) })), status: 413 },
  { name: 'oversized console request (100 KB)', method: 'POST', path: '/api/console/session', raw: JSON.stringify({ username: 'a'.repeat(100_000), password: 'x' }), status: 413 },
  { name: 'oversized Open311 request (100 KB)', method: 'POST', path: '/open311/v2/requests.json', raw: JSON.stringify({ description: '长'.repeat(50_000) }), status: 413 },
  // Deeply nested JSON.
  { name: 'deeply nested activity (5,000 levels)', method: 'POST', path: '/api/messages', raw: JSON.stringify(activity({ channelData: '@@' })).replace('"@@"', '{"a":'.repeat(5000) + '{}' + '}'.repeat(5000)), status: 400 },
  // The token endpoint reads no body: a hostile one is parsed (iteratively, no stack overflow) and ignored.
  { name: 'deeply nested body where none is read (100,000 levels)', method: 'POST', path: '/api/chat/token', raw: '['.repeat(100_000) + ']'.repeat(100_000), status: [200, 400, 413] },
  { name: 'deeply nested console body', method: 'POST', path: '/api/console/session', body: { username: 'admin', password: deep(200) }, status: 400 },
  { name: 'deeply nested Open311 body', method: 'POST', path: '/open311/v2/requests.json', body: { api_key: 'x', service_code: 'complaint', description: deep(100) }, status: 400 },
  // MongoDB operator injection in every JSON input, and keys with dots or $.
  { name: 'operator as login name', method: 'POST', path: '/api/console/session', body: { username: { $gt: '' }, password: { $gt: '' } }, status: 400 },
  { name: '$where in a login', method: 'POST', path: '/api/console/session', body: { username: 'admin', password: 'x', $where: 'sleep(1000)' }, status: 400 },
  { name: 'dotted key in an account', method: 'POST', path: '/api/console/accounts', asAdmin: true, body: { username: 'evil', displayName: 'x', role: 'admin', password: 'Very-long-pass-1', 'role.admin': true }, status: 400 },
  { name: 'operator in a query string', method: 'GET', path: '/api/console/tickets?view[$ne]=queue', asAdmin: true, status: 400 },
  { name: 'operator in a knowledge entry', method: 'POST', path: '/api/console/knowledge', asAdmin: true, body: { department: 'finance', questions: [{ $gt: '' }], answer: '一个足够长的答复内容。', validUntil: '2099-12-31' }, status: 400 },
  { name: 'operator as activity text', method: 'POST', path: '/api/messages', body: activity({ text: { $gt: '' } }), status: 400 },
  { name: 'operator in Open311 JSON', method: 'POST', path: '/open311/v2/requests.json', body: { api_key: { $ne: null }, service_code: 'complaint', description: '路灯坏了' }, status: 400 },
  { name: 'operator as Open311 query', method: 'GET', path: '/open311/v2/requests.json?service_code[$ne]=x', status: 400 },
  { name: 'not JSON at all', method: 'POST', path: '/api/messages', raw: '{"type":"message",', status: 400 },
  // Path traversal in every route that serves files.
  { name: 'traversal in the console\'s static files', method: 'GET', path: '/console/..%2f..%2f..%2fetc%2fpasswd', status: [400, 404], never: /root:/ },
  { name: 'traversal in the chat page\'s static files', method: 'GET', path: '/%2e%2e/%2e%2e/package.json', status: [400, 404], never: /"dependencies"/ },
  { name: 'traversal to the generated secret', method: 'GET', path: '/..%2fvar%2fsecret.key', status: [400, 404] },
  { name: 'traversal in the report downloads', method: 'GET', path: '/api/console/reports/..%2f..%2fsecret.key', asAdmin: true, status: 404 },
  { name: 'traversal in the Web Chat bundle route', method: 'GET', path: '/webchat/..%2f..%2fpackage.json', status: [400, 404], never: /"dependencies"/ },
  { name: 'traversal in the chart library route', method: 'GET', path: '/console/vendor/..%2f..%2f..%2fpackage.json', status: [400, 404], never: /"dependencies"/ },
];

/** What citizens type that must be answered politely and stored clean. */
export const messageCases: { name: string; text: string; storedWithout?: RegExp }[] = [
  { name: 'control characters', text: '楼下\u0000烧烤\u0007店油烟\u001b太大，晚上十点还在烤', storedWithout: /[\u0000-\u0008\u001b]/ },
  { name: 'a lone high surrogate', text: '路灯坏了\ud800好几天了，晚上很黑', storedWithout: /[\ud800-\udbff](?![\udc00-\udfff])/ },
  { name: 'a lone low surrogate', text: '井盖丢了\udc00，很危险', storedWithout: /(?<![\ud800-\udbff])[\udc00-\udfff]/ },
  { name: 'script and markup', text: '<script>alert(1)</script><img src=x onerror=alert(2)>小区门口的垃圾三天没人收' },
  { name: 'zero-width and bidi characters', text: '噪\u200b音\u202e扰民，工地夜里施工' , storedWithout: /[\u200b\u202e]/ },
];
