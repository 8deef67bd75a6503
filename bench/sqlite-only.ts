import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { renderCertificate } from '../server/certificates/render';
import { openDatabase } from '../server/db/database';
import { projectRoot } from '../server/paths';
import { freePort, load, node, SECONDS, startApp, waitFor } from './app-process';
import { barePage } from './bare-page';
import { renderToBuffer, sampleCertificate } from './certificate-profile';
import type { EngineRun, Rec } from './engine-scenarios';
import { quizLoop } from './learner-flows';

// The measures npm run bench makes on SQLite only: the reference stack (the denominator of the page
// targets, on the SQLite file), the disk's durable commit rate and the quiz at DB_SYNCHRONOUS=normal
// (SQLite settings), and the certificate exports and PDFs (rendering, not the database).

/** 1. Bare Express + EJS + the session store + one SELECT on the seeded SQLite file: req/s under the same load. */
export async function measureReference(run: EngineRun, rec: Rec): Promise<number> {
  const sceneBytes = (await (await fetch(run.app.base + run.scenePath, { headers: { cookie: run.learner } })).text()).length;
  const refPort = await freePort();
  const ref = spawn(node, ['dist/bench/reference.js'], { cwd: projectRoot, env: { ...process.env, PORT: String(refPort), DATABASE_PATH: path.join(run.dataDir, 'privacy-rounds.sqlite'), PAGE_BYTES: String(sceneBytes) }, stdio: 'ignore' });
  try {
    const refBase = `http://127.0.0.1:${refPort}`;
    await waitFor(`${refBase}/page`, ref);
    const refCookie = (await fetch(`${refBase}/sign-in/10`)).headers.get('set-cookie')!.split(';')[0]!;
    const reference = await load(`${refBase}/page`, refCookie);
    rec('1. reference stack (Express + EJS + session + 1 SELECT on SQLite), req/s', `${reference.rps.toFixed(0)} (p50 ${reference.p50} ms, p99 ${reference.p99} ms)`, 'denominator', null);
    return reference.rps;
  } finally {
    ref.kill('SIGTERM');
  }
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

/**
 * What bounds the quiz rate: each submit is a commit, and with synchronous=FULL every commit waits for
 * the disk's fsync. Measured on a scratch file, and then the same loop against a second server with
 * DB_SYNCHRONOUS=normal (no fsync per commit) to show what the CPU alone allows.
 */
export async function measureQuizBounds(run: EngineRun, reference: number, rec: Rec): Promise<void> {
  const fsyncs = durableCommitsPerSecond(path.join(run.dataDir, 'fsync-probe.sqlite'));
  rec('4. … this disk: durable SQLite commits/s (WAL, synchronous=FULL, one row each)', `${fsyncs.toFixed(0)} (${(1000 / fsyncs).toFixed(1)} ms per commit)`, '', null);
  const relaxed = await startApp(run.dataDir, { DB_SYNCHRONOUS: 'normal' });
  const quiz = await quizLoop(run.learners.map((cookie) => ({ base: relaxed.base, cookie })), SECONDS);
  relaxed.child.kill('SIGTERM');
  rec('4. … the same with DB_SYNCHRONOUS=normal (survives a crash, not a power cut)', `${quiz.perSecond.toFixed(0)} = ${(quiz.perSecond / reference).toFixed(2)} × reference req/s (p50 ${quiz.p50.toFixed(0)} ms per submit, ${quiz.errors} errors)`, '', null);
}

/**
 * 7. The same small certificate ZIP as earlier runs (69 certificates at 100,000 people), first in this
 * server process (a cold start: everything from font parsing to V8's warm-up) and again; then a bulk
 * export of about 700, big enough that the render threads (server/certificates/render-pool.ts) carry most of it.
 */
export async function measureCertificateZips(run: EngineRun, rec: Rec): Promise<void> {
  const certificateZip = async (q: string) => {
    const t1 = performance.now();
    const zip = Buffer.from(await (await fetch(`${run.app.base}/reports/certificates.zip?q=${q}`, { headers: { cookie: run.admin } })).arrayBuffer());
    const zipSeconds = (performance.now() - t1) / 1000;
    const entries = zip.readUInt16LE(zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) + 10);
    return { entries, value: `${zipSeconds.toFixed(2)} s = ${(entries / zipSeconds).toFixed(0)} certificates/s`, met: entries / zipSeconds >= 80 };
  };
  const zip1 = await certificateZip('person999');
  rec(`7. certificate ZIP (${zip1.entries} certificates), first export`, zip1.value, '≥ 80 certificates/s', zip1.met);
  const zip2 = await certificateZip('person999');
  rec(`7. certificate ZIP (${zip2.entries} certificates), again`, zip2.value, '≥ 80 certificates/s', zip2.met);
  // person9…9 matches 1 + 10 + 100 + 1,000 seeded people (about 60% with a certificate) at any BENCH_PEOPLE ≥ 10,000.
  const bulk = await certificateZip(`person${'9'.repeat(Math.max(1, Math.floor(Math.log10(run.people)) - 3))}`);
  rec(`7. certificate ZIP (${bulk.entries} certificates), bulk`, bulk.value, '≥ 80 certificates/s', bulk.met);
}

/**
 * 7. Ours against the same content on a bare pdfkit page (bench/bare-page.ts), 100 each after warm-up,
 * alternating in blocks of 10 so both see the same machine. Every certificate has its own name, code
 * and URL (sampleCertificate), as in a ZIP, so nothing per-certificate can come from a cache.
 */
export async function measureCertificatePdf(rec: Rec): Promise<void> {
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
  rec('7. certificate PDF, single process', `${ms.ours.toFixed(1)} ms each (${(1000 / ms.ours).toFixed(0)}/s) = ${(ms.ours / ms.bare).toFixed(2)} × bare pdfkit page (${ms.bare.toFixed(1)} ms)`, '≤ 1.2 × bare', ms.ours / ms.bare <= 1.2);
  rec('7. … against a bare page given the same once-parsed fonts', `${(ms.ours / ms.bareParsed).toFixed(2)} × (${ms.bareParsed.toFixed(1)} ms): the cost of tagging`, '', null);
}
