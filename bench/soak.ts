import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { projectRoot } from '../server/paths';

// npm run soak: mixed learner and manager traffic against the production build on 127.0.0.1, bounded
// in time (SOAK_SECONDS, default 300, 50 connections). Passes with 0 errors and resident memory after
// warm-up growing less than 10%.

const SECONDS = Number(process.env.SOAK_SECONDS ?? '300');
const WARMUP = Math.min(60, Math.floor(SECONDS / 5));
const PASSWORD = 'soak lantern orchard 42';
const node = process.execPath;

const freePort = () => new Promise<number>((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); }); });
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function signIn(base: string, email: string): Promise<string> {
  const page = await fetch(`${base}/login`);
  const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const res = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ email, password: PASSWORD, _csrf: csrf }) });
  // The sign-in also sets a known-device cookie: the session is the pr.sid one.
  return res.headers.getSetCookie().find((c) => c.startsWith('pr.sid='))!.split(';')[0]!;
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-soak-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  execFileSync(node, ['dist/server/cli.js', 'demo:seed', '--people', '5000', '--password-stdin'], { cwd: projectRoot, env: { ...process.env, DATA_DIR: dataDir }, input: PASSWORD, stdio: ['pipe', 'ignore', 'inherit'] });
  const server = spawn(node, ['dist/server/main.js'], { cwd: projectRoot, env: { ...process.env, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOGIN_RATE_LIMIT: '100000' }, stdio: 'ignore' });
  try {
    for (let i = 0; i < 300 && !(await fetch(`${base}/healthz`).then((r) => r.ok, () => false)); i += 1) await new Promise((r) => setTimeout(r, 100));
    const learner = await signIn(base, 'person9@demo1.example');
    const manager = await signIn(base, 'manager.nursing@demo1.example');
    const requests = [
      { method: 'GET' as const, path: '/', headers: { cookie: learner } },
      { method: 'GET' as const, path: '/courses/hipaa-social-media', headers: { cookie: learner } },
      { method: 'GET' as const, path: '/transcript', headers: { cookie: learner } },
      { method: 'GET' as const, path: '/team', headers: { cookie: manager } },
      { method: 'GET' as const, path: '/reports?status=overdue', headers: { cookie: manager } },
      { method: 'GET' as const, path: '/verify/PR-0000-0000-0000-0000' },
    ];
    let warm = 0;
    const timer = setTimeout(() => { warm = rssMb(server.pid!); }, WARMUP * 1000);
    const r = await autocannon({ url: base, connections: 50, duration: SECONDS, requests });
    clearTimeout(timer);
    const end = rssMb(server.pid!);
    // The public verify page is rate limited (60 a minute): its 429s are the limiter working, not errors.
    const errors = r.errors + r.timeouts + r['5xx'];
    const growth = warm ? (end - warm) / warm : 0;
    const line = `Soak ${SECONDS} s, 50 connections: ${r.requests.total} requests (${r.requests.average.toFixed(0)}/s), ${errors} errors, `
      + `${r['4xx']} 4xx (rate-limited verify), RSS ${warm.toFixed(0)} MB after ${WARMUP} s warm-up → ${end.toFixed(0)} MB at the end (${(growth * 100).toFixed(1)}%)`;
    console.log(line);
    if (errors > 0 || growth >= 0.1) process.exitCode = 1;
  } finally {
    server.kill('SIGTERM');
    await new Promise((res) => server.once('exit', res));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
