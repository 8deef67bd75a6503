import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { projectRoot } from '../../server/paths';
import { tail } from './report';
import { node, type RunResult } from './settings';

/** Scanners and servers still running, for cleanup on a signal or an error. */
export const running = new Set<ChildProcess>();

export function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const a = s.address(); s.close(() => resolve(typeof a === 'object' && a ? a.port : 0)); }); });
}

/** Kills a child and everything it started (the scanners are Python with worker threads and helpers). */
export function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try { process.kill(-child.pid, signal); } catch { try { child.kill(signal); } catch { /* already gone */ } }
}

/** Runs a scanner in its own process group with a hard time limit; output goes to logFile. */
export function run(cmd: string, args: string[], limitSeconds: number, logFile: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  const started = performance.now();
  const out = fs.openSync(logFile, 'w');
  const child = spawn(cmd, args, { env, stdio: ['ignore', out, out], detached: true });
  running.add(child);
  let timedOut = false;
  let hard: NodeJS.Timeout | undefined;
  const soft = setTimeout(() => {
    timedOut = true;
    killTree(child, 'SIGTERM');
    hard = setTimeout(() => killTree(child, 'SIGKILL'), 5000);
  }, limitSeconds * 1000);
  return new Promise((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(soft);
      if (hard) clearTimeout(hard);
      running.delete(child);
      fs.closeSync(out);
      resolve({ code, signal, timedOut, seconds: (performance.now() - started) / 1000, output: fs.readFileSync(logFile, 'utf8') });
    };
    child.once('error', () => finish(127, null));
    child.once('exit', finish);
  });
}


export async function startServer(dataDir: string, logFile: string, env: Record<string, string>) {
  const port = await freePort();
  const out = fs.openSync(logFile, 'a');
  const child = spawn(node, ['dist/server/main.js'], {
    cwd: projectRoot, stdio: ['ignore', out, out], detached: true,
    env: { ...process.env, NODE_ENV: 'production', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
  });
  fs.closeSync(out);
  running.add(child);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i += 1) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* still starting */ }
    if (child.exitCode !== null || i >= 300) throw new Error(`the server did not start:\n${tail(fs.readFileSync(logFile, 'utf8'))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, base };
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((res) => child.once('exit', res));
  killTree(child, 'SIGTERM');
  await Promise.race([exited, new Promise((res) => setTimeout(res, 5000))]);
  killTree(child, 'SIGKILL');
  running.delete(child);
}

