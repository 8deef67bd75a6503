import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import { projectRoot } from '../server/paths';
import { pollHealth, type HealthStats } from './health-poller';
import { memoryMb, resetPeakRss } from './process-memory';
import { signInOverHttp } from './sign-in';

// Issue 16: the report page and the CSV at BENCH_PEOPLE people (default 100,000) with 3 assignment
// rules each (everyone, their department, their role), set up through the CLI as an operator would;
// then a fourth rule saved over HTTP in the running server: how long the admin waits, how long until
// every status row is recomputed, and what /healthz (the event loop) and a page that reads the
// database (the connection) see meanwhile.
// Part of `npm run bench` (section 11); alone: `npm run build && BENCH_PEOPLE=2000 node dist/bench/assignments.js`.

const PASSWORD = 'bench lantern orchard 42';
const node = process.execPath;
const COURSE = 'hipaa-social-media';

export interface Latency { p50: number; p99: number }

export interface AssignmentFigures {
  people: number;
  seedSeconds: number;
  rulesSeconds: number[];
  startSeconds: number;
  report: Latency;
  reportByAssignment: Latency;
  exemptFilter: Latency;
  reportByDepartment: Latency;
  csv: { seconds: number; mib: number; rows: number; assignmentsPerRow: number; peakRssMb: number; peakMeasuredAlone: boolean; baselineMb: number };
  /** A fourth rule (everyone) saved over HTTP in the running server, with the event loop and a database page probed meanwhile. */
  save: {
    answerSeconds: number;
    catchUpSeconds: number;
    upToDateWhenAnswered: boolean;
    healthz: HealthStats;
    page: HealthStats;
    reportDuring: { ms: number; saysUpdating: boolean } | null;
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); }); });
}

