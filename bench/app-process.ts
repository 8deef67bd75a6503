import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { projectRoot } from '../server/paths';
import { signInOverHttp } from './sign-in';

// The production build as npm run bench runs it: demo:seed through the CLI and the server as child
// processes, on the SQLite file in a data folder or on PostgreSQL (DATABASE_URL in `env`), loaded
// over loopback with autocannon. Every server started is remembered, so an error stops them all.

export const PASSWORD = 'bench lantern orchard 42';
export const CONNECTIONS = 50;
export const SECONDS = Number(process.env.BENCH_SECONDS ?? '10');
// Quiz learners: each has one open attempt at a time, so the submission rate needs many of them.
export const SIGN_IN_LEARNERS = Number(process.env.BENCH_QUIZ_LEARNERS ?? '60');
export const node = process.execPath;

/** Extra environment for one engine: none for SQLite (the file in DATA_DIR), DATABASE_URL for PostgreSQL. */
export type EngineEnv = Record<string, string>;

export interface App { base: string; child: ChildProcess; coldStartMs: number }

const running = new Set<ChildProcess>();
const folders = new Set<string>();

/** A new data folder under the system's temporary folder, removed by removeDataFolders (on an error too). */
export function dataFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-bench-'));
  folders.add(dir);
  return dir;
}

export function removeDataFolders(): void {
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
  folders.clear();
}

/** Stops every server still running (on an error, or at the end). */
export function stopAllApps(): void {
  for (const child of running) if (child.exitCode === null) child.kill('SIGTERM');
  running.clear();
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); }); });
}

/** demo:seed into the data folder's SQLite file, or the PostgreSQL database `env` names; seconds taken. */
export function seed(dataDir: string, people: number, env: EngineEnv = {}): number {
  const t0 = Date.now();
  execFileSync(node, ['dist/server/cli.js', 'demo:seed', '--people', String(people), '--password-stdin', '--sign-in-learners', String(SIGN_IN_LEARNERS)], { cwd: projectRoot, env: { ...process.env, DATA_DIR: dataDir, ...env }, input: PASSWORD, stdio: ['pipe', 'ignore', 'inherit'] });
  return (Date.now() - t0) / 1000;
}

export async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    try { if ((await fetch(url)).status < 500) return; } catch { /* starting */ }
    if (child.exitCode !== null) throw new Error(`${url}: process exited`);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${url} did not answer`);
}

export async function startApp(dataDir: string, extraEnv: Record<string, string> = {}): Promise<App> {
  const port = await freePort();
  const t0 = performance.now();
  // The quiz rounds measure grading throughput: the same learners submit round after round, faster than
  // lessons can be read and beyond a set of attempts, so the bench turns both evidence rules off.
  const rules = { QUIZ_MAX_ATTEMPTS: '0', LESSON_MIN_WPM: 'off' };
  const child = spawn(node, ['dist/server/main.js'], { cwd: projectRoot, env: { ...process.env, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOGIN_RATE_LIMIT: '100000', ...rules, ...extraEnv }, stdio: 'ignore' });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/healthz`, child);
  return { base, child, coldStartMs: performance.now() - t0 };
}

export const signIn = (base: string, email: string): Promise<string> => signInOverHttp(base, email, PASSWORD);

export interface Load { rps: number; p50: number; p99: number; errors: number }

export async function load(url: string, cookie: string, connections = CONNECTIONS, seconds = SECONDS): Promise<Load> {
  const r = await autocannon({ url, connections, duration: seconds, headers: { cookie } });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}
