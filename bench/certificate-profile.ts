import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { renderCertificate, type CertificateData } from '../server/certificates/render';
import { inProcessRenderer, RenderPool, type CertificateRenderer } from '../server/certificates/render-pool';
import { writeCertificateZip } from '../server/reports/zip-export';
import { barePage } from './bare-page';

// node dist/bench/certificate-profile.js [ours|bare|bare-parsed|all] [N]: renders N certificates in this
// process, one at a time as bench/run.ts does, and prints ms per PDF. Run it under `node --cpu-prof` to
// see where the time goes without the rest of the benchmark (seeding, HTTP load) in the profile.
// node dist/bench/certificate-profile.js zip [N]: writeCertificateZip of N certificates (no database or
// HTTP), in-process and with the worker pool, cold (new threads) and warm.

/** Certificate i of a run: every one has its own name, code and URL, as in a real ZIP, so nothing per-certificate can be served from a cache. */
export function sampleCertificate(i: number): CertificateData {
  const names = ['Nguyễn Thị Ánh', "Zoë O'Brien-Łukasiewicz", 'Αλέξανδρος Παπαδόπουλος', 'Ольга Смирнова', 'José Ñúñez', 'Dee Done'];
  const code = `PR-${String(i).padStart(4, '0')}-M2XD-9WTA-H3NB`;
  return {
    orgName: 'Riverside General', learnerName: `${names[i % names.length]!} ${i}`, courseTitle: 'HIPAA & social media: privacy in every conversation', courseVersion: '2026.1',
    contentHash: 'a'.repeat(64), completedOn: '14 Dec 2026', validUntil: '14 Dec 2027', how: 'Quiz score 92%', attestation: 'Attested to the policy v1.0',
    code, verifyUrl: `https://training.example/verify/${code}`, issuedAt: new Date('2026-12-14T15:00:00Z'),
  };
}

export function renderToBuffer(draw: (out: PassThrough) => void): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => { out.on('end', () => resolve(Buffer.concat(chunks))); draw(out); });
}

async function time(label: string, draw: (d: CertificateData, out: PassThrough) => void, n: number): Promise<number> {
  // Enough warm-up for V8 to have optimised the hot paths (a fresh process's first renders are many times slower).
  for (let i = 0; i < 40; i += 1) await renderToBuffer((o) => draw(sampleCertificate(i), o));
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < n; i += 1) bytes += (await renderToBuffer((o) => draw(sampleCertificate(i), o))).length;
  const ms = (performance.now() - t0) / n;
  console.log(`${label}: ${ms.toFixed(2)} ms per PDF, ${Math.round(bytes / n)} bytes`);
  return ms;
}

async function* items(n: number, from: number): AsyncGenerator<{ name: string; data: CertificateData }> {
  for (let i = from; i < from + n; i += 1) yield { name: `${i}.pdf`, data: sampleCertificate(i) };
}

async function zip(label: string, renderer: CertificateRenderer, n: number, from: number): Promise<void> {
  let bytes = 0;
  const out = new Writable({ write(chunk: Buffer, _e, done) { bytes += chunk.length; done(); } });
  const t0 = performance.now();
  const written = await writeCertificateZip(items(n, from), out, renderer);
  const s = (performance.now() - t0) / 1000;
  console.log(`${label}: ${written} certificates in ${s.toFixed(2)} s = ${(written / s).toFixed(0)}/s, ${(bytes / 2 ** 20).toFixed(1)} MiB`);
}

async function zips(n: number): Promise<void> {
  const workerFile = path.join(__dirname, '../server/certificates/render-worker.js');
  const size = Math.min(2, os.availableParallelism());
  await zip('in-process, first', inProcessRenderer, n, 0);
  await zip('in-process, again', inProcessRenderer, n, n);
  // A pool per export pays the threads' start every time: that is the cold row.
  const pool = new RenderPool(workerFile, size);
  await zip(`pool of ${size}, new (threads start during the export)`, pool, n, 2 * n);
  console.log(`  rendered in threads ${pool.counts.inThreads}, in-process while they started ${pool.counts.inProcess}`);
  await pool.whenReady();
  await zip(`pool of ${size}, reused, threads ready`, pool, n, 3 * n);
  await zip(`pool of ${size}, reused again`, pool, n, 4 * n);
  console.log(`  rendered in threads ${pool.counts.inThreads}, in-process ${pool.counts.inProcess}`);
  await pool.close();
  const t0 = performance.now();
  const fresh = new RenderPool(workerFile, size);
  await fresh.whenReady();
  console.log(`threads start and warm up in ${(performance.now() - t0).toFixed(0)} ms`);
  await fresh.close();
}

async function main(): Promise<void> {
  const which = process.argv[2] ?? 'all';
  const n = Number(process.argv[3] ?? '100');
  if (which === 'zip') return zips(n);
  const ms: Record<string, number> = {};
  if (which === 'ours' || which === 'all') ms.ours = await time('ours', renderCertificate, n);
  if (which === 'bare' || which === 'all') ms.bare = await time('bare (font bytes)', (d, o) => barePage(d, o), n);
  if (which === 'bare-parsed' || which === 'all') ms.parsed = await time('bare (parsed fonts)', (d, o) => barePage(d, o, true), n);
  if (ms.ours && ms.bare) console.log(`ours / bare ${(ms.ours / ms.bare).toFixed(2)}`);
  if (ms.ours && ms.parsed) console.log(`ours / bare with parsed fonts ${(ms.ours / ms.parsed).toFixed(2)}`);
}

if (require.main === module) void main();
