import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { projectRoot } from '../../server/paths';
import { ADMIN, freePort, startServer, type Server } from './harness';
import { selfSignedLoopbackPem } from './tls-cert';
import { csrfIn } from './http-client';

// The README's reverse-proxy example, proven: Debian's HAProxy runs deploy/haproxy.cfg unchanged
// (values from the environment, as /etc/default/haproxy would give them), terminating TLS with a
// self-signed certificate made here, in front of the production build with TRUST_PROXY=1. Clients
// connect from other loopback addresses (127.0.0.2, 127.0.0.3) so the address HAProxy reports differs
// from HAProxy's own (127.0.0.1). Loopback only; haproxy is killed at the end.

const CONFIG = path.join(projectRoot, 'deploy', 'haproxy.cfg');
const ATTACKER = '127.0.0.2';
const NEIGHBOUR = '127.0.0.3';

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; text: string }

/** A browser-like https client bound to one source address: keeps its cookies, trusts only our certificate. */
class TlsClient {
  private cookies = new Map<string, string>();
  constructor(private port: number, private ca: string, private from: string) {}

  request(method: 'GET' | 'POST', pathname: string, body?: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
    const data = body ? new URLSearchParams(body).toString() : undefined;
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = https.request({
        host: '127.0.0.1', port: this.port, method, path: pathname, ca: this.ca, localAddress: this.from, timeout: 10_000,
        headers: { ...headers, ...(cookie ? { cookie } : {}), ...(data ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(data) } : {}) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => { text += d; });
        res.on('end', () => {
          for (const c of res.headers['set-cookie'] ?? []) {
            const [pair = ''] = c.split(';');
            const i = pair.indexOf('=');
            this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${pathname} timed out`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  async signIn(email: string, password: string, headers: Record<string, string> = {}): Promise<Answer> {
    const page = await this.request('GET', '/login', undefined, headers);
    return this.request('POST', '/login', { email, password, _csrf: csrfIn(page.text) }, headers);
  }
}

const cookieNamed = (a: Answer, name: string) => ([a.headers['set-cookie'] ?? []].flat()).find((c) => c.startsWith(`${name}=`));

let dir: string;
let app: Server;
let haproxy: ChildProcess | undefined;
let haproxyExit: Promise<unknown>;
let port: number;
let ca: string;

beforeAll(async () => {
  execFileSync('bash', [path.join(projectRoot, 'scripts', 'ensure-haproxy.sh')], { stdio: 'inherit', timeout: 300_000 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-haproxy-'));
  const tls = selfSignedLoopbackPem(dir);
  ca = tls.ca;
  const pem = tls.pem;

  port = await freePort();
  app = await startServer({ BASE_URL: `https://127.0.0.1:${port}`, TRUST_PROXY: '1', LOGIN_RATE_LIMIT: '30' });
  const env = { PATH: process.env.PATH ?? '', PR_BIND: `127.0.0.1:${port}`, PR_TLS_PEM: pem, PR_APP: new URL(app.baseUrl).host };
  execFileSync('haproxy', ['-c', '-q', '-f', CONFIG], { env, timeout: 30_000 });
  haproxy = spawn('haproxy', ['-db', '-f', CONFIG], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  haproxy.stderr!.on('data', (d: Buffer) => { errors += d.toString(); });
  haproxyExit = new Promise((r) => haproxy!.once('exit', r));
  const probe = new TlsClient(port, ca, '127.0.0.1');
  for (let i = 0; ; i += 1) {
    try {
      if ((await probe.request('GET', '/healthz')).status === 200) break;
    } catch { /* not listening yet */ }
    if (haproxy.exitCode !== null) throw new Error(`haproxy exited: ${errors}`);
    if (i >= 100) throw new Error(`haproxy did not answer within 10 s: ${errors}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 360_000);

afterAll(async () => {
  if (haproxy && haproxy.exitCode === null) {
    haproxy.kill('SIGTERM');
    const killer = setTimeout(() => haproxy!.kill('SIGKILL'), 5_000);
    await haproxyExit;
    clearTimeout(killer);
  }
  await app?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const auditRows = (action: string) => {
  const db = new Database(path.join(app.dataDir, 'privacy-rounds.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT actor_label, ip FROM audit_events WHERE action = ? ORDER BY id').all(action) as { actor_label: string; ip: string | null }[];
  } finally {
    db.close();
  }
};

test('sign-in over https through HAProxy works: Secure cookies, HSTS, and the audit log records the client address, not a spoofed one', async () => {
  const browser = new TlsClient(port, ca, NEIGHBOUR);
  const page = await browser.request('GET', '/login');
  expect(page.status).toBe(200);
  expect(page.headers['strict-transport-security']).toMatch(/max-age=31536000/);
  // No session before sign-in; the sign-in form's CSRF cookie is Secure (and __Host- named) over https.
  expect(cookieNamed(page, 'pr.sid')).toBeUndefined();
  expect(cookieNamed(page, '__Host-pr.csrf')).toMatch(/; Secure/);
  const res = await browser.request('POST', '/login', { email: ADMIN.email, password: ADMIN.password, _csrf: csrfIn(page.text) }, { 'X-Forwarded-For': '6.6.6.6' });
  expect(res.status).toBe(303);
  expect(cookieNamed(res, 'pr.sid')).toMatch(/; Secure/);
  const home = await browser.request('GET', '/');
  expect(home.status).toBe(200);
  expect(home.text).toContain('Ada Admin');
  expect(auditRows('auth.login_succeeded').map((r) => r.ip)).toEqual([NEIGHBOUR]);
  expect(cookieNamed(res, 'pr.device')).toMatch(/; Secure/);
  // The app itself, reached over plain http without the proxy, sends no HSTS.
  expect((await fetch(`${app.baseUrl}/login`)).headers.get('strict-transport-security')).toBeNull();
});

test('through HAProxy, a spoofed X-Forwarded-For chain evades neither the sign-in limit nor the /verify limit', async () => {
  const attacker = new TlsClient(port, ca, ATTACKER);
  const statuses: number[] = [];
  for (let i = 0; i < 32; i += 1) {
    // A new spoofed chain and a new address typed every time; only the per-client ceiling (30) applies.
    const res = await attacker.signIn(`guess${i}@riverside.example`, 'not the password', { 'X-Forwarded-For': `10.1.${i}.1, 192.0.2.${i}` });
    statuses.push(res.status);
  }
  expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
  expect(statuses.slice(30)).toEqual([429, 429]);
  expect([...new Set(auditRows('auth.login_failed').map((r) => r.ip))]).toEqual([ATTACKER]);
  // Another client behind the same proxy is not held up by the attacker's bucket.
  expect((await new TlsClient(port, ca, NEIGHBOUR).signIn(ADMIN.email, ADMIN.password)).status).toBe(303);

  const verify: number[] = [];
  for (let i = 0; i < 61; i += 1) verify.push((await attacker.request('GET', '/verify', undefined, { 'X-Forwarded-For': `10.2.${i}.1` })).status);
  expect(verify.slice(0, 60)).toEqual(Array(60).fill(200));
  expect(verify[60]).toBe(429);
  expect((await new TlsClient(port, ca, NEIGHBOUR).request('GET', '/verify')).status).toBe(200);
});
