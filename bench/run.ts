import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import autocannon from 'autocannon';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { renderCertificate, type CertificateData } from '../server/certificates/render';
import { FONT } from '../server/certificates/fonts';
import { projectRoot } from '../server/paths';

// npm run bench: the production build on a temp database seeded by demo:seed, measured from this
// process with autocannon over loopback only. Prints a Markdown table and writes JSON to bench/results/.

const PASSWORD = 'bench lantern orchard 42';
const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? '10');
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? '100000');
const SCALES = (process.env.BENCH_SCALES ?? '10000,100000,300000').split(',').map(Number).filter((n) => n > 0);
const node = process.execPath;
const rows: { what: string; value: string; target: string; met: string }[] = [];
const json: Record<string, unknown> = { date: new Date().toISOString(), machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`, node: process.version };

function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); }); });
}

function seed(dataDir: string, people: number): number {
  const t0 = Date.now();
  execFileSync(node, ['dist/server/cli.js', 'demo:seed', '--people', String(people), '--password-stdin'], { cwd: projectRoot, env: { ...process.env, DATA_DIR: dataDir }, input: PASSWORD, stdio: ['pipe', 'ignore', 'inherit'] });
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

async function startApp(dataDir: string) {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(node, ['dist/server/main.js'], { cwd: projectRoot, env: { ...process.env, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOGIN_RATE_LIMIT: '100000' }, stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/healthz`, child);
  return { base, child, coldStartMs: performance.now() - t0 };
}

async function signIn(base: string, email: string): Promise<string> {
  const page = await fetch(`${base}/login`);
  let cookie = page.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const res = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email, password: PASSWORD, _csrf: csrf }) });
  cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return cookie;
}

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

async function quizLoop(base: string, cookies: string[], seconds: number) {
  const end = Date.now() + seconds * 1000;
  const times: number[] = [];
  let errors = 0;
  await Promise.all(cookies.map(async (cookie) => {
    while (Date.now() < end) {
      const start = await fetch(`${base}/courses/${COURSE}/quiz`, { headers: { cookie } });
      const open = await post(`${base}/courses/${COURSE}/quiz/attempts`, cookie, `_csrf=${encodeURIComponent(csrfIn(await start.text()))}`);
      const url = `${base}${open.headers.get('location')}`;
      const page = await (await fetch(url, { headers: { cookie } })).text();
      const answers = new URLSearchParams({ _csrf: csrfIn(page) });
      const seen = new Set<string>();
      for (const m of page.matchAll(/name="(q_[^"]+)" value="([^"]+)"/g)) if (!seen.has(m[1]!)) { seen.add(m[1]!); answers.append(m[1]!, m[2]!); }
      const t0 = performance.now();
      const res = await post(url, cookie, answers.toString());
      times.push(performance.now() - t0);
      if (res.status !== 303) errors += 1;
    }
  }));
  times.sort((a, b) => a - b);
  return { perSecond: times.length / seconds, p50: times[Math.floor(times.length / 2)] ?? 0, errors };
}

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
}

function renderToBuffer(draw: (out: PassThrough) => void): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => { out.on('end', () => resolve(Buffer.concat(chunks))); draw(out); });
}

/** The same content on a bare pdfkit page: the font embedded, the QR drawn, no structure tree. */
function barePage(d: CertificateData, out: PassThrough): void {
  const doc = new PDFDocument({ size: 'LETTER', layout: 'landscape' });
  doc.pipe(out);
  doc.registerFont('f', FONT).font('f');
  for (const line of [d.orgName, 'Certificate of Completion', d.learnerName, d.courseTitle, `Completed on ${d.completedOn}`, d.code, d.verifyUrl]) doc.text(line);
  const qr = QRCode.create(d.verifyUrl, { errorCorrectionLevel: 'M' });
  for (let r = 0; r < qr.modules.size; r += 1) for (let c = 0; c < qr.modules.size; c += 1) if (qr.modules.get(r, c)) doc.rect(60 + c * 3, 430 + r * 3, 3, 3);
  doc.fill();
  doc.end();
}