function cli(dataDir: string, args: string[], input?: string): number {
  const t0 = Date.now();
  execFileSync(node, ['dist/server/cli.js', ...args], { cwd: projectRoot, env: { ...process.env, DATA_DIR: dataDir }, input, stdio: ['pipe', 'ignore', 'inherit'] });
  return (Date.now() - t0) / 1000;
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 6000; i += 1) {
    try { if ((await fetch(url)).status < 500) return; } catch { /* starting */ }
    if (child.exitCode !== null) throw new Error(`${url}: process exited`);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${url} did not answer`);
}

async function latency(url: string, cookie: string, seconds: number) {
  const r = await autocannon({ url, connections: 1, duration: seconds, headers: { cookie } });
  if (r.errors + r.non2xx > 0) throw new Error(`${url}: ${r.errors + r.non2xx} failed requests`);
  return { p50: r.latency.p50, p99: r.latency.p99 };
}

const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** People whose status rows still wait to be recomputed (marked stale up to the organisation's today). */
function staleCount(file: string, today: string): number {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    return Number(db.prepare('select count(*) from status_recheck where on_day <= ?').pluck().get(today));
  } finally {
    db.close();
  }
}

/**
 * Saves a rule for everyone through the admin screen while /healthz and a learner's dashboard are
 * probed every 20 ms; the answer is timed, then the catch-up until no row is stale, and the report
 * page is asked once meanwhile.
 */
async function saveRuleOverHttp(base: string, admin: string, learner: string, file: string): Promise<AssignmentFigures['save']> {
  const form = await (await fetch(`${base}/admin/assignments`, { headers: { cookie: admin } })).text();
  const today = /name="starts_on"[^>]*value="(\d{4}-\d{2}-\d{2})"/.exec(form)?.[1] ?? /value="(\d{4}-\d{2}-\d{2})"[^>]*name="starts_on"/.exec(form)?.[1];
  if (!today) throw new Error('the assignments page has no start date');
  const body = new URLSearchParams({
    _csrf: csrfIn(form), action: 'save', name: 'Everyone refresher', target: `course:${COURSE}`, department: '', role: '', job_codes: '', starts_on: today, rollout_days: '90', ends_on: '',
  });
  const healthz = pollHealth(base);
  const page = pollHealth(base, '/', learner);
  const t0 = performance.now();
  const res = await fetch(`${base}/admin/assignments`, { method: 'POST', redirect: 'manual', headers: { cookie: admin, 'content-type': 'application/x-www-form-urlencoded' }, body });
  const answerSeconds = (performance.now() - t0) / 1000;
  if (res.status !== 303) throw new Error(`saving the rule answered ${res.status}`);
  const flash = await (await fetch(`${base}/admin/assignments`, { headers: { cookie: admin } })).text();
  const upToDateWhenAnswered = flash.includes('up to date in the report');
  let reportDuring: AssignmentFigures['save']['reportDuring'] = null;
  if (staleCount(file, today) > 0) {
    const r0 = performance.now();
    const report = await (await fetch(`${base}/reports`, { headers: { cookie: admin } })).text();
    reportDuring = { ms: performance.now() - r0, saysUpdating: report.includes('Due dates are being updated') };
  }
  while (staleCount(file, today) > 0) await new Promise((r) => setTimeout(r, 50));
  const catchUpSeconds = (performance.now() - t0) / 1000;
  return { answerSeconds, catchUpSeconds, upToDateWhenAnswered, healthz: await healthz.stop(), page: await page.stop(), reportDuring };
}

export async function measureAssignments(people: number, seconds: number): Promise<AssignmentFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-bench-assign-'));
  const file = path.join(dir, 'privacy-rounds.sqlite');
  let child: ChildProcess | undefined;
  try {
    const seedSeconds = cli(dir, ['demo:seed', '--people', String(people), '--password-stdin', '--sign-in-learners', '1'], PASSWORD);
    const today = new Date().toISOString().slice(0, 10);
    const rule = (name: string, ...audience: string[]) => cli(dir, ['assignments:create', '--name', name, '--course', COURSE, ...audience, '--starts', today, '--rollout-days', '60']);
    // Each rule commits with everyone marked stale, then the CLI recomputes everyone a slice at a time
    // before it exits: the whole of a rule change, process start included.
    const rulesSeconds = [rule('Everyone', '--everyone'), rule('Nursing', '--department', 'Nursing'), rule('Learners', '--role', 'learner')];
    const nursing = (() => {
      const db = new SQLite(file, { readonly: true, fileMustExist: true });
      try { return Number(db.prepare("select id from departments where path_key = 'nursing'").pluck().get()); } finally { db.close(); }
    })();
    const port = await freePort();
    const t0 = performance.now();
    child = spawn(node, ['dist/server/main.js'], { cwd: projectRoot, env: { ...process.env, NODE_ENV: 'production', DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOGIN_RATE_LIMIT: '100000' }, stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/healthz`, child);
    const startSeconds = (performance.now() - t0) / 1000;
    const admin = await signInOverHttp(base, 'admin@demo1.example', PASSWORD);
    const report = await latency(`${base}/reports`, admin, seconds);
    const reportByAssignment = await latency(`${base}/reports?assignment=2&sort=due_on`, admin, seconds);
    const exemptFilter = await latency(`${base}/reports?status=exempt&status=overdue`, admin, seconds);
    const reportByDepartment = await latency(`${base}/reports?department=${nursing}&sort=status`, admin, seconds);
    // Peak RSS over the export alone when the kernel lets us reset it (it includes the server's baseline).
    const baselineMb = memoryMb(child.pid!).anon;
    const peakMeasuredAlone = resetPeakRss(child.pid!);
    const c0 = performance.now();
    const text = await (await fetch(`${base}/reports/export.csv`, { headers: { cookie: admin } })).text();
    const csvSeconds = (performance.now() - c0) / 1000;
    const peakRssMb = memoryMb(child.pid!).peak;
    const lines = text.trim().split('\r\n').slice(1);
    // The "assignment" column of the first row: how many rules it names (quoted: it may hold "; ").
    const first = lines[0] ?? '';
    const assignmentsPerRow = (first.match(/Everyone|Nursing|Learners/g) ?? []).length;
    const learner = await signInOverHttp(base, 'person9@demo1.example', PASSWORD);
    const save = await saveRuleOverHttp(base, admin, learner, file);
    return {
      people, seedSeconds, rulesSeconds, startSeconds, report, reportByAssignment, exemptFilter, reportByDepartment,
      csv: { seconds: csvSeconds, mib: Buffer.byteLength(text) / 2 ** 20, rows: lines.length, assignmentsPerRow, peakRssMb, peakMeasuredAlone, baselineMb },
      save,
    };
  } finally {
    child?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as table rows for run.ts. */
export function assignmentRows(f: AssignmentFigures): { what: string; value: string }[] {
  const n = f.people.toLocaleString('en-US');
  const lat = (l: Latency) => `p50 ${l.p50} ms, p99 ${l.p99} ms`;
  const probe = (h: HealthStats) => `p50 ${h.p50.toFixed(0)} ms, p99 ${h.p99.toFixed(0)} ms, max ${h.max.toFixed(0)} ms (${h.probes} probes, ${h.failures} failed)`;
  const during = f.save.reportDuring;
  return [
    { what: `11. assignments: 3 rules created by the CLI at ${n} people (commit, then everyone recomputed in slices; process start included)`, value: f.rulesSeconds.map((s) => `${s.toFixed(1)} s`).join(', ') },
    { what: '11. … start-up after the rules', value: `${f.startSeconds.toFixed(1)} s` },
    { what: `11. report page, ${n} people × 3 assignments (1 connection)`, value: lat(f.report) },
    { what: '11. … filtered by one assignment, by due date', value: lat(f.reportByAssignment) },
    { what: '11. … exempt or overdue', value: lat(f.exemptFilter) },
    { what: '11. … one department (Nursing), by status', value: lat(f.reportByDepartment) },
    {
      what: `11. CSV export, ${f.csv.rows.toLocaleString('en-US')} rows`,
      value: `${f.csv.seconds.toFixed(2)} s, ${f.csv.mib.toFixed(1)} MiB, server peak RSS ${f.csv.peakRssMb.toFixed(0)} MB${f.csv.peakMeasuredAlone ? ' during the export' : ' (whole run)'} (private before: ${f.csv.baselineMb.toFixed(0)} MB), ${f.csv.assignmentsPerRow} assignments named in the first row`,
    },
    { what: `11. a 4th rule (everyone) saved over HTTP at ${n} people: the admin's answer`, value: `${f.save.answerSeconds.toFixed(2)} s (${f.save.upToDateWhenAnswered ? 'every row already recomputed' : 'rows still being recomputed'})` },
    { what: '11. … until every status row is recomputed', value: `${f.save.catchUpSeconds.toFixed(1)} s` },
    { what: '11. … /healthz meanwhile (event loop)', value: probe(f.save.healthz) },
    { what: '11. … a learner dashboard meanwhile (database connection)', value: probe(f.save.page) },
    { what: '11. … the report page asked during the catch-up', value: during ? `${during.ms.toFixed(0)} ms, ${during.saysUpdating ? 'says the figures are being updated' : 'no notice'}` : 'the catch-up was over before it was asked' },
  ];
}

if (require.main === module) {
  const people = Number(process.env.BENCH_PEOPLE ?? '100000');
  measureAssignments(people, Number(process.env.BENCH_SECONDS ?? '10'))
    .then((f) => { for (const r of assignmentRows(f)) console.log(`${r.what}: ${r.value}`); })
    .catch((e: unknown) => { console.error(e); process.exit(1); });
}
