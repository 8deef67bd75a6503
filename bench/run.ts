import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import autocannon from 'autocannon';
import { renderCertificate } from '../server/certificates/render';
import { openDatabase } from '../server/db/database';
import { projectRoot } from '../server/paths';
import { barePage } from './bare-page';
import { renderToBuffer, sampleCertificate } from './certificate-profile';
import { measureStalls } from './stalls';
import { signInOverHttp } from './sign-in';
import { assignmentRows, measureAssignments } from './assignments';
import { memoryMb, resetPeakRss } from './process-memory';
import { measureOutbox, outboxRows } from './outbox-scenario';

// npm run bench: the production build on a temp database seeded by demo:seed, measured from this
// process with autocannon over loopback only. Prints a Markdown table and writes JSON to bench/results/.

const PASSWORD = 'bench lantern orchard 42';
const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? '10');
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? '100000');
// Quiz learners: each has one open attempt at a time, so the submission rate needs many of them.
const SIGN_IN_LEARNERS = Number(process.env.BENCH_QUIZ_LEARNERS ?? '60');
// Issue 17: reminders queued and sent through the outbox to a local SMTP server (bench/outbox.ts).
const OUTBOX_MESSAGES = Number(process.env.BENCH_OUTBOX_MESSAGES ?? '10000');
/** `BENCH_ONLY=outbox`: that scenario alone (no seed, no server), e.g. after a change to the sender. */
const ONLY = process.env.BENCH_ONLY;
const SCALES = (process.env.BENCH_SCALES ?? '10000,100000,300000').split(',').map(Number).filter((n) => n > 0);
const node = process.execPath;
const rows: { what: string; value: string; target: string; met: string }[] = [];
const json: Record<string, unknown> = { date: new Date().toISOString(), machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`, node: process.version };

function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); }); });
}

function seed(dataDir: string, people: number): number {
  const t0 = Date.now();
  execFileSync(node, ['dist/server/cli.js', 'demo:seed', '--people', String(people), '--password-stdin', '--sign-in-learners', String(SIGN_IN_LEARNERS)], { cwd: projectRoot, env: { ...process.env, DATA_DIR: dataDir }, input: PASSWORD, stdio: ['pipe', 'ignore', 'inherit'] });
  return (Date.now() - t0) / 1000;
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    try { if ((await fetch(url)).status < 500) return; } catch { /* starting */ }
    if (child.exitCode !== null) throw new Error(`${url}: process exited`);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${url} did not answer`);
}

