import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { projectRoot } from '../server/paths';
import { signInOverHttp } from './sign-in';

// Issue 16: the report page and the CSV at BENCH_PEOPLE people (default 100,000) with 3 assignment
// rules each (everyone, their department, their role), set up through the CLI as an operator would.
// Part of `npm run bench` (section 11); alone: `npm run build && BENCH_PEOPLE=2000 node dist/bench/assignments.js`.

const PASSWORD = 'bench lantern orchard 42';
const node = process.execPath;
const COURSE = 'hipaa-social-media';

export interface AssignmentFigures {
  people: number;
  seedSeconds: number;
  rulesSeconds: number[];
  startSeconds: number;
  report: { p50: number; p99: number };
  reportByAssignment: { p50: number; p99: number };
  exemptFilter: { p50: number; p99: number };
  csv: { seconds: number; mib: number; rows: number; assignmentsPerRow: number };
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

export async function measureAssignments(people: number, seconds: number): Promise<AssignmentFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-bench-assign-'));
  let child: ChildProcess | undefined;
  try {
    const seedSeconds = cli(dir, ['demo:seed', '--people', String(people), '--password-stdin', '--sign-in-learners', '1'], PASSWORD);
    const today = new Date().toISOString().slice(0, 10);
    const rule = (name: string, ...audience: string[]) => cli(dir, ['assignments:create', '--name', name, '--course', COURSE, ...audience, '--starts', today, '--rollout-days', '60']);
    // Each rule refreshes everyone's rows in one unit of work: the time an admin waits after saving one.
    const rulesSeconds = [rule('Everyone', '--everyone'), rule('Nursing', '--department', 'Nursing'), rule('Learners', '--role', 'learner')];
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
    const c0 = performance.now();
    const text = await (await fetch(`${base}/reports/export.csv`, { headers: { cookie: admin } })).text();
    const csvSeconds = (performance.now() - c0) / 1000;
    const lines = text.trim().split('\r\n').slice(1);
    // The "assignment" column of the first row: how many rules it names (quoted: it may hold "; ").
    const first = lines[0] ?? '';
    const assignmentsPerRow = (first.match(/Everyone|Nursing|Learners/g) ?? []).length;
    return {
      people, seedSeconds, rulesSeconds, startSeconds, report, reportByAssignment, exemptFilter,
      csv: { seconds: csvSeconds, mib: Buffer.byteLength(text) / 2 ** 20, rows: lines.length, assignmentsPerRow },
    };
  } finally {
    child?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as table rows for run.ts. */
export function assignmentRows(f: AssignmentFigures): { what: string; value: string }[] {
  const n = f.people.toLocaleString('en-US');
  return [
    { what: `11. assignments: 3 rules created by the CLI at ${n} people (each refreshes everyone)`, value: f.rulesSeconds.map((s) => `${s.toFixed(1)} s`).join(', ') },
    { what: '11. … start-up after the rules', value: `${f.startSeconds.toFixed(1)} s` },
    { what: `11. report page, ${n} people × 3 assignments (1 connection)`, value: `p50 ${f.report.p50} ms, p99 ${f.report.p99} ms` },
    { what: '11. … filtered by one assignment, by due date', value: `p50 ${f.reportByAssignment.p50} ms, p99 ${f.reportByAssignment.p99} ms` },
    { what: '11. … exempt or overdue', value: `p50 ${f.exemptFilter.p50} ms, p99 ${f.exemptFilter.p99} ms` },
    { what: `11. CSV export, ${f.csv.rows.toLocaleString('en-US')} rows`, value: `${f.csv.seconds.toFixed(2)} s, ${f.csv.mib.toFixed(1)} MiB, ${f.csv.assignmentsPerRow} assignments named in the first row` },
  ];
}

if (require.main === module) {
  const people = Number(process.env.BENCH_PEOPLE ?? '100000');
  measureAssignments(people, Number(process.env.BENCH_SECONDS ?? '10'))
    .then((f) => { for (const r of assignmentRows(f)) console.log(`${r.what}: ${r.value}`); })
    .catch((e: unknown) => { console.error(e); process.exit(1); });
}
