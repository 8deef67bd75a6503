import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { projectRoot } from '../server/paths';

// npm run security:scan: Debian's sqlmap and wapiti against the production build on a temp database
// seeded by demo:seed, on 127.0.0.1 only. sqlmap tests the sign-in form, the public certificate check
// (query and path) and the report filters; wapiti crawls and attacks the whole app as the demo admin.
// Any injectable parameter, any wapiti vulnerability or anomaly, any 5xx answer or logged server error
// is a finding; a scanner that fails, is killed at its limit, or never reaches the server fails the run.
//
// Budget (defaults): the whole run stops within 12 minutes (SCAN_BUDGET_SECONDS=720): each scanner is
// killed at its own limit or when the budget runs out, whichever is first, and the run then fails.
// sqlmap gets 75 s per target × 4 targets (sign-in, verify query, verify path, report filters) and
// needs 3 to 50; wapiti gets 420 s, inside which it crawls for at most 60 s and gives each attack module
// at most 45 s (the six payload-heavy modules use all of it, the six others take seconds). A normal
// run takes about 5½ minutes. SCAN_SQLMAP_SECONDS, SCAN_WAPITI_SECONDS, SCAN_WAPITI_CRAWL_SECONDS and
// SCAN_WAPITI_MODULE_SECONDS change the limits.
// SCAN_KEEP_LOGS=<folder> copies the scanners' logs and reports there before the temp folder goes.

