import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeOnce } from '../../server/files';

// Two instances (or a server and the CLI) started at the same moment on a fresh data folder without
// SESSION_SECRET or AUDIT_KEY each make the secret that is kept there. Both must end up with the same
// one: a process that read the other's file half written, or overwrote it, would seal audit events
// with a key nobody keeps, or sign sessions the other instance refuses.

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-secrets-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('writeOnce', () => {
  test('a new file gets the content, mode 0600, and no temporary file stays', () => {
    const file = path.join(dir, 'secret');
    expect(writeOnce(file, 'first\n')).toBe('first\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('first\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['secret']);
  });

  test('an existing file is kept and its content returned', () => {
    const file = path.join(dir, 'secret');
    writeOnce(file, 'first\n');
    expect(writeOnce(file, 'second\n')).toBe('first\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('first\n');
    expect(fs.readdirSync(dir)).toEqual(['secret']);
  });
});

/** One process loading the configuration on `dataDir`; answers its session secret and audit key (hex). */
function loadIn(dataDir: string): Promise<string> {
  const script = `require(${JSON.stringify(path.join(__dirname, '../helpers/load-ts.cjs'))});
    const { loadConfig } = require(${JSON.stringify(path.join(__dirname, '../../server/config.ts'))});
    const c = loadConfig({ DATA_DIR: ${JSON.stringify(dataDir)}, NODE_ENV: 'production', BASE_URL: 'https://training.riverside.example' });
    process.stdout.write(c.sessionSecret + ' ' + c.auditKeys.current.secret.toString('hex'));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

test('six processes starting at once on a fresh data folder all keep the same session secret and audit key', async () => {
  for (let round = 0; round < 3; round += 1) {
    const dataDir = path.join(dir, `data-${round}`);
    const answers = await Promise.all(Array.from({ length: 6 }, () => loadIn(dataDir)));
    expect(new Set(answers).size).toBe(1);
    const [secret, key] = answers[0]!.split(' ');
    expect(fs.readFileSync(path.join(dataDir, 'session-secret'), 'utf8').trim()).toBe(secret);
    expect(secret!.length).toBeGreaterThanOrEqual(32);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }
}, 60_000);
