import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pdfText } from '../helpers/pdf-text';
import { projectRoot } from '../../server/paths';
import type { CertificateData } from '../../server/certificates/render';
import { sink, storedZipEntries } from '../helpers/zip';

type ZipModule = typeof import('../../server/reports/zip-export');
type PoolModule = typeof import('../../server/certificates/render-pool');
type RenderModule = typeof import('../../server/certificates/render');

// The worker threads run compiled JavaScript only (under ts-jest the ZIP renders in-process), so this
// compiles the ZIP export, the pool and the worker with tsconfig.build.json's settings, as `npm run build`
// does, into a folder of its own (not dist/, which start.test.ts may be rebuilding at the same moment),
// and drives the compiled modules: real threads, real PDFs.
let dir: string;
let zip: ZipModule;
let pool: PoolModule;
let render: RenderModule;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-workers-'));
  // Compiled files find their packages through this link, as dist/ finds the project's node_modules.
  fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    extends: path.join(projectRoot, 'tsconfig.build.json'),
    compilerOptions: { outDir: path.join(dir, 'out'), rootDir: projectRoot, sourceMap: false },
    include: [],
    files: [path.join(projectRoot, 'server/reports/zip-export.ts'), path.join(projectRoot, 'server/certificates/render-worker.ts')],
  }));
  execFileSync(process.execPath, [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', path.join(dir, 'tsconfig.json')], { cwd: projectRoot, stdio: 'pipe' });
  // Loaded through jest's module registry like any other module, but these are plain compiled .js files.
  zip = jest.requireActual<ZipModule>(path.join(dir, 'out/server/reports/zip-export.js'));
  pool = jest.requireActual<PoolModule>(path.join(dir, 'out/server/certificates/render-pool.js'));
  render = jest.requireActual<RenderModule>(path.join(dir, 'out/server/certificates/render.js'));
}, 120_000);

