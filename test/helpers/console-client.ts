/** A console API client as a browser is one: a cookie jar, and the CSRF token from the session sent back on writes. */
export class ConsoleClient {
  private cookie = '';
  csrf = '';

  constructor(readonly base: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const h: Record<string, string> = { Accept: 'application/json', ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    if (this.cookie) h.Cookie = this.cookie;
    if (method !== 'GET' && this.csrf && !('X-CSRF-Token' in headers)) h['X-CSRF-Token'] = this.csrf;
    const res = await fetch(this.base + path, { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), redirect: 'manual' });
    const set = res.headers.getSetCookie();
    for (const c of set) {
      const [pair] = c.split(';');
      this.cookie = pair.endsWith('=') ? '' : pair;
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  async login(username: string, password: string): Promise<{ status: number; body: any }> {
    const r = await this.request('POST', '/api/console/session', { username, password });
    if (r.status === 201) this.csrf = r.body.csrfToken;
    return r;
  }

  get(path: string) {
    return this.request('GET', '/api/console' + path);
  }

  post(path: string, body: unknown = {}, headers?: Record<string, string>) {
    return this.request('POST', '/api/console' + path, body, headers);
  }

  put(path: string, body: unknown) {
    return this.request('PUT', '/api/console' + path, body);
  }

  patch(path: string, body: unknown) {
    return this.request('PATCH', '/api/console' + path, body);
  }

  get cookieValue(): string {
    return this.cookie;
  }

  set cookieValue(v: string) {
    this.cookie = v;
  }
}
