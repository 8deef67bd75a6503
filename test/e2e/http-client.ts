/**
 * A signed-in HTTP client over fetch for tests against a real server process (supertest needs an app
 * object in the same process). Keeps its cookies (the session, and the sign-in form's CSRF cookie) and
 * reads CSRF tokens from forms.
 */
export interface Reply {
  status: number;
  location: string | null;
  text: string;
}

export function csrfIn(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error('no CSRF token on the page');
  return m[1];
}

/** The server went away mid-request (refused, reset, or the body cut off): not an HTTP answer. */
export class ConnectionLost extends Error {}

export class Client {
  private readonly cookies = new Map<string, string>();

  constructor(private base: string) {}

  /** The same session against a restarted server on another port. */
  moveTo(base: string): void {
    this.base = base;
  }

  private async send(path: string, init: RequestInit): Promise<Reply> {
    try {
      const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(`${this.base}${path}`, { ...init, redirect: 'manual', headers: { ...init.headers as Record<string, string>, cookie } });
      for (const set of res.headers.getSetCookie()) {
        const pair = set.split(';')[0]!;
        const eq = pair.indexOf('=');
        if (eq > 0) this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      return { status: res.status, location: res.headers.get('location'), text: await res.text() };
    } catch (e) {
      // fetch rejects only for network failures; an HTTP error status is an answer and is returned.
      throw new ConnectionLost(`${init.method} ${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  get(path: string): Promise<Reply> {
    return this.send(path, { method: 'GET' });
  }

  /** Posts a form; `fields` may be a ready-encoded body when a name repeats. */
  post(path: string, fields: Record<string, string> | string): Promise<Reply> {
    const body = typeof fields === 'string' ? fields : new URLSearchParams(fields).toString();
    return this.send(path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  /** GETs a form page and posts to it with its CSRF token. */
  async submit(formPage: string, action: string, fields: Record<string, string> | string): Promise<Reply> {
    const page = await this.get(formPage);
    const token = `_csrf=${encodeURIComponent(csrfIn(page.text))}`;
    const rest = typeof fields === 'string' ? fields : new URLSearchParams(fields).toString();
    return this.post(action, rest ? `${token}&${rest}` : token);
  }

  async signIn(email: string, password: string): Promise<void> {
    const res = await this.submit('/login', '/login', { email, password });
    if (res.status !== 303 || res.location === '/login') throw new Error(`sign-in as ${email} failed (${res.status})`);
  }
}