afterAll(async () => {
  const shared = pool?.certificateRenderer();
  if (shared instanceof pool.RenderPool) await shared.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const NAMES = ['Nguyễn Thị Ánh', 'Αλέξανδρος Παπαδόπουλος', 'Ольга Смирнова', "Zoë O'Brien-Łukasiewicz", 'José Ñúñez', 'Dee Done'];

function cert(i: number, extra: Partial<CertificateData> = {}): CertificateData {
  const code = `PR-${String(i).padStart(4, '0')}-WRKR-TEST-0000`;
  return {
    orgName: 'Riverside General', learnerName: `${NAMES[i % NAMES.length]!} ${i}`, courseTitle: 'HIPAA & social media', courseVersion: '2026.1', contentHash: null,
    completedOn: '2 Nov 2026', validUntil: '2 Nov 2027', how: `Quiz score ${80 + (i % 20)}%`, attestation: null, code,
    verifyUrl: `http://127.0.0.1:3000/verify/${code}`, issuedAt: new Date(Date.UTC(2026, 10, 2, 14, i % 60)), ...extra,
  };
}

async function* items(n: number, make: (i: number) => CertificateData = cert) {
  for (let i = 0; i < n; i += 1) yield { name: `${String(i).padStart(3, '0')}-${make(i).code}.pdf`, data: make(i) };
}

describe('certificate ZIP on worker threads (compiled build)', () => {
  test('the compiled export renders on a pool of min(2, cores) threads; entries in order, each PDF parses back and matches an in-process render', async () => {
    const renderer = pool.certificateRenderer();
    if (!(renderer instanceof pool.RenderPool)) throw new Error('the compiled build should render on threads');
    expect(renderer.parallelism).toBe(Math.min(2, os.availableParallelism()));
    await renderer.whenReady();
    const { out, bytes } = sink();
    expect(await zip.writeCertificateZip(items(14), out)).toBe(14);
    expect(renderer.size).toBe(renderer.parallelism);
    expect(renderer.counts).toEqual({ inThreads: 14, inProcess: 0 });
    const entries = storedZipEntries(bytes());
    expect(entries.map((e) => e.name)).toEqual(Array.from({ length: 14 }, (_, i) => `${String(i).padStart(3, '0')}-${cert(i).code}.pdf`));
    for (const [i, e] of entries.entries()) {
      const text = (await pdfText(e.data)).text.replace(/\s+/g, ' ');
      expect(text).toContain(cert(i).learnerName);
      expect(text).toContain(`Certificate code: ${cert(i).code}`);
      // Threads parse their own fonts; the bytes are the same as rendering here.
      expect(e.data.equals(await render.renderCertificatePdf(cert(i)))).toBe(true);
    }
  }, 60_000);

  test('a small export on a cold pool stays in-process; a bigger one starts the threads and carries on in-process until they are ready, in order', async () => {
    const cold = new pool.RenderPool(path.join(dir, 'out/server/certificates/render-worker.js'), 2);
    try {
      expect(await zip.writeCertificateZip(items(zip.THREADS_AFTER - 1), sink().out, cold)).toBe(zip.THREADS_AFTER - 1);
      expect(cold.size).toBe(0);
      expect(cold.counts).toEqual({ inThreads: 0, inProcess: zip.THREADS_AFTER - 1 });
      const n = zip.THREADS_AFTER + 30;
      const { out, bytes } = sink();
      expect(await zip.writeCertificateZip(items(n), out, cold)).toBe(n);
      expect(cold.size).toBe(2);
      expect(cold.counts.inProcess).toBeGreaterThanOrEqual(2 * zip.THREADS_AFTER - 1);
      expect(cold.counts.inProcess + cold.counts.inThreads).toBe(zip.THREADS_AFTER - 1 + n);
      const entries = storedZipEntries(bytes());
      expect(entries.map((e) => e.name)).toEqual(Array.from({ length: n }, (_, i) => `${String(i).padStart(3, '0')}-${cert(i).code}.pdf`));
      for (const i of [0, zip.THREADS_AFTER, n - 1]) expect(entries[i]!.data.equals(await render.renderCertificatePdf(cert(i)))).toBe(true);
      // Warm now: the next export goes to the threads from its first certificate.
      await cold.whenReady();
      const before = cold.counts.inThreads;
      expect(await zip.writeCertificateZip(items(5), sink().out, cold)).toBe(5);
      expect(cold.counts.inThreads - before).toBe(5);
    } finally {
      await cold.close();
    }
  }, 60_000);

  test('a render failing in a worker fails the export promptly without ending the output, and the pool carries on', async () => {
    const renderer = pool.certificateRenderer();
    if (!(renderer instanceof pool.RenderPool)) throw new Error('the compiled build should render on threads');
    await renderer.whenReady(); // so the failing certificate is rendered by a thread, not in-process
    const inThreads = renderer.counts.inThreads;
    const bad = (i: number) => cert(i, i === 9 ? { verifyUrl: `https://x.example/${'z'.repeat(5000)}` } : {});
    const { out, finished } = sink();
    const t0 = Date.now();
    await expect(zip.writeCertificateZip(items(200, bad), out)).rejects.toThrow(/Could not render a certificate: .*too big/i);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(finished()).toBe(false);
    expect(renderer.counts.inThreads - inThreads).toBeGreaterThanOrEqual(10);
    const again = sink();
    expect(await zip.writeCertificateZip(items(3), again.out)).toBe(3);
    expect(storedZipEntries(again.bytes())).toHaveLength(3);
  }, 60_000);

  test.each([
    ['exits', 'process.exit(3)', /exit code 3/],
    ['throws', 'throw new Error("worker blew up")', /worker blew up/],
  ])('a worker that %s fails the renders it held instead of leaving them waiting; the next render gets a new worker', async (what, act, message) => {
    const file = path.join(dir, `broken-${what}.js`);
    fs.writeFileSync(file, `const { parentPort } = require('node:worker_threads');\nparentPort.postMessage({ ready: true });\nparentPort.on('message', () => { ${act}; });\n`);
    const broken = new pool.RenderPool(file, 2);
    try {
      await broken.whenReady();
      const held = await Promise.allSettled([broken.render(cert(1)), broken.render(cert(2)), broken.render(cert(3))]);
      for (const r of held) expect(r.status === 'rejected' && String(r.reason)).toMatch(message);
      // The replacements start afresh: until they are ready, renders are done in-process (and succeed).
      expect((await broken.render(cert(4))).subarray(0, 5).toString()).toBe('%PDF-');
      await broken.whenReady();
      await expect(broken.render(cert(5))).rejects.toThrow(message);
      expect(broken.size).toBeLessThanOrEqual(2);
    } finally {
      await broken.close();
    }
  }, 30_000);

  test('a thread that cannot start (three times) leaves the pool rendering in-process instead of respawning forever', async () => {
    const file = path.join(dir, 'broken-start.js');
    fs.writeFileSync(file, 'throw new Error("cannot load");\n');
    const broken = new pool.RenderPool(file, 2);
    try {
      for (let i = 0; i < 4; i += 1) {
        expect((await broken.render(cert(i))).subarray(0, 5).toString()).toBe('%PDF-');
        await broken.whenReady();
      }
      expect(broken.size).toBe(0);
      expect(broken.counts).toEqual({ inThreads: 0, inProcess: 4 });
    } finally {
      await broken.close();
    }
  }, 30_000);

  test('the pool does not keep the process alive: a script whose export ran on the threads exits on its own', async () => {
    const script = `
      const { Writable } = require('node:stream');
      const { writeCertificateZip } = require(${JSON.stringify(path.join(dir, 'out/server/reports/zip-export.js'))});
      const { certificateRenderer } = require(${JSON.stringify(path.join(dir, 'out/server/certificates/render-pool.js'))});
      async function* items() {
        for (let i = 0; i < 4; i += 1) yield { name: i + '.pdf', data: { orgName: 'Riverside General', learnerName: 'Dee Done', courseTitle: 'HIPAA', courseVersion: '1',
          contentHash: null, completedOn: '2 Nov 2026', validUntil: '2 Nov 2027', how: 'Quiz score 90%', attestation: null, code: 'PR-' + i,
          verifyUrl: 'http://127.0.0.1:3000/verify/PR-' + i, issuedAt: new Date(0) } };
      }
      const pool = certificateRenderer();
      pool.whenReady()
        .then(() => writeCertificateZip(items(), new Writable({ write(c, e, done) { done(); } })))
        .then((n) => console.log('wrote ' + n + ', ' + pool.counts.inThreads + ' in threads'));
    `;
    const child = spawn(process.execPath, ['-e', script], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    const t0 = Date.now();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(output).toContain('wrote 4, 4 in threads');
    expect(code).toBe(0);
    // Idle threads are unref'd: the process ends when the work does, not when the 30 s idle timer fires.
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 30_000);
});