const PASSWORD = 'scan lantern orchard 42';
// As few people as demo:seed makes (an admin, eight managers, a learner): each person adds the same
// pages and forms again (profile, edit, deactivate, password link, record a session, certificate
// revoke and reissue), which wapiti would crawl and attack once per person; with few, its attack
// time goes to the distinct pages and forms instead.
const PEOPLE = 10;
const seconds = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number of seconds`);
  return v;
};
const BUDGET_SECONDS = seconds('SCAN_BUDGET_SECONDS', 720);
const SQLMAP_SECONDS = seconds('SCAN_SQLMAP_SECONDS', 75);
const WAPITI_SECONDS = seconds('SCAN_WAPITI_SECONDS', 420);
const WAPITI_CRAWL_SECONDS = seconds('SCAN_WAPITI_CRAWL_SECONDS', 60);
const WAPITI_MODULE_SECONDS = seconds('SCAN_WAPITI_MODULE_SECONDS', 45);
// wapiti's default ("common") modules without ssrf, plus crlf and csrf. ssrf only works with wapiti's
// public callback server (wapiti3.ovh), which this scan must never contact; crlf (header injection
// through our redirects) and csrf (forms without a checked token) test claims SECURITY.md makes.
const WAPITI_MODULES = ['blindsql', 'cookieflags', 'csp', 'exec', 'file', 'http_headers', 'permanentxss', 'redirect', 'sql', 'xss', 'crlf', 'csrf'];
const node = process.execPath;

/**
 * Addresses the proxy does not forward. wapiti's crawler submits every form it finds (with the valid
 * CSRF token the page carries), and wapiti's own -x/--exclude cannot be used: wapiti 3.0.4 builds the
 * exclusion regex with a trailing inline flag ("\Z(?ms)"), which Python 3.11 (bookworm) rejects, so
 * any -x crashes it before the crawl starts.
 */
const BLOCKED = [
  // Signing out destroys the admin session both scanners use: everything after it would be the
  // sign-in page. Its CSRF check is tested directly instead (directChecks).
  { path: /^\/logout\/?$/i, why: 'sign-out would end the session the scan runs in' },
];

/**
 * wapiti results that are not defects, each matched narrowly and proved by a direct check instead
 * (directChecks), so a regression still fails the run.
 */
const WAPITI_FALSE_POSITIVES = [
  // helmet sends "X-XSS-Protection: 0" on purpose: the browsers' old XSS auditor could itself be abused
  // to leak data and is gone from current browsers; OWASP's Secure Headers Project and MDN recommend 0
  // (the CSP does the job). wapiti 3.0.4 accepts only a value containing "1".
  { test: (f: WapitiFlaw) => f.info === 'X-XSS-Protection is not set', why: 'X-XSS-Protection: 0 is deliberate (checked directly)' },
  // HSTS and the Secure cookie flag follow BASE_URL: on https both are on. The scan runs over plain
  // http on loopback, where browsers ignore HSTS (RFC 6797 §8.1) and a Secure cookie would never be
  // sent back, so signing in would be impossible. Both are checked on an https-configured start.
  { test: (f: WapitiFlaw) => f.info === 'Strict-Transport-Security is not set', why: 'HSTS is sent when BASE_URL is https (checked directly)' },
  { test: (f: WapitiFlaw) => /^Secure flag is not set in the cookie : pr\.sid$/.test(f.info), why: 'the cookie is Secure when BASE_URL is https (checked directly)' },
];

interface Tally {
  requests: number; statuses: Map<number, number>; serverErrors: string[]; blocked: string[]; offTarget: string[]; upstreamErrors: number;
  /** Time spent per path (ids folded), to show where a scanner's time limit went. */
  busy: Map<string, { ms: number; n: number }>;
}
const newTally = (): Tally => ({ requests: 0, statuses: new Map(), serverErrors: [], blocked: [], offTarget: [], upstreamErrors: 0, busy: new Map() });

interface Step { tool: string; target: string; requests: number; seconds: number; findings: string[]; failure?: string; notes: string[] }
interface RunResult { code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; seconds: number; output: string }
interface WapitiFlaw { method: string; path: string; info: string; parameter: string }
interface WapitiReport { vulnerabilities?: Record<string, WapitiFlaw[]>; anomalies?: Record<string, WapitiFlaw[]> }

/** Scanners and servers still running, for cleanup on a signal or an error. */
const running = new Set<ChildProcess>();

function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); }); });
}

/** Kills a child and everything it started (the scanners are Python with worker threads and helpers). */
function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try { process.kill(-child.pid, signal); } catch { try { child.kill(signal); } catch { /* already gone */ } }
}

/**
 * Every scanner request goes through this proxy, which (1) refuses anything but the app on 127.0.0.1,
 * so a scanner can never reach the network; (2) counts requests and statuses per step, so the summary
 * says how many requests each scan made and a 5xx is caught whatever the scanner thinks of it;
 * (3) refuses the BLOCKED addresses; and (4) opens each upstream connection from a different loopback
 * address (127.0.0.2–251). The public certificate check allows 60 requests a minute per address, with
 * no setting to raise it, so without (4) nearly every scanner request to /verify would be a 429 and
 * the scan would test the limiter, not the page.
 */
function startProxy(appPort: number) {
  let tally = newTally();
  let next = 0;
  const server = http.createServer((req, res) => {
    const t = tally;
    let url: URL;
    try { url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'invalid'}`); } catch { res.writeHead(400).end(); return; }
    if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1' || url.port !== String(appPort)) {
      t.offTarget.push(`${req.method} ${url.origin}`);
      req.resume();
      res.writeHead(403, { 'content-type': 'text/plain' }).end('This proxy only reaches the app under test.');
      return;
    }
    const block = BLOCKED.find((b) => b.path.test(url.pathname));
    if (block) {
      t.blocked.push(`${req.method} ${url.pathname}`);
      req.resume();
      res.writeHead(403, { 'content-type': 'text/plain' }).end(`Not forwarded during the scan: ${block.why}`);
      return;
    }
    t.requests += 1;
    const started = performance.now();
    const key = `${req.method} ${url.pathname.replace(/\/\d+(?=\/|\.|$)/g, '/N').replace(/^\/verify\/.+/, '/verify/CODE')}`;
    res.once('close', () => {
      const b = t.busy.get(key) ?? { ms: 0, n: 0 };
      t.busy.set(key, { ms: b.ms + performance.now() - started, n: b.n + 1 });
    });
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: `127.0.0.1:${appPort}`, connection: 'close' };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    delete headers['keep-alive'];
    const upstream = http.request({
      host: '127.0.0.1', port: appPort, method: req.method, path: url.pathname + url.search, headers, agent: false,
      localAddress: `127.0.0.${2 + (next++ % 250)}`,
    }, (up) => {
      const status = up.statusCode ?? 0;
      t.statuses.set(status, (t.statuses.get(status) ?? 0) + 1);
      if (status >= 500) t.serverErrors.push(`${status} ${req.method} ${url.pathname}${url.search.slice(0, 160)}`);
      // Hop-by-hop headers belong to our upstream connection, not to the scanner's.
      const raw: string[] = [];
      for (let i = 0; i < up.rawHeaders.length; i += 2) {
        if (!/^(connection|keep-alive)$/i.test(up.rawHeaders[i]!)) raw.push(up.rawHeaders[i]!, up.rawHeaders[i + 1]!);
      }
      res.writeHead(status, raw);
      up.pipe(res);
    });
    upstream.on('error', () => { t.upstreamErrors += 1; if (res.headersSent) res.destroy(); else res.writeHead(502).end(); });
    req.pipe(upstream);
  });
  // Only plain http to the app is proxied; a CONNECT (https, or any other host) is refused.
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket) => { tally.offTarget.push(`CONNECT ${req.url}`); socket.end('HTTP/1.1 403 Forbidden\r\n\r\n'); });
  return {
    server,
    /** Starts counting for a new step and returns the counts of the one before. */
    phase(): Tally { const done = tally; tally = newTally(); return done; },
  };
}