function record(what: string, value: string, target: string, met: boolean | null) {
  rows.push({ what, value, target, met: met === null ? '—' : met ? 'yes' : 'no' });
  console.log(`${what}: ${value}`);
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-bench-'));
  try {
    const seconds = seed(dataDir, PEOPLE);
    json.seedSeconds = seconds;
    record(`demo:seed ${PEOPLE.toLocaleString('en-US')} people`, `${seconds.toFixed(1)} s`, '', null);
    const app = await startApp(dataDir);
    // Seeded learners with a password are person9 … person19; use those with training still to do.
    const candidates = await Promise.all(Array.from({ length: 11 }, (_, i) => signIn(app.base, `person${9 + i}@demo1.example`)));
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
    record('4. quiz submission (fresh attempt each, graded, durable), submissions/s', `${quiz.perSecond.toFixed(0)} = ${(quiz.perSecond / reference.rps).toFixed(2)} × reference req/s (p50 ${quiz.p50.toFixed(0)} ms per submit, ${quiz.errors} errors)`, '≥ 0.5 ×', quiz.perSecond / reference.rps >= 0.5);

    const report = await load(`${app.base}/reports`, admin, 1);
    const report10 = await load(`${app.base}/reports`, admin, 10);
    record(`5. report page, ${PEOPLE.toLocaleString('en-US')} people, whole organisation`, `p50 ${report.p50} ms, p99 ${report.p99} ms; ${report10.rps.toFixed(1)} req/s with 10 connections`, 'p50 < 100 ms', report.p50 < 100);
    const team = await load(`${app.base}/team`, admin, 1);
    record('5. organisation summary (/team)', `p50 ${team.p50} ms, p99 ${team.p99} ms`, 'p50 < 100 ms', team.p50 < 100);

    const t0 = performance.now();
    const csv = await fetch(`${app.base}/reports/export.csv`, { headers: { cookie: admin } });
    const bytes = (await csv.arrayBuffer()).byteLength;
    const csvSeconds = (performance.now() - t0) / 1000;
    const rss = peakRssMb(app.child.pid!);
    record(`6. CSV export of ${PEOPLE.toLocaleString('en-US')} rows`, `${csvSeconds.toFixed(2)} s, ${(bytes / 2 ** 20).toFixed(1)} MiB, server peak RSS ${rss.toFixed(0)} MB`, '< 1 s, RSS < 150 MB', csvSeconds < 1 && rss < 150);

    const t1 = performance.now();
    const zip = Buffer.from(await (await fetch(`${app.base}/reports/certificates.zip?q=person999`, { headers: { cookie: admin } })).arrayBuffer());
    const zipSeconds = (performance.now() - t1) / 1000;
    const entries = zip.readUInt16LE(zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) + 10);
    record(`7. certificate ZIP (${entries} certificates)`, `${zipSeconds.toFixed(2)} s = ${(entries / zipSeconds).toFixed(0)} certificates/s`, '≥ 80 certificates/s', entries / zipSeconds >= 80);
    app.child.kill('SIGTERM');

    const data: CertificateData = {
      orgName: 'Riverside General', learnerName: 'Nguyễn Thị Ánh', courseTitle: 'HIPAA & social media: privacy in every conversation', courseVersion: '2026.1',
      contentHash: 'a'.repeat(64), completedOn: '14 Dec 2026', validUntil: '14 Dec 2027', score: 92, attestation: 'Attested to the policy v1.0', source: 'quiz',
      code: 'PR-7KQ4-M2XD-9WTA-H3NB', verifyUrl: 'https://training.example/verify/PR-7KQ4-M2XD-9WTA-H3NB', issuedAt: new Date(),
    };
    const N = 100;
    for (let i = 0; i < 5; i += 1) { await renderToBuffer((o) => renderCertificate(data, o)); await renderToBuffer((o) => barePage(data, o)); }
    let tc = performance.now();
    for (let i = 0; i < N; i += 1) await renderToBuffer((o) => renderCertificate(data, o));
    const ours = (performance.now() - tc) / N;
    tc = performance.now();
    for (let i = 0; i < N; i += 1) await renderToBuffer((o) => barePage(data, o));
    const bare = (performance.now() - tc) / N;
    record('7. certificate PDF, single process', `${ours.toFixed(1)} ms each (${(1000 / ours).toFixed(0)}/s) = ${(ours / bare).toFixed(2)} × bare pdfkit page (${bare.toFixed(1)} ms)`, '≤ 1.2 × bare', ours / bare <= 1.2);

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
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const table = ['| measure | result | target | met |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.what} | ${r.value} | ${r.target} | ${r.met} |`)].join('\n');
  console.log(`\n${table}\n`);
  fs.mkdirSync(path.join(projectRoot, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(projectRoot, 'bench', 'results', `bench-${Date.now()}.json`), JSON.stringify({ ...json, rows }, null, 2));
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
