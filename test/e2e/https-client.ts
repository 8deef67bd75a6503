import crypto from 'node:crypto';
import https from 'node:https';
import { ConnectionLost, csrfIn, type Reply } from './http-client';

/**
 * The form client of http-client.ts over https, for tests through a TLS-terminating proxy: trusts only
 * the test's own certificate, connects from a chosen loopback address (the proxy reports it to the app),
 * keeps its connections open between requests as a browser does, and tags every request with an
 * X-Request-Id of its own, which the app echoes and logs, so a test can tell which instance answered.
 */
export interface Sent { id: string; method: string; path: string; status: number }

export class HttpsClient {
  private readonly cookies = new Map<string, string>();
  private readonly agent: https.Agent;
  private count = 0;
  /** Every request that got an HTTP answer, in order. */
  readonly sent: Sent[] = [];

  constructor(private readonly port: number, ca: string, private readonly from = '127.0.0.1', private readonly tag = crypto.randomBytes(6).toString('hex')) {
    // An idle connection is let go after 5 s, well before HAProxy's `timeout http-keep-alive` closes
    // it (a browser that reuses one just as it closes sends the request again; this client does not).
    this.agent = new https.Agent({ keepAlive: true, ca, maxSockets: 4, timeout: 5_000 });
  }

  private send(method: 'GET' | 'POST', path: string, body?: string): Promise<Reply> {
    this.count += 1;
    const id = `${this.tag}-${this.count}`;
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const headers: Record<string, string | number> = { 'x-request-id': id, ...(cookie ? { cookie } : {}) };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) });
    return new Promise<Reply>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: this.port, method, path, agent: this.agent, localAddress: this.from, timeout: 30_000, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => { text += d; });
        res.on('error', (e) => reject(new ConnectionLost(`${method} ${path}: ${e.message}`)));
        res.on('end', () => {
          if (!res.complete) return reject(new ConnectionLost(`${method} ${path}: answer cut off`));
          for (const set of res.headers['set-cookie'] ?? []) {
            const pair = set.split(';')[0]!;
            const eq = pair.indexOf('=');
            if (eq > 0) this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
          }
          const status = res.statusCode ?? 0;
          this.sent.push({ id, method, path, status });
          const location = res.headers.location;
          resolve({ status, location: typeof location === 'string' ? location : null, text });
        });
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (e) => reject(new ConnectionLost(`${method} ${path}: ${e.message}`)));
      req.end(body);
    });
  }

  get(path: string): Promise<Reply> {
    return this.send('GET', path);
  }

  /** Posts a form; `fields` may be a ready-encoded body when a name repeats. */
  post(path: string, fields: Record<string, string> | string): Promise<Reply> {
    return this.send('POST', path, typeof fields === 'string' ? fields : new URLSearchParams(fields).toString());
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
    if (res.status !== 303 || res.location === '/login') throw new Error(`sign-in as ${email} failed (${res.status}): ${res.text.slice(0, 400)}`);
  }

  /** Closes the kept connections (a test's afterAll, so jest can exit). */
  close(): void {
    this.agent.destroy();
  }
}