/** Runs a scanner in its own process group with a hard time limit; output goes to logFile. */
function run(cmd: string, args: string[], limitSeconds: number, logFile: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  const started = performance.now();
  const out = fs.openSync(logFile, 'w');
  const child = spawn(cmd, args, { env, stdio: ['ignore', out, out], detached: true });
  running.add(child);
  let timedOut = false;
  let hard: NodeJS.Timeout | undefined;
  const soft = setTimeout(() => {
    timedOut = true;
    killTree(child, 'SIGTERM');
    hard = setTimeout(() => killTree(child, 'SIGKILL'), 5000);
  }, limitSeconds * 1000);
  return new Promise((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(soft);
      if (hard) clearTimeout(hard);
      running.delete(child);
      fs.closeSync(out);
      resolve({ code, signal, timedOut, seconds: (performance.now() - started) / 1000, output: fs.readFileSync(logFile, 'utf8') });
    };
    child.once('error', () => finish(127, null));
    child.once('exit', finish);
  });
}

const tail = (text: string, lines = 25) => text.trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

function cookieOf(res: Response): string {
  const set = res.headers.get('set-cookie');
  if (!set) throw new Error(`no session cookie from ${res.url}`);
  return set.split(';')[0]!;
}

async function startServer(dataDir: string, logFile: string, env: Record<string, string>) {
  const port = await freePort();
  const out = fs.openSync(logFile, 'a');
  const child = spawn(node, ['dist/server/main.js'], {
    cwd: projectRoot, stdio: ['ignore', out, out], detached: true,
    env: { ...process.env, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
  });
  fs.closeSync(out);
  running.add(child);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i += 1) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* still starting */ }
    if (child.exitCode !== null || i >= 300) throw new Error(`the server did not start:\n${tail(fs.readFileSync(logFile, 'utf8'))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, base };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((res) => child.once('exit', res));
  killTree(child, 'SIGTERM');
  await Promise.race([exited, new Promise((res) => setTimeout(res, 5000))]);
  killTree(child, 'SIGKILL');
  running.delete(child);
}

async function signIn(base: string, email: string, get: typeof fetch = fetch): Promise<string> {
  const page = await get(`${base}/login`);
  const cookie = cookieOf(page);
  const res = await get(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email, password: PASSWORD, _csrf: csrfIn(await page.text()) }) });
  if (res.status !== 303) throw new Error(`signing in as ${email} answered ${res.status}`);
  return cookieOf(res);
}

/**
 * Report filters for sqlmap's baseline: one real completed person's own values, so the baseline page
 * lists at least one person. On an empty result an injection that makes a condition true or false
 * would change nothing on the page, and the boolean-based tests could not see it.
 */
async function reportBaseline(base: string, cookie: string): Promise<{ query: string; code: string; course: string; rows: number }> {
  const csv = await fetch(`${base}/reports/export.csv?status=completed`, { headers: { cookie } });
  const course = /training-report-(.+)-\d{4}-\d{2}-\d{2}\.csv/.exec(csv.headers.get('content-disposition') ?? '')?.[1];
  const rows = parse((await csv.text()).replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
  const row = rows.find((r) => r.certificate_code && r.employee_id && r.department);
  if (!course || !row) throw new Error('the seeded report has nobody completed with a certificate and a department');
  // Department ids come from the filter's options, which are indented by depth ("— " per level).
  const html = await (await fetch(`${base}/reports`, { headers: { cookie } })).text();
  const stack: string[] = [];
  let department = '';
  for (const m of html.matchAll(/<option value="(\d+)"[^>]*>((?:— )*)([^<]*)<\/option>/g)) {
    stack.length = m[2]!.length / 2;
    stack.push(m[3]!.trim().replace(/&amp;/g, '&'));
    if (stack.join('/') === row.department) department = m[1]!;
  }
  if (!department) throw new Error(`department ${row.department} is not among the report's options`);
  const query = new URLSearchParams({
    course, department, status: row.status!, role: row.role!, cycle: row.cycle!, due_from: row.due_on!, due_to: row.due_on!,
    as_of: row.completed_on!, q: row.employee_id!, sort: 'name', dir: 'asc', page: '1',
  }).toString();
  const page = await (await fetch(`${base}/reports?${query}`, { headers: { cookie } })).text();
  const total = Number(/<strong>(\d+)<\/strong> (?:person|people) match/.exec(page)?.[1] ?? '0');
  if (total < 1) throw new Error(`the report baseline (${query}) lists nobody`);
  return { query, code: row.certificate_code!, course, rows: total };
}

