import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load, removeDataFolders, seed, SECONDS, signIn, startApp, stopAllApps } from './app-process';
import { assignmentRows, measureAssignments } from './assignments';
import { measureColdStart, measurePages, measureQuiz, measureReports, measureTwoInstances, setUpEngine, type EngineRun, type Rec } from './engine-scenarios';
import { measureOutbox, outboxRows } from './outbox-scenario';
import { databaseStats, startBenchPostgres, type BenchPostgres } from './postgres-server';
import { SideBySide, type Engine } from './side-by-side';
import { measureCertificatePdf, measureCertificateZips, measureQuizBounds, measureReference } from './sqlite-only';
import { measureStalls } from './stalls';

// npm run bench: the production build on an organisation seeded by demo:seed, once on the SQLite file and
// once on PostgreSQL (BENCH_ENGINES, default "sqlite,postgres"), measured from this process with
// autocannon over loopback only. PostgreSQL is the server PG_URL names, or else a throwaway cluster
// (bench/postgres-server.ts). Prints one Markdown table, a column per engine, and writes JSON to bench/results/.

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? '100000');
// Issue 17: reminders queued and sent through the outbox to a local SMTP server (bench/outbox.ts).
const OUTBOX_MESSAGES = Number(process.env.BENCH_OUTBOX_MESSAGES ?? '10000');
/** `BENCH_ONLY=outbox`: that scenario alone (no seed, no server), e.g. after a change to the sender. */
const ONLY = process.env.BENCH_ONLY;
const SCALES = (process.env.BENCH_SCALES ?? '10000,100000,300000').split(',').map(Number).filter((n) => n > 0);
const ENGINES = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()).filter(Boolean);