async function startApp(dataDir: string, extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  const t0 = performance.now();
  // The quiz rounds measure grading throughput: the same learners submit round after round, faster than
  // lessons can be read and beyond a set of attempts, so the bench turns both evidence rules off.
  const rules = { QUIZ_MAX_ATTEMPTS: '0', LESSON_MIN_WPM: 'off' };
  const child = spawn(node, ['dist/server/main.js'], { cwd: projectRoot, env: { ...process.env, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOGIN_RATE_LIMIT: '100000', ...rules, ...extraEnv }, stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/healthz`, child);
  return { base, child, coldStartMs: performance.now() - t0 };
}

const signIn = (base: string, email: string): Promise<string> => signInOverHttp(base, email, PASSWORD);

async function load(url: string, cookie: string, connections = CONNECTIONS) {
  const r = await autocannon({ url, connections, duration: SECONDS, headers: { cookie } });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

const COURSE = 'hipaa-social-media';
const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
const post = (url: string, cookie: string, body: string) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body });

/** Plays every lesson with the first option the page offers that moves on (a violation loops back). */
async function finishLessons(base: string, cookie: string): Promise<void> {
  for (let guard = 0; guard < 400; guard += 1) {
    const course = await (await fetch(`${base}/courses/${COURSE}`, { headers: { cookie } })).text();
    const next = /href="(\/courses\/[^"]+\/lessons\/[^"]+)"/.exec(course.replace(/class="lesson lesson-completed"[\s\S]*?<\/li>/g, ''));
    if (!next) return;
    const page = await fetch(`${base}${next[1]}/play`, { headers: { cookie } });
    const html = await page.text();
    const form = /action="([^"]+\/scenes\/[^"]+)"/.exec(html);
    if (!form) continue;
    const choices = [...html.matchAll(/name="choice" value="([^"]+)"/g)].map((m) => m[1]!);
    await post(`${base}${form[1]}`, cookie, new URLSearchParams({ _csrf: csrfIn(html), choice: choices[guard % choices.length]! }).toString());
  }
}

/**
 * Quiz submissions as a server sees them in a campaign: every learner has a fresh attempt open (started
 * and loaded beforehand, untimed), then all submit at once and the burst is timed, round after round
 * until `seconds` of submitting have been measured. Each submit is graded and written durably.
 */
async function quizLoop(base: string, cookies: string[], seconds: number) {
  const times: number[] = [];
  let errors = 0;
  let submitting = 0;
  let submitted = 0;
  while (submitting < seconds * 1000) {
    const ready = await Promise.all(cookies.map(async (cookie) => {
      const start = await fetch(`${base}/courses/${COURSE}/quiz`, { headers: { cookie } });
      const open = await post(`${base}/courses/${COURSE}/quiz/attempts`, cookie, `_csrf=${encodeURIComponent(csrfIn(await start.text()))}`);
      const url = `${base}${open.headers.get('location')}`;
      const page = await (await fetch(url, { headers: { cookie } })).text();
      const answers = new URLSearchParams({ _csrf: csrfIn(page) });
      const seen = new Set<string>();
      for (const m of page.matchAll(/name="(q_[^"]+)" value="([^"]+)"/g)) if (!seen.has(m[1]!)) { seen.add(m[1]!); answers.append(m[1]!, m[2]!); }
      return { cookie, url, body: answers.toString() };
    }));
    const burst = performance.now();
    await Promise.all(ready.map(async ({ cookie, url, body }) => {
      const t0 = performance.now();
      const res = await post(url, cookie, body);
      times.push(performance.now() - t0);
      if (res.status !== 303) errors += 1;
    }));
    submitting += performance.now() - burst;
    submitted += ready.length;
  }
  times.sort((a, b) => a - b);
  return { perSecond: submitted / (submitting / 1000), p50: times[Math.floor(times.length / 2)] ?? 0, errors };
}

/** One-row commits per second on a scratch SQLite file as the server opens it (WAL, synchronous=FULL). */
function durableCommitsPerSecond(file: string): number {
  const probe = openDatabase(file);
  try {
    probe.sqlite.exec('create table probe (x integer)');
    const insert = probe.sqlite.prepare('insert into probe (x) values (?)');
    const n = 300;
    const t0 = performance.now();
    for (let i = 0; i < n; i += 1) insert.run(i);
    return n / ((performance.now() - t0) / 1000);
  } finally {
    probe.sqlite.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  }
}

function record(what: string, value: string, target: string, met: boolean | null) {
  rows.push({ what, value, target, met: met === null ? '—' : met ? 'yes' : 'no' });
  console.log(`${what}: ${value}`);
}

function outboxScenario(): void {
  if (OUTBOX_MESSAGES <= 0) return;
  const r = measureOutbox(OUTBOX_MESSAGES);
  json.outbox = r;
  for (const row of outboxRows(r)) record(row.what, row.value, '', null);
}

/** The table on the console and the JSON in bench/results/. */
function report(): void {
  const table = ['| measure | result | target | met |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.what} | ${r.value} | ${r.target} | ${r.met} |`)].join('\n');
  console.log(`\n${table}\n`);
  fs.mkdirSync(path.join(projectRoot, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(projectRoot, 'bench', 'results', `bench-${Date.now()}.json`), JSON.stringify({ ...json, rows }, null, 2));
}

async function main() {
  if (ONLY === 'outbox') {
    outboxScenario();
    report();
    return;
  }
  if (ONLY !== undefined) throw new Error(`BENCH_ONLY=${ONLY}: the only scenario that runs alone is "outbox".`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-bench-'));
  try {
    const seconds = seed(dataDir, PEOPLE);
    json.seedSeconds = seconds;
    record(`demo:seed ${PEOPLE.toLocaleString('en-US')} people`, `${seconds.toFixed(1)} s`, '', null);
    const app = await startApp(dataDir);
    // Seeded learners with a password are person9 upwards; use those with training still to do.
    const candidates = await Promise.all(Array.from({ length: SIGN_IN_LEARNERS }, (_, i) => signIn(app.base, `person${9 + i}@demo1.example`)));
    const usable: string[] = [];
    for (const c of candidates) if ((await fetch(`${app.base}/courses/hipaa-social-media/lessons/elevator/play`, { headers: { cookie: c } })).status === 200) usable.push(c);
    if (usable.length < 2) throw new Error('the seed left fewer than two demo learners with training to do; try another BENCH_PEOPLE');
    const learner = usable[0]!;
    const admin = await signIn(app.base, 'admin@demo1.example');
    const scenePath = '/courses/hipaa-social-media/lessons/elevator/play';
    const sceneBytes = (await (await fetch(app.base + scenePath, { headers: { cookie: learner } })).text()).length;

    const refPort = await freePort();
    const ref = spawn(node, ['dist/bench/reference.js'], { cwd: projectRoot, env: { ...process.env, PORT: String(refPort), DATABASE_PATH: path.join(dataDir, 'privacy-rounds.sqlite'), PAGE_BYTES: String(sceneBytes) }, stdio: 'ignore' });
    const refBase = `http://127.0.0.1:${refPort}`;
    await waitFor(`${refBase}/page`, ref);
    const refCookie = (await fetch(`${refBase}/sign-in/10`)).headers.get('set-cookie')!.split(';')[0]!;
    const reference = await load(`${refBase}/page`, refCookie);
    ref.kill('SIGTERM');
    record('1. reference stack (Express + EJS + session + 1 SELECT), req/s', `${reference.rps.toFixed(0)} (p50 ${reference.p50} ms, p99 ${reference.p99} ms)`, 'denominator', null);

    const scene = await load(app.base + scenePath, learner);
    record('2. lesson scene page, req/s', `${scene.rps.toFixed(0)} = ${(scene.rps / reference.rps).toFixed(2)} × reference (p50 ${scene.p50} ms, p99 ${scene.p99} ms, ${scene.errors} errors)`, '≥ 0.8 ×', scene.rps / reference.rps >= 0.8);
    const dash = await load(`${app.base}/`, learner);
    record('3. dashboard, req/s', `${dash.rps.toFixed(0)} = ${(dash.rps / reference.rps).toFixed(2)} × reference (p50 ${dash.p50} ms, p99 ${dash.p99} ms, ${dash.errors} errors)`, '≥ 0.8 ×', dash.rps / reference.rps >= 0.8);

    // Latency as one manager sees it (1 connection), then throughput with 10 at once.
    // 4. Quiz submissions: each learner loops start → open → submit (graded, a durable write), so every
    // request is a fresh attempt. The learners first finish the lessons over HTTP.
    const learners = usable.slice(1);
    await Promise.all(learners.map((c) => finishLessons(app.base, c)));
    const quiz = await quizLoop(app.base, learners, SECONDS);
    record(`4. quiz submission (fresh attempt each, graded, durable), submissions/s, bursts of ${learners.length} learners`, `${quiz.perSecond.toFixed(0)} = ${(quiz.perSecond / reference.rps).toFixed(2)} × reference req/s (p50 ${quiz.p50.toFixed(0)} ms per submit, ${quiz.errors} errors)`, '≥ 0.5 ×', quiz.perSecond / reference.rps >= 0.5);
    // What bounds it: each submit is a commit, and with synchronous=FULL every commit waits for the
    // disk's fsync. Measured here on a scratch file, and then the same loop against a second server
    // with DB_SYNCHRONOUS=normal (no fsync per commit) to show what the CPU alone allows.
    const fsyncs = durableCommitsPerSecond(path.join(dataDir, 'fsync-probe.sqlite'));
    record('4. … this disk: durable SQLite commits/s (WAL, synchronous=FULL, one row each)', `${fsyncs.toFixed(0)} (${(1000 / fsyncs).toFixed(1)} ms per commit)`, '', null);
    const relaxed = await startApp(dataDir, { DB_SYNCHRONOUS: 'normal' });
    const quizNormal = await quizLoop(relaxed.base, learners, SECONDS);
    relaxed.child.kill('SIGTERM');
    record('4. … the same with DB_SYNCHRONOUS=normal (survives a crash, not a power cut)', `${quizNormal.perSecond.toFixed(0)} = ${(quizNormal.perSecond / reference.rps).toFixed(2)} × reference req/s (p50 ${quizNormal.p50.toFixed(0)} ms per submit, ${quizNormal.errors} errors)`, '', null);

    const report = await load(`${app.base}/reports`, admin, 1);
    const report10 = await load(`${app.base}/reports`, admin, 10);
    record(`5. report page, ${PEOPLE.toLocaleString('en-US')} people, whole organisation`, `p50 ${report.p50} ms, p99 ${report.p99} ms; ${report10.rps.toFixed(1)} req/s with 10 connections`, 'p50 < 100 ms', report.p50 < 100);
    const team = await load(`${app.base}/team`, admin, 1);
    record('5. organisation summary (/team)', `p50 ${team.p50} ms, p99 ${team.p99} ms`, 'p50 < 100 ms', team.p50 < 100);

    // Peak RSS is measured over the export alone when the kernel lets us reset it (it includes the
    // server's baseline: Node, the libraries and the database pages SQLite has memory-mapped).
    const before = memoryMb(app.child.pid!);
    const reset = resetPeakRss(app.child.pid!);
    const t0 = performance.now();
    const csv = await fetch(`${app.base}/reports/export.csv`, { headers: { cookie: admin } });
    const bytes = (await csv.arrayBuffer()).byteLength;
    const csvSeconds = (performance.now() - t0) / 1000;
    const after = memoryMb(app.child.pid!);
    record(`6. CSV export of ${PEOPLE.toLocaleString('en-US')} rows`,
      `${csvSeconds.toFixed(2)} s, ${(bytes / 2 ** 20).toFixed(1)} MiB, server peak RSS ${after.peak.toFixed(0)} MB${reset ? ' during the export' : ' (whole run)'} `
      + `(before: ${before.anon.toFixed(0)} MB private + ${before.file.toFixed(0)} MB file-backed; after: ${after.anon.toFixed(0)} + ${after.file.toFixed(0)} MB)`,
      '< 1 s, RSS < 150 MB', csvSeconds < 1 && after.peak < 150);

    // The same small export as earlier runs (69 certificates at 100,000 people), first in this server process
    // (a cold start: everything from font parsing to V8's warm-up) and again; then a bulk export of about 700,
    // big enough that the render threads (server/certificates/render-pool.ts) carry most of it.
    const certificateZip = async (q: string) => {
      const t1 = performance.now();
      const zip = Buffer.from(await (await fetch(`${app.base}/reports/certificates.zip?q=${q}`, { headers: { cookie: admin } })).arrayBuffer());
      const zipSeconds = (performance.now() - t1) / 1000;
      const entries = zip.readUInt16LE(zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) + 10);
      return { zipSeconds, entries, value: `${zipSeconds.toFixed(2)} s = ${(entries / zipSeconds).toFixed(0)} certificates/s`, met: entries / zipSeconds >= 80 };
    };
    const zip1 = await certificateZip('person999');
    record(`7. certificate ZIP (${zip1.entries} certificates), first export`, zip1.value, '≥ 80 certificates/s', zip1.met);
    const zip2 = await certificateZip('person999');
    record(`7. certificate ZIP (${zip2.entries} certificates), again`, zip2.value, '≥ 80 certificates/s', zip2.met);
    // person9…9 matches 1 + 10 + 100 + 1,000 seeded people (about 60% with a certificate) at any BENCH_PEOPLE ≥ 10,000.
    const bulk = await certificateZip(`person${'9'.repeat(Math.max(1, Math.floor(Math.log10(PEOPLE)) - 3))}`);
    record(`7. certificate ZIP (${bulk.entries} certificates), bulk`, bulk.value, '≥ 80 certificates/s', bulk.met);
    app.child.kill('SIGTERM');

    // Ours against the same content on a bare pdfkit page (bench/bare-page.ts), 100 each after warm-up,
    // alternating in blocks of 10 so both see the same machine. Every certificate has its own name, code
    // and URL (sampleCertificate), as in a ZIP, so nothing per-certificate can come from a cache.
    const N = 100;
    const variants = {
      ours: (i: number, o: PassThrough) => renderCertificate(sampleCertificate(i), o),
      bare: (i: number, o: PassThrough) => barePage(sampleCertificate(i), o),
      bareParsed: (i: number, o: PassThrough) => barePage(sampleCertificate(i), o, true),
    };
    const ms = { ours: 0, bare: 0, bareParsed: 0 };
    const names = ['ours', 'bare', 'bareParsed'] as const;
    for (let i = 0; i < 5; i += 1) for (const name of names) await renderToBuffer((o) => variants[name](i, o));
    for (let block = 0; block < N / 10; block += 1) {
      for (const name of names) {
        const tc = performance.now();
        for (let i = block * 10; i < block * 10 + 10; i += 1) await renderToBuffer((o) => variants[name](i, o));
        ms[name] += (performance.now() - tc) / N;
      }
    }
    record('7. certificate PDF, single process', `${ms.ours.toFixed(1)} ms each (${(1000 / ms.ours).toFixed(0)}/s) = ${(ms.ours / ms.bare).toFixed(2)} × bare pdfkit page (${ms.bare.toFixed(1)} ms)`, '≤ 1.2 × bare', ms.ours / ms.bare <= 1.2);
    record('7. … against a bare page given the same once-parsed fonts', `${(ms.ours / ms.bareParsed).toFixed(2)} × (${ms.bareParsed.toFixed(1)} ms): the cost of tagging`, '', null);

    const cold = await startApp(dataDir);
    record('8. cold start to first 200 on /healthz', `${cold.coldStartMs.toFixed(0)} ms`, '< 1.5 s', cold.coldStartMs < 1500);
    cold.child.kill('SIGTERM');

    for (const n of SCALES) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-bench-scale-'));
      try {
        seed(dir, n);
        const s = await startApp(dir);
        const a = await signIn(s.base, 'admin@demo1.example');
        const r = await load(`${s.base}/reports`, a, 1);
        record(`9. report p50 at ${n.toLocaleString('en-US')} people (1 connection)`, `${r.p50} ms (p99 ${r.p99} ms)`, 'no worse than linear', null);
        s.child.kill('SIGTERM');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }

    // Issue 12: one heavy request must not stall everyone (bench/stalls.ts).
    for (const r of await measureStalls({ seed, startApp, signIn })) {
      record(`10. /healthz during a ${r.what} (${r.seconds.toFixed(1)} s)`, `p50 ${r.stats.p50.toFixed(0)} ms, p99 ${r.stats.p99.toFixed(0)} ms, max ${r.stats.max.toFixed(0)} ms (${r.stats.failures} failed)`, 'p99 < 250 ms', r.stats.p99 < 250 && r.stats.failures === 0);
    }

    // Issue 16: the report and CSV with 3 assignment rules per person (bench/assignments.ts).
    const assigned = await measureAssignments(PEOPLE, SECONDS);
    json.assignments = assigned;
    for (const r of assignmentRows(assigned)) record(r.what, r.value, '', null);

    outboxScenario();
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  report();
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
