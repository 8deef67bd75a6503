import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as Pg } from 'pg';
import type { Course } from '../../server/content/catalogue';
import { loadCatalogue } from '../../server/content/loader';
import { projectRoot } from '../../server/paths';
import { FIXTURE_CONTENT } from '../helpers/content';
import { quizAnswers, rightAnswer, sceneIdOn, servedOn } from '../helpers/learner';
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';
import { ADMIN, freePort, startServer, type Server } from './harness';
import { ConnectionLost, csrfIn, type Reply } from './http-client';
import { HttpsClient } from './https-client';
import { selfSignedLoopbackPem } from './tls-cert';

// Issue 19's multi-instance test: two production-build instances on one PostgreSQL database behind
// Debian's HAProxy running deploy/haproxy-two-instances.cfg unchanged (round robin, no sticky sessions,
// TLS on loopback). Each instance has a DATA_DIR of its own; they share only the database and the
// secrets README "Scaling out" says to share (SESSION_SECRET, AUDIT_KEY). Which instance answered a
// request is read from the instances' own request logs (the client tags each request with an
// X-Request-Id, which the app logs), so no test here can pass with one instance doing all the work.
// PostgreSQL only: PG_URL's server if set, else a throwaway cluster of this file's own.

const CONFIG = path.join(projectRoot, 'deploy', 'haproxy-two-instances.cfg');
const PASSWORD = 'harbour lantern orchard 77';
const course: Course = loadCatalogue(FIXTURE_CONTENT).get('mini')!;
const base = `/courses/${course.id}`;
/** Failed sign-ins per client address per 15 minutes, for the whole deployment (not per instance). */
const LOGIN_RATE_LIMIT = 8;
const LOCKOUT_THRESHOLD = 5;
const TICK_MS = 1000;

let cluster: PgCluster | undefined;
let database: TestDatabase;
let apps: Server[] = [];
let haproxy: ChildProcess | undefined;
let haproxyExit: Promise<unknown>;
let haproxyErrors = '';
let dir: string;
let port: number;
let ca: string;
let admin: HttpsClient;
const clients: HttpsClient[] = [];
const metrics: string[] = [];
/** Set by the kill test for the scheduler test: when, and which instance lived on. */
let killed: { at: number; survivor: string; victim: string } | undefined;

const instanceName = (s: Server) => `${os.hostname()}:${s.pid}`;
/** HAProxy's log lines whose retries field reads +N: sent to the other server after a refused connection. */
const redispatched = () => haproxyErrors.split('\n').filter((l) => /\d+\/\d+\/\d+\/\d+\/\+\d+ /.test(l)).length;

let workstations = 0;
/** Each learner at a workstation of their own (an address HAProxy reports to the app), as on a ward. */
function nextWorkstation(): string {
  workstations += 1;
  return `127.0.${1 + Math.floor(workstations / 250)}.${1 + (workstations % 250)}`;
}

function client(from = nextWorkstation()): HttpsClient {
  const c = new HttpsClient(port, ca, from);
  clients.push(c);
  return c;
}

async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const pg = new Pg({ connectionString: database.url });
  await pg.connect();
  try {
    return (await pg.query(sql, params)).rows as T[];
  } finally {
    await pg.end();
  }
}

/** Which instance (0 or 1) logged each request id, or -1 for none; waits for the logs to arrive. */
async function servedBy(ids: string[]): Promise<number[]> {
  const find = () => ids.map((id) => apps.findIndex((a) => a.output().includes(`"reqId":"${id}"`)));
  for (let i = 0; i < 50; i += 1) {
    const found = find();
    if (found.every((f) => f >= 0)) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  return find();
}

async function eachLimited<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next;
      next += 1;
      out[i] = await fn(items[i]!, i);
    }
  }));
  return out;
}

interface Learner { email: string; name: string; client: HttpsClient; attemptUrl: string; attemptId: number; quizForm: string }

