import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../server/paths';
import { migrations } from '../../migrations';

// The production path a new hospital takes: compile, start on an empty data folder, get the setup
// link, answer /healthz, and shut down cleanly on SIGTERM.
describe('npm start (production build)', () => {
  let dir: string;
  beforeAll(() => {
    execFileSync(process.execPath, [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: projectRoot, stdio: 'pipe' });
  }, 120_000);
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-start-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  function startServer(env: Record<string, string>) {
    const child = spawn(process.execPath, ['dist/server/main.js'], {
      cwd: projectRoot, env: { PATH: process.env.PATH ?? '', DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const listening = new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
        const m = /"port":(\d+)/.exec(output);
        if (m) resolve(Number(m[1]));
      });
      child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
      child.on('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, listening, exited, output: () => output };
  }

  test('first start prints a setup link, serves /healthz, and exits 0 on SIGTERM', async () => {
    const s = startServer({});
    const port = await s.listening;
    expect(s.output()).toMatch(/No administrator exists yet[\s\S]*\/setup\/[A-Za-z0-9_-]{43}/);
    const token = /\/setup\/([A-Za-z0-9_-]{43})/.exec(s.output())![1]!;
    // The token itself never reaches the structured log lines.
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'sqlite', migration: Object.keys(migrations).sort().at(-1) });
    const setup = await fetch(`http://127.0.0.1:${port}/setup/${token}`);
    expect(setup.status).toBe(200);
    expect(setup.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(fs.existsSync(path.join(dir, 'privacy-rounds.sqlite'))).toBe(true);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.output()).toContain('"msg":"stopped"');
    const logLines = s.output().split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.some((l) => l.includes('/setup/[redacted]'))).toBe(true);
    expect(logLines.some((l) => l.includes(token))).toBe(false);
  }, 30_000);

  test('invalid configuration stops start-up with a message naming the variable', async () => {
    const s = startServer({ PORT: 'eighty' });
    await expect(s.listening).rejects.toThrow(/PORT/);
    expect(await s.exited).toBe(1);
  }, 30_000);
});