const table = new SideBySide();
const started = performance.now();
const json: Record<string, unknown> = { date: new Date().toISOString(), machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`, node: process.version, engines: ENGINES, seconds: SECONDS, people: PEOPLE };
const recorder = (engine: Engine): Rec => (what, value, target, met) => table.record(engine, what, value, target, met);
const sqliteRec = recorder('sqlite');

function outboxScenario(): void {
  if (OUTBOX_MESSAGES <= 0) return;
  const r = measureOutbox(OUTBOX_MESSAGES);
  json.outbox = r;
  for (const row of outboxRows(r)) sqliteRec(row.what, row.value, '', null);
}

function finish(): void {
  const seconds = (performance.now() - started) / 1000;
  json.totalSeconds = seconds;
  console.log(`\nWhole bench: ${(seconds / 60).toFixed(1)} min (engines: ${ENGINES.join(', ')}).`);
  table.report(json);
}

/** The scenarios both engines run, on one engine's organisation; the SQLite-only ones in between on SQLite. */
async function sqliteRun(): Promise<{ run: EngineRun; reference: number }> {
  const run = await setUpEngine({}, PEOPLE, sqliteRec);
  const reference = await measureReference(run, sqliteRec);
  await measurePages(run, reference, sqliteRec);
  await measureQuiz(run, reference, sqliteRec);
  await measureQuizBounds(run, reference, sqliteRec);
  await measureReports(run, sqliteRec);
  await measureCertificateZips(run, sqliteRec);
  run.app.child.kill('SIGTERM');
  await measureCertificatePdf(sqliteRec);
  await measureColdStart(run, sqliteRec);
  return { run, reference };
}

async function postgresRun(server: BenchPostgres, reference: number | null): Promise<EngineRun> {
  const rec = recorder('postgres');
  const url = await server.createDatabase('bench');
  const run = await setUpEngine({ DATABASE_URL: url }, PEOPLE, rec);
  await measurePages(run, reference, rec);
  await measureQuiz(run, reference, rec);
  await measureReports(run, rec);
  json.twoInstances = await measureTwoInstances(run, rec);
  run.app.child.kill('SIGTERM');
  await measureColdStart(run, rec);
  const stats = await databaseStats(url);
  json.postgresStats = stats;
  rec('PostgreSQL\'s counters for the run: transactions committed, rolled back (serialization retries among them), deadlocks; buffer hit ratio',
    `${stats.commits.toLocaleString('en-US')} committed, ${stats.rollbacks.toLocaleString('en-US')} rolled back, ${stats.deadlocks} deadlocks; ${(100 * stats.blockHits / Math.max(1, stats.blockHits + stats.blockReads)).toFixed(1)}% of block reads from shared buffers`, '', null);
  return run;
}

/** SQLite only: the report at several sizes, stalls (issue 12), assignment rules (issue 16), the outbox (issue 17). */
async function sqliteTail(): Promise<void> {
  for (const n of SCALES) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-bench-scale-'));
    try {
      seed(dir, n);
      const s = await startApp(dir);
      const a = await signIn(s.base, 'admin@demo1.example');
      const r = await load(`${s.base}/reports`, a, 1);
      sqliteRec(`9. report p50 at ${n.toLocaleString('en-US')} people (1 connection)`, `${r.p50} ms (p99 ${r.p99} ms)`, 'no worse than linear', null);
      s.child.kill('SIGTERM');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  // Issue 12: one heavy request must not stall everyone (bench/stalls.ts).
  for (const r of await measureStalls({ seed, startApp, signIn })) {
    sqliteRec(`10. /healthz during a ${r.what} (${r.seconds.toFixed(1)} s)`, `p50 ${r.stats.p50.toFixed(0)} ms, p99 ${r.stats.p99.toFixed(0)} ms, max ${r.stats.max.toFixed(0)} ms (${r.stats.failures} failed)`, 'p99 < 250 ms', r.stats.p99 < 250 && r.stats.failures === 0);
  }
  // Issue 16: the report and CSV with 3 assignment rules per person (bench/assignments.ts).
  const assigned = await measureAssignments(PEOPLE, SECONDS);
  json.assignments = assigned;
  for (const r of assignmentRows(assigned)) sqliteRec(r.what, r.value, '', null);
  outboxScenario();
}

async function main() {
  if (ONLY === 'outbox') {
    outboxScenario();
    finish();
    return;
  }
  if (ONLY !== undefined) throw new Error(`BENCH_ONLY=${ONLY}: the only scenario that runs alone is "outbox".`);
  const unknown = ENGINES.filter((e) => e !== 'sqlite' && e !== 'postgres');
  if (unknown.length || !ENGINES.length) throw new Error(`BENCH_ENGINES=${process.env.BENCH_ENGINES}: give sqlite, postgres or both (comma-separated).`);
  const runs: EngineRun[] = [];
  let server: BenchPostgres | null = null;
  // Ctrl-C or a kill still stops the servers and the throwaway cluster (its stop() is synchronous).
  const onSignal = (signal: NodeJS.Signals) => {
    stopAllApps();
    removeDataFolders();
    void (server?.stop() ?? Promise.resolve()).catch(() => undefined).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // PostgreSQL first, so a missing package or a refused PG_URL fails the run before the long SQLite part.
    if (ENGINES.includes('postgres')) {
      server = await startBenchPostgres();
      json.postgres = { version: server.version, where: server.where };
      console.log(`PostgreSQL ${server.version}: ${server.where}`);
    }
    let reference: number | null = null;
    if (ENGINES.includes('sqlite')) {
      const sqlite = await sqliteRun();
      runs.push(sqlite.run);
      reference = sqlite.reference;
    }
    if (server) runs.push(await postgresRun(server, reference));
    json.seedSeconds = Object.fromEntries(runs.map((r) => [r.env.DATABASE_URL ? 'postgres' : 'sqlite', r.seedSeconds]));
    if (ENGINES.includes('sqlite')) await sqliteTail();
  } finally {
    stopAllApps();
    await server?.stop();
    removeDataFolders();
  }
  finish();
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