/** What sqlmap found: confirmed injection points are findings; candidates it rejected itself are notes. */
function sqlmapVerdict(r: RunResult, outDir: string): Pick<Step, 'findings' | 'notes' | 'failure'> {
  const findings: string[] = [];
  const notes: string[] = [];
  if (/sqlmap identified the following injection point/.test(r.output)) {
    for (const m of r.output.matchAll(/^Parameter: (.+)$/gm)) findings.push(`injectable: ${m[1]}`);
    if (findings.length === 0) findings.push('injection point identified (see the output)');
  }
  // sqlmap also records each confirmed injection in <output-dir>/<host>/log and in a results CSV.
  const hostLog = path.join(outDir, '127.0.0.1', 'log');
  if (findings.length === 0 && fs.existsSync(hostLog) && fs.readFileSync(hostLog, 'utf8').trim()) findings.push(`injection logged in ${hostLog}`);
  for (const file of fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((f) => /^results-.*\.csv$/.test(f)) : []) {
    for (const row of parse(fs.readFileSync(path.join(outDir, file), 'utf8'), { columns: true }) as Record<string, string>[]) {
      const what = `${row.Place} parameter '${row.Parameter}' (technique ${row['Technique(s)']})`;
      if (/false positive/i.test(row['Note(s)'] ?? '')) notes.push(`${what} looked injectable, then failed sqlmap's own false-positive check`);
      else if (!findings.some((f) => f.includes(`'${row.Parameter}'`) || f.startsWith(`injectable: ${row.Parameter} `))) findings.push(`injectable: ${what}`);
    }
  }
  const codes = /HTTP error codes detected during run:\n((?:\d{3} .*\n?)+)/.exec(r.output)?.[1]?.trim().replace(/\n/g, ', ');
  if (codes) notes.push(`sqlmap saw ${codes}`);
  const finished = findings.length > 0 || /all tested parameters do not appear to be injectable/.test(r.output);
  let failure: string | undefined;
  if (r.timedOut) failure = `killed at its time limit (${r.seconds.toFixed(0)} s)`;
  else if (/\b429\b.*Too Many Requests/i.test(r.output)) failure = 'the server rate-limited sqlmap (429), so its tests are not valid';
  else if (!finished) failure = `did not finish its tests (exit ${r.code ?? r.signal})`;
  return { findings, notes, failure };
}

/**
 * How far wapiti got, from its verbose output: the crawl, then per attack module the resources it
 * attacked and whether its time limit stopped it first (wapiti attacks in address order).
 */
function wapitiCoverage(output: string): string[] {
  const [crawl = '', ...rest] = output.split(/^\[\*\] Launching module (\w+)$/m);
  const crawled = (crawl.split('[*] Saving scan state')[0]!.match(/^\[\+\] /gm) ?? []).length;
  const notes = [`crawled ${crawled} resources${/Max scan time was reached/.test(crawl) ? ', stopped by its time limit' : ''}`];
  const modules: string[] = [];
  for (let i = 0; i + 1 < rest.length; i += 2) {
    const attacked = (rest[i + 1]!.match(/^\[\+\] /gm) ?? []).length;
    const capped = /Max attack time was reached/.test(rest[i + 1]!);
    modules.push(`${rest[i]} ${attacked ? attacked : 'done'}${capped ? ' (time limit)' : ''}`);
  }
  notes.push(`resources attacked per module: ${modules.join(', ')}`);
  return notes;
}

