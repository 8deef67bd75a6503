import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../server/paths';

// Issue 14: `.env` in the folder the server or CLI starts from is read at start (Node's own
// process.loadEnvFile); a variable in the real environment wins over it. Start-up warns when BASE_URL
// is a localhost address while NODE_ENV=production, and when it was not set at all. The real compiled
// server and CLI run here, in a temp folder, as an operator would start them.

const MAIN = path.join(projectRoot, 'dist/server/main.js');
const CLI = path.join(projectRoot, 'dist/server/cli.js');
let dir: string;
/** Every server started; one still running after its test (a failed assertion) is killed, or jest would wait on it. */
const started: ReturnType<typeof spawn>[] = [];

beforeAll(() => {
  execFileSync(process.execPath, [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: projectRoot, stdio: 'pipe' });
}, 120_000);
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-env-')); });
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeEnv(lines: string[]): void {
  fs.writeFileSync(path.join(dir, '.env'), `# written by env-file.test.ts\n${lines.join('\n')}\n`);
}

/** Starts the compiled server with `dir` as its working folder and only PATH (and `env`) in its real environment. */
function startServer(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      // The comma after the number: a chunk may end in the middle of it.
      const m = /"port":(\d+),/.exec(output);
      if (m) resolve(Number(m[1]));
    });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, listening, exited, output: () => output };
}

/** The structured log's warnings (pino level 40), by message; only whole lines (the last may still be arriving). */
const warnings = (output: string) => output.split('\n').slice(0, -1).filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40).map((l) => l.msg);

describe('.env and the BASE_URL warnings', () => {
  test('.env values take effect, the real environment wins over them, and a production start with a localhost BASE_URL logs a warning', async () => {
    const data = path.join(dir, 'data-from-env');
    const ignored = path.join(dir, 'data-from-dotenv');
    writeEnv([
      'NODE_ENV=production', 'PORT=0', 'HOST=127.0.0.1', 'LOG_LEVEL=info', `DATA_DIR=${ignored}`,
      'ORG_NAME="Dotenv County Hospital"', 'BASE_URL=http://localhost:8080', 'SESSION_SECRET=dotenv-secret-that-is-long-enough-for-the-check',
    ]);
    const s = startServer({ DATA_DIR: data });
    const port = await s.listening;
    const login = await fetch(`http://127.0.0.1:${port}/login`);
    expect(await login.text()).toContain('<span class="org">· Dotenv County Hospital</span>');
    // BASE_URL from .env is the address the setup link is printed with.
    expect(s.output()).toMatch(/http:\/\/localhost:8080\/setup\/[A-Za-z0-9_-]{43}/);
    expect(fs.existsSync(path.join(data, 'privacy-rounds.sqlite'))).toBe(true);
    expect(fs.existsSync(ignored)).toBe(false);
    expect(warnings(s.output())).toEqual([expect.stringContaining('The public address is http://localhost:8080, a localhost address, while NODE_ENV=production')]);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }, 30_000);

  test('a start without BASE_URL warns that it is not set; a public address does not warn', async () => {
    writeEnv(['PORT=0', 'HOST=127.0.0.1', 'LOG_LEVEL=info', `DATA_DIR=${path.join(dir, 'data')}`]);
    const unset = startServer();
    // Answering a request: start-up is over and the SIGTERM handler is installed.
    expect((await fetch(`http://127.0.0.1:${await unset.listening}/healthz`)).status).toBe(200);
    expect(warnings(unset.output())).toEqual([expect.stringContaining('BASE_URL is not set, so certificate QR codes and password links use http://localhost:0')]);
    unset.child.kill('SIGTERM');
    expect(await unset.exited).toBe(0);

    const set = startServer({ BASE_URL: 'http://training.riverside.example', NODE_ENV: 'production' });
    expect((await fetch(`http://127.0.0.1:${await set.listening}/healthz`)).status).toBe(200);
    expect(warnings(set.output())).toEqual([]);
    set.child.kill('SIGTERM');
    expect(await set.exited).toBe(0);
  }, 30_000);

  test('the CLI reads .env too: db:migrate creates the database where .env says', () => {
    const data = path.join(dir, 'cli-data');
    writeEnv([`DATA_DIR=${data}`, 'SESSION_SECRET=dotenv-secret-that-is-long-enough-for-the-check']);
    const out = execFileSync(process.execPath, [CLI, 'db:migrate'], { cwd: dir, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    expect(out).toContain('0012_settings');
    expect(fs.existsSync(path.join(data, 'privacy-rounds.sqlite'))).toBe(true);
  }, 30_000);
});