async function playLesson(c: HttpsClient, lessonId: string): Promise<void> {
  const lesson = course.lessons.find((l) => l.id === lessonId)!;
  for (let guard = 0; guard < 50; guard += 1) {
    const page = await c.get(`${base}/lessons/${lessonId}/play`);
    if (page.status === 303) return;
    const sceneId = sceneIdOn(page.text);
    const { path: suffix, body } = rightAnswer(lesson.scenes.find((s) => s.id === sceneId)!);
    const res = await c.post(`${base}/lessons/${lessonId}/scenes/${sceneId}${suffix}`, `_csrf=${encodeURIComponent(csrfIn(page.text))}${body}`);
    if (res.status !== 303) throw new Error(`scene answer refused: ${res.status}`);
  }
  throw new Error('lesson did not end');
}

/** New people imported by the admin, each with a password set, signed in, the lessons played and a quiz open. */
async function enrol(prefix: string, n: number): Promise<Learner[]> {
  const people = Array.from({ length: n }, (_, i) => ({ email: `${prefix}.${i}@riverside.example`, name: `Learner ${prefix.toUpperCase()} ${i}` }));
  const csv = ['employee_id,email,name,role,department,manager_email,hire_date',
    ...people.map((p, i) => `${prefix.toUpperCase()}-${i},${p.email},${p.name},learner,Nursing,,`)].join('\n');
  const imported = await admin.submit('/admin/import', '/admin/import', { csv });
  if (imported.status !== 200) throw new Error(`import refused: ${imported.status}`);
  const links = [...imported.text.matchAll(/\/password\/([A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
  expect(links).toHaveLength(n);
  return eachLimited(people, 10, async (p, i) => {
    const c = client();
    const set = await c.submit(`/password/${links[i]!}`, `/password/${links[i]!}`, { password: PASSWORD, confirm: PASSWORD });
    if (set.status !== 303) throw new Error(`password refused: ${set.status}`);
    await c.signIn(p.email, PASSWORD);
    for (const l of course.lessons) await playLesson(c, l.id);
    const quiz = await c.get(`${base}/quiz`);
    const started = await c.post(`${base}/quiz/attempts`, { _csrf: csrfIn(quiz.text) });
    const attemptUrl = started.location!;
    const page = await c.get(attemptUrl);
    const quizForm = `_csrf=${encodeURIComponent(csrfIn(page.text))}&${quizAnswers(course, servedOn(page.text), true)}`;
    return { ...p, client: c, attemptUrl, attemptId: Number(/attempts\/(\d+)/.exec(attemptUrl)![1]), quizForm };
  });
}

/** Quiz submit, then the attestation: the learner's two answers (an error for anything but success). */
async function finish(l: Learner): Promise<{ graded: Reply; finished: Reply }> {
  const graded = await l.client.post(l.attemptUrl, l.quizForm);
  if (graded.status !== 303) return { graded, finished: graded };
  const attest = await l.client.get(`${base}/attest/${l.attemptId}`);
  if (attest.status !== 200) return { graded, finished: attest };
  const finished = await l.client.post(`${base}/attest/${l.attemptId}`, { _csrf: csrfIn(attest.text), agree: 'yes', typed_name: l.name });
  return { graded, finished };
}

interface CompletionRow { email: string; completions: string; attested: string; certificates: string }

/** Per learner: completions, attested completions and certificates of the course. */
async function completionsOf(emails: string[]): Promise<Map<string, CompletionRow>> {
  const rows = await query<CompletionRow>(`SELECT u.email, count(c.id) AS completions, count(a.id) AS attested, count(t.id) AS certificates
    FROM users u LEFT JOIN completions c ON c.user_id = u.id AND c.course_id = $2
    LEFT JOIN attestations a ON a.id = c.attestation_id LEFT JOIN certificates t ON t.completion_id = c.id
    WHERE u.email = ANY($1) GROUP BY u.email`, [emails, course.id]);
  return new Map(rows.map((r) => [r.email, r]));
}

async function nothingPartialOrDoubled(): Promise<void> {
  const partial = await query<{ n: string }>(`SELECT count(*) AS n FROM completions c LEFT JOIN attestations a ON a.id = c.attestation_id
    LEFT JOIN certificates t ON t.completion_id = c.id WHERE c.source = 'quiz' AND (a.id IS NULL OR t.id IS NULL)`);
  expect(Number(partial[0]!.n)).toBe(0);
  const doubled = await query<{ n: string }>('SELECT count(*) AS n FROM (SELECT 1 FROM completions GROUP BY user_id, course_id, cycle HAVING count(*) > 1) d');
  expect(Number(doubled[0]!.n)).toBe(0);
  const doubledCerts = await query<{ n: string }>('SELECT count(*) AS n FROM (SELECT 1 FROM certificates GROUP BY completion_id HAVING count(*) > 1) d');
  expect(Number(doubledCerts[0]!.n)).toBe(0);
}

async function startHaproxy(env: Record<string, string>): Promise<void> {
  execFileSync('haproxy', ['-c', '-q', '-f', CONFIG], { env, timeout: 30_000 });
  haproxy = spawn('haproxy', ['-db', '-f', CONFIG], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  haproxy.stderr!.on('data', (d: Buffer) => { haproxyErrors += d.toString(); });
  haproxyExit = new Promise((r) => haproxy!.once('exit', r));
  const probe = new HttpsClient(port, ca);
  try {
    for (let i = 0; ; i += 1) {
      try {
        if ((await probe.get('/healthz')).status === 200) break;
      } catch { /* not listening yet */ }
      if (haproxy.exitCode !== null) throw new Error(`haproxy exited: ${haproxyErrors}`);
      if (i >= 100) throw new Error(`haproxy did not answer within 10 s: ${haproxyErrors}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    probe.close();
  }
}

/**
 * One instance on a port of its own: distinct from HAProxy's and the other instance's (chosen before
 * either listens), and tried again on another if some other process took it in the meantime.
 */
async function startInstance(env: Record<string, string>, taken: Set<number>): Promise<Server> {
  for (let attempt = 1; ; attempt += 1) {
    let p = await freePort();
    while (taken.has(p)) p = await freePort();
    taken.add(p);
    try {
      return await startServer({ ...env, PORT: String(p) });
    } catch (e) {
      if (attempt >= 3 || !String(e).includes('EADDRINUSE')) throw e;
    }
  }
}

const started = Date.now();

beforeAll(async () => {
  execFileSync('bash', [path.join(projectRoot, 'scripts', 'ensure-haproxy.sh')], { stdio: 'inherit', timeout: 300_000 });
  if (!process.env.PG_URL) {
    cluster = await startPgCluster();
    process.env.PG_URL = cluster.url;
  }
  database = await createTestDatabase();

  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-instances-'));
  const tls = selfSignedLoopbackPem(dir);
  ca = tls.ca;
  const pem = tls.pem;
  port = await freePort();

  // What every instance must share (README "Scaling out"): the database, the session secret (session
  // cookies, CSRF tokens and the sign-in throttle's account keys are signed with it) and the audit key.
  // Both start at once: migrations and the first admin race, as two instances restarted together would.
  const shared = {
    DATABASE_URL: database.url, SESSION_SECRET: crypto.randomBytes(48).toString('base64url'), AUDIT_KEY: crypto.randomBytes(32).toString('hex'),
    BASE_URL: `https://127.0.0.1:${port}`, TRUST_PROXY: '1', CONTENT_DIR: FIXTURE_CONTENT, LOG_LEVEL: 'info',
    LOGIN_RATE_LIMIT: String(LOGIN_RATE_LIMIT), LOCKOUT_THRESHOLD: String(LOCKOUT_THRESHOLD), NOTIFICATIONS_EVERY_MS: String(TICK_MS),
  };
  const taken = new Set([port]);
  const starts = await Promise.allSettled([startInstance(shared, taken), startInstance(shared, taken)]);
  // An instance that did start is kept for afterAll to stop, even when the other could not.
  apps = starts.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  for (const r of starts) if (r.status === 'rejected') throw r.reason;
  await startHaproxy({
    PATH: process.env.PATH ?? '', PR_BIND: `127.0.0.1:${port}`, PR_TLS_PEM: pem,
    PR_APP1: new URL(apps[0]!.baseUrl).host, PR_APP2: new URL(apps[1]!.baseUrl).host,
  });
  admin = client('127.0.0.1');
  await admin.signIn(ADMIN.email, ADMIN.password);
}, 360_000);

afterAll(async () => {
  // INSTANCES_LOGS=<folder> keeps both instances' and HAProxy's logs for a look after a failure.
  const logs = process.env.INSTANCES_LOGS;
  if (logs) {
    apps.forEach((a, i) => fs.writeFileSync(path.join(logs, `app${i}.log`), a.output()));
    fs.writeFileSync(path.join(logs, 'haproxy.log'), haproxyErrors);
  }
  for (const c of clients) c.close();
  if (haproxy && haproxy.exitCode === null) {
    haproxy.kill('SIGTERM');
    const killer = setTimeout(() => haproxy!.kill('SIGKILL'), 5_000);
    await haproxyExit;
    clearTimeout(killer);
  }
  // A killed instance's data folder is left by crash(); stop() removes a live one's.
  await Promise.all(apps.map(async (a) => {
    if (killed && instanceName(a) === killed.victim) fs.rmSync(a.dataDir, { recursive: true, force: true });
    else await a.stop();
  }));
  await database?.drop();
  cluster?.stop();
  if (cluster) delete process.env.PG_URL;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`instances e2e: ${metrics.join('; ')}; whole file ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}, 60_000);

test('both instances answer /healthz with the engine and migration level, and HAProxy health-checks them', async () => {
  for (const a of apps) {
    const health = await (await fetch(`${a.baseUrl}/healthz`)).json() as { status: string; database: string; migration: string };
    expect(health).toEqual({ status: 'ok', database: 'postgres', migration: expect.stringMatching(/^\d{4}_/) });
  }
  // Both logged HAProxy's own checks, which carry the id the configuration gives them (the harness's
  // and this test's probes carry none): the balancer checks each instance's /healthz.
  // HAProxy checks every second (inter 1s): each instance has been checked within a few seconds of the start.
  const checked = /"reqId":"haproxy-health-check","method":"GET","path":"\/healthz","status":200/;
  for (let i = 0; i < 50 && !apps.every((a) => checked.test(a.output())); i += 1) await new Promise((r) => setTimeout(r, 100));
  for (const a of apps) expect(a.output()).toMatch(checked);
});

test('a learner works through the course with requests alternating between the instances: the session and CSRF tokens keep working', async () => {
  const [learner] = await enrol('alt', 1);
  const l = learner!;
  const from = l.client.sent.length;
  const { graded, finished } = await finish(l);
  expect([graded.status, finished.status, finished.location]).toEqual([303, 303, '/transcript']);
  const transcript = await l.client.get('/transcript');
  expect(transcript.status).toBe(200);
  expect(transcript.text).toMatch(/PR-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/);
  expect(from).toBeGreaterThan(10);

  // Every request of the learner's (set-password to transcript) was logged by exactly one instance.
  const sent = l.client.sent;
  const by = await servedBy(sent.map((s) => s.id));
  expect(by.filter((b) => b < 0)).toEqual([]);
  const counts = [by.filter((b) => b === 0).length, by.filter((b) => b === 1).length];
  // Round robin, no stickiness: each instance took a good share, and most requests switched instance.
  expect(Math.min(...counts)).toBeGreaterThanOrEqual(sent.length / 4);
  const switches = by.slice(1).filter((b, i) => b !== by[i]).length;
  expect(switches).toBeGreaterThanOrEqual((sent.length - 1) / 2);
  // Forms posted to the other instance than the one that rendered them, accepted: the CSRF token and
  // the session it is bound to came from the database, not from the instance's memory.
  const crossPosts = sent.map((s, i) => ({ s, i })).filter(({ s, i }) => s.method === 'POST' && i > 0 && sent[i - 1]!.method === 'GET' && by[i] !== by[i - 1]);
  expect(crossPosts.length).toBeGreaterThanOrEqual(3);
  expect(crossPosts.every(({ s }) => s.status === 303)).toBe(true);
  metrics.push(`alternating learner: ${sent.length} requests, ${counts[0]}/${counts[1]} per instance, ${crossPosts.length} forms posted to the other instance`);
}, 120_000);

test('50 learners finishing at once, spread over both instances, get exactly one completion, attestation and certificate each', async () => {
  const learners = await enrol('fifty', 50);
  const t0 = Date.now();
  const results = await Promise.all(learners.map(finish));
  const seconds = (Date.now() - t0) / 1000;
  expect(results.map((r) => [r.graded.status, r.finished.status, r.finished.location])).toEqual(learners.map(() => [303, 303, '/transcript']));
  metrics.push(`50 learners finished at once in ${seconds.toFixed(2)} s (${(50 / seconds).toFixed(1)} completions/s)`);

  // The finishing POSTs went to both instances.
  const finishing = learners.flatMap((l) => l.client.sent.slice(-3).filter((s) => s.method === 'POST').map((s) => s.id));
  const by = await servedBy(finishing);
  expect(by.filter((b) => b < 0)).toEqual([]);
  expect(Math.min(by.filter((b) => b === 0).length, by.filter((b) => b === 1).length)).toBeGreaterThanOrEqual(finishing.length / 4);

  const rows = await completionsOf(learners.map((l) => l.email));
  expect(learners.map((l) => rows.get(l.email))).toEqual(learners.map((l) => ({ email: l.email, completions: '1', attested: '1', certificates: '1' })));
  await nothingPartialOrDoubled();
}, 240_000);

test('a double submit (a double-click, a browser resending a cut form) reaching both instances at once still makes one completion and certificate', async () => {
  const learners = await enrol('twice', 20);
  const replies = await Promise.all(learners.map(async (l) => {
    // The same graded form twice at once, then the same attestation twice at once: round robin sends
    // each pair's two requests to the two instances.
    const graded = await Promise.all([l.client.post(l.attemptUrl, l.quizForm), l.client.post(l.attemptUrl, l.quizForm)]);
    const attest = await l.client.get(`${base}/attest/${l.attemptId}`);
    const form = { _csrf: csrfIn(attest.text), agree: 'yes', typed_name: l.name };
    const finished = await Promise.all([l.client.post(`${base}/attest/${l.attemptId}`, form), l.client.post(`${base}/attest/${l.attemptId}`, form)]);
    return [...graded, ...finished].map((r) => r.status);
  }));
  // Never a server error; at least one of each pair went through.
  expect(replies.flat().filter((status) => status >= 500)).toEqual([]);
  const rows = await completionsOf(learners.map((l) => l.email));
  expect(learners.map((l) => rows.get(l.email))).toEqual(learners.map((l) => ({ email: l.email, completions: '1', attested: '1', certificates: '1' })));
  await nothingPartialOrDoubled();
  // The pairs did reach both instances.
  const posts = learners.flatMap((l) => l.client.sent.filter((x) => x.method === 'POST').slice(-4).map((x) => x.id));
  const by = await servedBy(posts);
  expect(Math.min(by.filter((b) => b === 0).length, by.filter((b) => b === 1).length)).toBeGreaterThanOrEqual(posts.length / 4);
}, 240_000);

test('the sign-in lockout holds across instances: failures for one address alternating between them add up to one count', async () => {
  const [learner] = await enrol('lock', 1);
  const stranger = client('127.0.0.2');
  const messages: string[] = [];
  // Each answer's form is posted again at once, so the posts themselves alternate between instances.
  let page = await stranger.get('/login');
  for (let i = 0; i < LOCKOUT_THRESHOLD; i += 1) {
    page = await stranger.post('/login', { _csrf: csrfIn(page.text), email: learner!.email, password: `wrong guess ${i}` });
    expect(page.status).toBe(401);
    messages.push(/did not match an active account/.test(page.text) ? 'failed' : /is locked until/.test(page.text) ? 'locked' : 'other');
  }
  // Per instance the counts would be 3 and 2: no lock. Together they reach the threshold on the last.
  expect(messages).toEqual([...Array<string>(LOCKOUT_THRESHOLD - 1).fill('failed'), 'locked']);
  // The right password from this device is refused now, on whichever instance answers.
  const right = await stranger.post('/login', { _csrf: csrfIn(page.text), email: learner!.email, password: PASSWORD });
  expect(right.status).toBe(401);
  expect(right.text).toMatch(/is locked until/);
  const posts = stranger.sent.filter((s) => s.method === 'POST').map((s) => s.id);
  const by = await servedBy(posts);
  expect(new Set(by)).toEqual(new Set([0, 1]));
  const locked = await query<{ n: string }>("SELECT count(*) AS n FROM audit_events WHERE action = 'auth.locked'");
  expect(Number(locked[0]!.n)).toBe(1);
}, 120_000);

// Needs the database-backed rate-limit store (task s20-limits): with express-rate-limit's in-memory
// store each instance counts only the failures it saw itself, and this test fails.
test('the per-client sign-in rate limit holds across instances: the ceiling counts failures on both together', async () => {
  const guesser = client('127.0.0.3');
  const statuses: number[] = [];
  let page = await guesser.get('/login');
  for (let i = 0; i < LOGIN_RATE_LIMIT + 2; i += 1) {
    // A new address each time: only the per-client limit applies, not the per-address one or the lockout.
    page = await guesser.post('/login', { _csrf: csrfIn(page.text), email: `guess${i}@riverside.example`, password: 'not the password' });
    statuses.push(page.status);
  }
  const posts = guesser.sent.filter((s) => s.method === 'POST').map((s) => s.id);
  expect(new Set(await servedBy(posts))).toEqual(new Set([0, 1]));
  // Both instances refuse once the deployment-wide count is reached (per instance, each would be at half).
  expect(statuses).toEqual([...Array<number>(LOGIN_RATE_LIMIT).fill(401), 429, 429]);
  // Another client is not held up.
  expect((await client('127.0.0.4').submit('/login', '/login', { email: ADMIN.email, password: ADMIN.password })).status).toBe(303);
}, 120_000);

test('SIGKILL of one instance under load: every acknowledged completion is whole, the survivor serves the rest, the audit chain verifies', async () => {
  const wave = await enrol('kill', 40);
  const after = await enrol('after', 10);
  // The instance that has been claiming the scheduler's ticks is the one killed, so the scheduler test
  // sees the other take over (without the ticks table, the first instance).
  const ticks = await query<{ instance: string }>("SELECT instance FROM scheduler_ticks WHERE name = 'notifications' ORDER BY slot DESC LIMIT 1").catch(() => []);
  const victimIndex = Math.max(0, apps.findIndex((a) => instanceName(a) === ticks[0]?.instance));
  const victim = apps[victimIndex]!;
  const survivor = apps[1 - victimIndex]!;

  const acknowledged: Learner[] = [];
  const cut: string[] = [];
  let successes = 0;
  const killAfter = 10 + Math.floor(Math.random() * 20);
  let killing: Promise<void> | undefined;
  const kill = () => {
    killing ??= victim.crash().then(() => { killed = { at: Date.now(), survivor: instanceName(survivor), victim: instanceName(victim) }; });
  };
  await Promise.all(wave.map(async (l) => {
    try {
      const { graded, finished } = await finish(l);
      successes += graded.status === 303 ? 1 : 0;
      if (successes >= killAfter) kill();
      for (const r of [graded, finished]) {
        // HAProxy's answer for a request the killed instance had taken and never answered: not acknowledged.
        if ([502, 503, 504].includes(r.status)) { cut.push(`${r.status}`); return; }
        if (r.status !== 303) throw new Error(`finishing answered ${r.status}: ${r.text.slice(0, 300)}`);
      }
      successes += 1;
      if (successes >= killAfter) kill();
      acknowledged.push(l);
    } catch (e) {
      if (!(e instanceof ConnectionLost)) throw e;
      cut.push(e.message);
    }
  }));
  kill();
  await killing;

  // After the kill every request goes to the survivor: learners who had not started finish, the
  // wave's learners (whatever instance signed them in) still have their sessions.
  const late = await Promise.all(after.map(finish));
  expect(late.map((r) => [r.graded.status, r.finished.status])).toEqual(after.map(() => [303, 303]));
  const transcripts = await Promise.all(wave.map((l) => l.client.get('/transcript')));
  expect(transcripts.map((t) => t.status)).toEqual(wave.map(() => 200));
  const lateIds = after.flatMap((l) => l.client.sent.slice(-3).map((s) => s.id));
  const survivorIndex = apps.indexOf(survivor);
  expect((await servedBy(lateIds)).every((b) => b === survivorIndex)).toBe(true);
  metrics.push(`kill: ${acknowledged.length} of ${wave.length} finishes acknowledged, ${cut.length} cut (${[...new Set(cut.map((c) => c.replace(/^POST \S+|^GET \S+/, '').trim()))].join(', ') || 'none'}), ` +
    `${late.length * 2} finishing requests after the kill all answered; ${redispatched()} requests redispatched by HAProxy to the survivor`);

  const rows = await completionsOf([...acknowledged, ...after].map((l) => l.email));
  for (const l of [...acknowledged, ...after]) expect(rows.get(l.email)).toEqual({ email: l.email, completions: '1', attested: '1', certificates: '1' });
  await nothingPartialOrDoubled();
  expect(survivor.cli(['audit:verify'])).toMatch(/^Audit log OK: \d+ events, chain intact/m);
  expect(acknowledged.length).toBeGreaterThan(0);
}, 300_000);

// Needs table scheduler_ticks and NOTIFICATIONS_EVERY_MS (task s20-limits).
test('the scheduler ran once per interval across the instances, and the survivor kept claiming slots after the kill', async () => {
  expect(killed).toBeDefined();
  const k = killed!;
  // Three more intervals for the survivor to claim on its own.
  await new Promise((r) => setTimeout(r, 3.5 * TICK_MS));
  const rows = await query<{ slot: number; instance: string }>("SELECT slot, instance FROM scheduler_ticks WHERE name = 'notifications' ORDER BY slot");
  const slots = rows.map((r) => Number(r.slot));
  expect(new Set(slots).size).toBe(slots.length);
  // No slot can be claimed twice: (name, slot) is the table's primary key.
  const key = await query<{ column_name: string }>(`SELECT a.attname AS column_name FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'scheduler_ticks'::regclass AND i.indisprimary`);
  expect(key.map((k) => k.column_name).sort()).toEqual(['name', 'slot']);
  // Both instances claimed ticks over the run.
  expect(new Set(rows.map((r) => r.instance))).toEqual(new Set([k.survivor, k.victim]));
  // Slots wholly after the kill: claimed by the survivor, one each.
  const afterKill = rows.filter((r) => Number(r.slot) * TICK_MS > k.at);
  expect(afterKill.length).toBeGreaterThanOrEqual(2);
  expect(afterKill.every((r) => r.instance === k.survivor)).toBe(true);
  // And the runs themselves, from the instances' logs: a claimed slot ran once, on the instance that
  // claimed it (a claim that let both run, or a run that failed after its claim, shows here). Only the
  // victim's last slot may have no line: it may have been killed during that run.
  const ran = apps.flatMap((a) => [...a.output().matchAll(/"instance":"([^"]+)","slot":(\d+),[^\n]*"msg":"notification tick ran"/g)].map((m) => ({ instance: m[1]!, slot: Number(m[2]) })));
  expect(apps.map((a) => a.output()).join('\n')).not.toContain('notification planning failed');
  expect(new Set(ran.map((r) => r.slot)).size).toBe(ran.length);
  const claimedBy = new Map(rows.map((r) => [Number(r.slot), r.instance]));
  for (const r of ran) expect([r.slot, r.instance]).toEqual([r.slot, claimedBy.get(r.slot)]);
  const notRun = slots.filter((slot) => !ran.some((r) => r.slot === slot));
  expect(notRun.length).toBeLessThanOrEqual(1);
  for (const slot of notRun) expect(claimedBy.get(slot)).toBe(k.victim);
  metrics.push(`scheduler: ${rows.length} slots claimed over the run, ${ran.length} runs logged, ${afterKill.length} after the kill by the survivor`);
}, 30_000);