/** What the proxy saw that a scanner may not report: 5xx answers, refused or failed requests. */
function addTally(step: Step, t: Tally): void {
  for (const e of t.serverErrors) step.findings.push(`server error: ${e}`);
  if (t.offTarget.length) step.failure ??= `tried to leave loopback: ${[...new Set(t.offTarget)].slice(0, 3).join(', ')}`;
  if (t.requests === 0) step.failure ??= 'no request reached the server';
  if (t.upstreamErrors) step.notes.push(`${t.upstreamErrors} connections to the app failed`);
  if (t.blocked.length) step.notes.push(`${t.blocked.length} requests not forwarded (${[...new Set(t.blocked)].join(', ')})`);
  const busiest = [...t.busy.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 4);
  step.notes.push(`most server time: ${busiest.map(([k, b]) => `${k} ${(b.ms / 1000).toFixed(0)} s/${b.n}`).join(', ')}`);
  step.notes.push(`statuses ${[...t.statuses.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`);
}

/**
 * The claims behind the tuned-out wapiti results, checked directly: the one sign-out request the proxy
 * never forwards must refuse a wrong CSRF token, and the security headers and cookie flags must be as
 * SECURITY.md says, including on an https-configured start (a second, short server on the same data).
 */
async function directChecks(base: string, dataDir: string, logFile: string, stopApp: () => Promise<void>): Promise<Step> {
  const step: Step = { tool: 'direct', target: 'sign-out CSRF, X-XSS-Protection, HSTS and Secure cookie on https', requests: 0, seconds: 0, findings: [], notes: [] };
  const t0 = performance.now();
  const expect = (ok: boolean, what: string) => { if (!ok) step.findings.push(what); };
  const get: typeof fetch = (...args) => { step.requests += 1; return fetch(...args); };
  // A fresh admin session: wapiti, as admin, has by now deactivated or edited most other accounts.
  const admin = await signIn(base, 'admin@demo1.example', get);
  const out = await get(`${base}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie: admin, 'content-type': 'application/x-www-form-urlencoded' }, body: '_csrf=wapiti' });
  expect(out.status === 403, `POST /logout with a wrong CSRF token answered ${out.status}, not 403`);
  expect((await get(`${base}/team`, { redirect: 'manual', headers: { cookie: admin } })).status === 200, 'the session ended after a sign-out with a wrong CSRF token');
  const home = await get(`${base}/login`);
  expect(home.headers.get('x-xss-protection') === '0', `X-XSS-Protection is ${home.headers.get('x-xss-protection') ?? 'missing'}, not 0`);
  // BASE_URL https behind a TLS-terminating proxy that says so (X-Forwarded-Proto), as deployed; the
  // scanned server stops first so that only one server uses the database at a time.
  await stopApp();
  const secure = await startServer(dataDir, logFile, { BASE_URL: 'https://training.example', TRUST_PROXY: 'loopback' });
  try {
    const page = await get(`${secure.base}/login`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(/max-age=\d+/.test(page.headers.get('strict-transport-security') ?? ''), 'no Strict-Transport-Security with an https BASE_URL');
    expect(/;\s*Secure/i.test(page.headers.get('set-cookie') ?? ''), 'the session cookie is not Secure with an https BASE_URL');
  } finally {
    await stopServer(secure.child);
  }
  step.seconds = (performance.now() - t0) / 1000;
  return step;
}

function report(step: Step, output = ''): void {
  const verdict = step.failure ? `FAILED (${step.failure})` : step.findings.length ? `${step.findings.length} finding(s)` : 'no findings';
  console.log(`\n${step.tool} ${step.target}: ${step.requests} requests in ${step.seconds.toFixed(0)} s, ${verdict}`);
  for (const f of step.findings.slice(0, 40)) console.log(`  finding: ${f}`);
  if (step.findings.length > 40) console.log(`  … and ${step.findings.length - 40} more`);
  for (const n of step.notes) console.log(`  note: ${n}`);
  if (step.failure && output) console.log(`  last output:\n${tail(output)}`);
}

async function main() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-security-scan-'));
  const dataDir = path.join(root, 'data');
  const serverLog = path.join(root, 'server.log');
  // The scanners get their own HOME: sqlmap and wapiti keep history and session files there, and a
  // scan must neither reuse a previous run's state nor leave files behind.
  const home = path.join(root, 'home');
  fs.mkdirSync(home);
  // Nothing from the caller's environment (no proxy settings): every request goes through our proxy.
  const scannerEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', TERM: 'dumb' };
  const steps: Step[] = [];
  let server: ChildProcess | undefined;
  let proxy: ReturnType<typeof startProxy> | undefined;
  const cleanup = () => {
    for (const c of running) killTree(c, 'SIGKILL');
    if (server) killTree(server, 'SIGKILL');
    const keep = process.env.SCAN_KEEP_LOGS;
    if (keep) {
      fs.mkdirSync(keep, { recursive: true });
      for (const f of fs.readdirSync(root).filter((n) => n !== 'data' && n !== 'home')) fs.cpSync(path.join(root, f), path.join(keep, f), { recursive: true });
    }
    fs.rmSync(root, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => { cleanup(); process.exit(signal === 'SIGINT' ? 130 : 143); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const t0 = performance.now();
  // A step's limit: its own, or what is left of the budget (keeping 20 s to stop and clean up).
  const limit = (own: number) => Math.max(1, Math.min(own, BUDGET_SECONDS - 20 - (performance.now() - t0) / 1000));
  try {
    const sqlmapVersion = execFileSync('sqlmap', ['--version'], { env: scannerEnv, encoding: 'utf8' }).trim().split('\n')[0]!.replace('#stable', '');
    const wapitiVersion = /Wapiti[- ](\d[\d.]*)/.exec(execFileSync('wapiti', ['--version'], { env: scannerEnv, encoding: 'utf8' }))?.[1] ?? '?';
    console.log(`Security scan: sqlmap ${sqlmapVersion}, wapiti ${wapitiVersion}; limits ${SQLMAP_SECONDS} s per sqlmap target, ${WAPITI_SECONDS} s for wapiti, ${BUDGET_SECONDS} s in all.`);

    execFileSync(node, ['dist/server/cli.js', 'demo:seed', '--people', String(PEOPLE), '--password-stdin'], { cwd: projectRoot, env: { ...process.env, DATA_DIR: dataDir }, input: PASSWORD, stdio: ['pipe', 'ignore', 'inherit'] });
    // Production mode as shipped, on loopback. The failed-sign-in limits (per client and per address and
    // client, per 15 minutes) are raised because sqlmap sends a thousand sign-ins on purpose; the pause
    // on the address stays as shipped.
    const app = await startServer(dataDir, serverLog, { LOGIN_RATE_LIMIT: '100000', LOGIN_ACCOUNT_RATE_LIMIT: '100000' });
    server = app.child;
    const { base } = app;
    proxy = startProxy(app.port);
    const proxyPort = await freePort();
    await new Promise<void>((r) => proxy!.server.listen(proxyPort, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${proxyPort}`;

    const admin = await signIn(base, 'admin@demo1.example');
    const baseline = await reportBaseline(base, admin);
    // The sign-in form's CSRF cookie and its token (no session before sign-in; a signed-in GET /login redirects).
    const loginPage = await fetch(`${base}/login`);
    const anonymous = cookieOf(loginPage);
    const loginToken = csrfIn(await loginPage.text());

    // Level 3 and risk 2: more prefix/suffix boundaries than the default, and the heavier time-based
    // queries, without risk 3's OR payloads (sqlmap warns they can rewrite whole UPDATE statements).
    // --dbms SQLite: the app has no other database, so payloads written for other engines could only
    // produce false positives. --time-sec 2: loopback answers in milliseconds. --skip-waf: nothing
    // stands in front of the server. -p names exactly the parameters under test, so sqlmap does not
    // fuzz the session cookie and sign itself out.
    const sqlmapCommon = ['--batch', '--disable-coloring', '--flush-session', '--level=3', '--risk=2', '--dbms=SQLite',
      '--time-sec=2', '--timeout=15', '--retries=1', '--skip-waf', `--proxy=${proxyUrl}`];
    const targets = [
      {
        name: 'POST /login (email, password, next)',
        // An existing account, so the password check and the lockout run too (they lock it after five).
        args: ['-u', `${base}/login`, '--data', new URLSearchParams({ email: 'person9@demo1.example', password: 'not the password of anyone', next: '/', _csrf: loginToken }).toString(),
          '-p', 'email,password,next', `--cookie=${anonymous}`,
          // The form's token belongs to the cookie; sqlmap re-reads it from the form before each request.
          '--csrf-token=_csrf', `--csrf-url=${base}/login`,
          // A failed sign-in is a 401 page by design; without this sqlmap stops at the first one.
          '--ignore-code=401'],
      },
      { name: 'GET /verify?code=', args: ['-u', `${base}/verify?code=${baseline.code}`, '-p', 'code', `--cookie=${admin}`] },
      // The code in the path (/verify/:code) is where the database lookup happens; "*" marks it.
      { name: 'GET /verify/:code', args: ['-u', `${base}/verify/${baseline.code}*`, `--cookie=${admin}`] },
      {
        name: `GET /reports (12 filters, baseline lists ${baseline.rows})`,
        args: ['-u', `${base}/reports?${baseline.query}`, '-p', 'course,department,status,role,cycle,due_from,due_to,as_of,q,sort,dir,page', `--cookie=${admin}`],
      },
    ];
    for (const [i, target] of targets.entries()) {
      const outDir = path.join(root, `sqlmap-${i}`);
      proxy.phase();
      const r = await run('sqlmap', [...sqlmapCommon, `--output-dir=${outDir}`, ...target.args], limit(SQLMAP_SECONDS), path.join(root, `sqlmap-${i}.log`), scannerEnv);
      const step: Step = { tool: 'sqlmap', target: target.name, requests: 0, seconds: r.seconds, ...sqlmapVerdict(r, outDir) };
      const t = proxy.phase();
      step.requests = t.requests;
      addTally(step, t);
      steps.push(step);
      report(step, r.output);
    }

    // wapiti: the whole site as the admin, who can reach every page and form.
    const wapitiDir = path.join(root, 'wapiti');
    fs.mkdirSync(path.join(wapitiDir, 'config'), { recursive: true });
    // wapiti loads every module, even those not run, and the wapp module downloads the Wappalyzer
    // database from GitHub when its file is missing; an empty one keeps it offline.
    fs.writeFileSync(path.join(wapitiDir, 'config', 'apps.json'), '{}');
    const eq = admin.indexOf('=');
    fs.writeFileSync(path.join(wapitiDir, 'cookies.json'), JSON.stringify({ '127.0.0.1': { '/': { [admin.slice(0, eq)]: { value: admin.slice(eq + 1), expires: null, secure: false, port: null, version: 0 } } } }));
    const reportFile = path.join(wapitiDir, 'report.json');
    proxy.phase();
    const w = await run('wapiti', [
      '-u', `${base}/`, '--scope', 'folder', '-c', path.join(wapitiDir, 'cookies.json'), '-p', proxyUrl,
      // Pages no signed-in page links to (the public certificate check) or that lie deep in the crawl.
      ...['/verify', `/verify/${baseline.code}`, '/reports', '/admin/users/new', '/admin/completions/import', `/courses/${baseline.course}/quiz`].flatMap((p) => ['-s', `${base}${p}`]),
      `--module=${WAPITI_MODULES.join(',')}`, '--max-scan-time', String(WAPITI_CRAWL_SECONDS), '--max-attack-time', String(WAPITI_MODULE_SECONDS),
      // The reports and people pages link every department, status, sort order and page, and each of
      // those links again to the CSV, ZIP and evidence exports: hundreds of URLs that differ only in
      // their query values, which left no attack time for the forms. "paranoid" lets the crawler take
      // few of each query shape, and -r drops the id and ordering parameters from links (the crawler
      // still fetches the pages). The filter forms keep every field and are attacked with it; sqlmap
      // covers sort, dir and page on /reports.
      '-S', 'paranoid', ...['department', 'person', 'sort', 'dir', 'page'].flatMap((p) => ['-r', p]),
      '-t', '15', '-f', 'json', '-o', reportFile, '--flush-session', '--store-session', path.join(wapitiDir, 'session'), '--store-config', path.join(wapitiDir, 'config'),
      // Never phone home: no crash reports to wapiti3.ovh, and the remote-inclusion payloads of the
      // file and exec modules name a closed loopback port instead of wapiti3.ovh. (The internal
      // endpoint is used only by the ssrf and xxe modules, which do not run; setting it makes wapiti
      // try to reach it at start.)
      '--no-bugreport', '--external-endpoint', 'http://127.0.0.1:9/', '-v', '1',
    ], limit(WAPITI_SECONDS), path.join(root, 'wapiti.log'), scannerEnv);
    const wt = proxy.phase();
    const step: Step = { tool: 'wapiti', target: `/ as admin (${WAPITI_MODULES.length} modules)`, requests: wt.requests, seconds: w.seconds, findings: [], notes: [] };
    if (w.timedOut) step.failure = `killed at its time limit (${w.seconds.toFixed(0)} s)`;
    else if (!fs.existsSync(reportFile)) step.failure = `wrote no report (exit ${w.code ?? w.signal})`;
    else {
      const rep = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as WapitiReport;
      for (const [kind, items] of [['vulnerability', rep.vulnerabilities], ['anomaly', rep.anomalies]] as const) {
        for (const [category, list] of Object.entries(items ?? {})) {
          for (const f of list) {
            const text = `${kind} ${category}: ${f.method} ${f.path}${f.parameter ? ` [${f.parameter}]` : ''} ${f.info}`.trim();
            const known = WAPITI_FALSE_POSITIVES.find((fp) => fp.test(f));
            // The proxy answered for a blocked address, so a result there describes the proxy, not the app.
            const blocked = BLOCKED.some((b) => b.path.test(f.path));
            if (known) step.notes.push(`not a defect: ${text} (${known.why})`);
            else if (blocked) step.notes.push(`not the app: ${text} (the proxy refused ${f.path}; checked directly)`);
            else step.findings.push(text);
          }
        }
      }
      step.notes.push(...wapitiCoverage(w.output));
    }
    // A module that crashed attacked nothing after the crash: the scan is incomplete.
    const crash = /^(\w+(?:Error|Exception)) (.*)$/m.exec(w.output);
    if (crash) step.failure ??= `an attack module crashed: ${crash[1]} ${crash[2]!.slice(0, 120)}`;
    const skipped = /(\d+) requests were skipped due to network issues/.exec(w.output);
    if (skipped) step.notes.push(`${skipped[1]} requests skipped for network errors`);
    addTally(step, wt);
    steps.push(step);
    report(step, w.output);

    const direct = await directChecks(base, dataDir, serverLog, () => stopServer(app.child)).catch((e: unknown) => {
      const s: Step = { tool: 'direct', target: 'checks', requests: 0, seconds: 0, findings: [], notes: [], failure: String(e) };
      return s;
    });
    steps.push(direct);
    report(direct);

    const errors = fs.readFileSync(serverLog, 'utf8').split('\n').filter((l) => /"level":(50|60)/.test(l));
    if (errors.length) console.log(`\nThe server logged ${errors.length} error(s); the first:\n${errors.slice(0, 3).map((l) => `    ${l.slice(0, 600)}`).join('\n')}`);
    const requests = steps.reduce((n, s) => n + s.requests, 0);
    const findings = steps.reduce((n, s) => n + s.findings.length, 0) + errors.length;
    const failures = steps.filter((s) => s.failure).length;
    console.log('\n| tool | target | requests | seconds | findings |\n| --- | --- | --- | --- | --- |');
    for (const s of steps) console.log(`| ${s.tool} | ${s.target} | ${s.requests} | ${s.seconds.toFixed(0)} | ${s.failure ? `FAILED: ${s.failure}` : s.findings.length} |`);
    console.log(`\n${requests} requests in ${((performance.now() - t0) / 1000).toFixed(0)} s; ${findings} finding(s), ${failures} scanner failure(s). ${findings + failures === 0 ? 'Passed.' : 'FAILED.'}`);
    if (findings + failures > 0) process.exitCode = 1;
  } finally {
    proxy?.server.close();
    proxy?.server.closeAllConnections();
    if (server) await stopServer(server);
    cleanup();
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
