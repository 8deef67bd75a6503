import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCli } from '../../server/cli';
import { loadConfig } from '../../server/config';
import { start } from '../../server/main';

// Probe finding (issue 12), Medium: world-readable data. The database, its -wal/-shm files and backups
// were created -rw-r--r-- in a 0755 folder, so any local account read e-mails and password hashes.
// Each test runs the real entry points (the server's start(), the operator CLI) under a chosen umask:
// jest runs test files in child processes, where process.umask can be set and is restored afterwards.

const mode = (file: string) => (fs.statSync(file).mode & 0o777).toString(8);
const saved = { ...process.env };
let root: string;
let savedUmask: number;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-probe-perm-'));
  savedUmask = process.umask();
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  process.umask(savedUmask);
  jest.restoreAllMocks();
  process.env = { ...saved };
  fs.chmodSync(root, 0o700);
  fs.rmSync(root, { recursive: true, force: true });
});

const cli = (dataDir: string, ...args: string[]) => {
  Object.assign(process.env, { DATA_DIR: dataDir, SESSION_SECRET: 'probe-secret-long-enough-to-pass-the-check', BASE_URL: 'https://training.riverside.example' });
  return buildCli().parseAsync(['node', 'cli', ...args]);
};

/** Modes of everything the running server keeps: DATA_DIR, the session secret, the database, -wal and -shm. */
async function modesWhileRunning(dataDir: string): Promise<Record<string, string>> {
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', BASE_URL: 'http://127.0.0.1:3000' });
  const { stop } = await start(config);
  try {
    const db = config.databasePath;
    // start() wrote (migrations, a setup link), so SQLite has made both of its side files.
    return {
      dataDir: mode(dataDir), secret: mode(path.join(dataDir, 'session-secret')),
      db: mode(db), wal: mode(`${db}-wal`), shm: mode(`${db}-shm`),
    };
  } finally {
    await stop();
  }
}

const OWNER_ONLY = { dataDir: '700', secret: '600', db: '600', wal: '600', shm: '600' };

describe('Medium: world-readable data', () => {
  test.each([['022', 0o022], ['000', 0o000]])('Medium: DATA_DIR is 0700 and the database, -wal, -shm, session secret and backups 0600 under umask %s', async (_name, umask) => {
    process.umask(umask);
    const dataDir = path.join(root, 'new', 'data');
    expect(await modesWhileRunning(dataDir)).toEqual(OWNER_ONLY);

    const backup = path.join(root, 'backups', 'nightly', 'b.sqlite');
    await cli(dataDir, 'backup', backup);
    expect({ folder: mode(path.dirname(backup)), file: mode(backup) }).toEqual({ folder: '700', file: '600' });
    // A backup into an existing folder is 0600 as well.
    await cli(dataDir, 'backup', path.join(path.dirname(backup), 'c.sqlite'));
    expect(mode(path.join(path.dirname(backup), 'c.sqlite'))).toBe('600');
  });

  test('Medium: an existing DATA_DIR and files left readable by an older version are tightened', async () => {
    process.umask(0o022);
    const dataDir = path.join(root, 'data');
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    fs.writeFileSync(path.join(dataDir, 'session-secret'), `${crypto.randomBytes(48).toString('base64url')}\n`, { mode: 0o644 });
    await cli(dataDir, 'db:migrate');
    const db = path.join(dataDir, 'privacy-rounds.sqlite');
    fs.chmodSync(db, 0o644);
    for (const side of ['-wal', '-shm']) fs.writeFileSync(`${db}${side}`, '', { mode: 0o644 });
    fs.chmodSync(dataDir, 0o755);
    expect(await modesWhileRunning(dataDir)).toEqual(OWNER_ONLY);
  });

  test('Medium: restore refuses a backup whose folder or file other users can write, and changes nothing', async () => {
    process.umask(0o022);
    const dataDir = path.join(root, 'data');
    await cli(dataDir, 'admin:create', '--email', 'ops@riverside.example', '--name', 'Olu Bankole');
    const folder = path.join(root, 'drop');
    const backup = path.join(folder, 'b.sqlite');
    await cli(dataDir, 'backup', backup);
    // A change after the backup, which a restore would undo.
    await cli(dataDir, 'admin:create', '--email', 'second@riverside.example', '--name', 'Sam Second');
    const db = path.join(dataDir, 'privacy-rounds.sqlite');
    const fingerprint = () => fs.readdirSync(dataDir).sort().map((f) => `${f}:${crypto.createHash('sha256').update(fs.readFileSync(path.join(dataDir, f))).digest('hex')}`);
    const before = fingerprint();

    fs.chmodSync(folder, 0o777);
    await expect(cli(dataDir, 'restore', backup)).rejects.toThrow(/folder .*drop can be written by other users \(mode 0777\).*Nothing was changed/);
    expect(fingerprint()).toEqual(before);

    fs.chmodSync(folder, 0o700);
    fs.chmodSync(backup, 0o666);
    await expect(cli(dataDir, 'restore', backup)).rejects.toThrow(/file .*b\.sqlite can be written by other users \(mode 0666\).*Nothing was changed/);
    expect(fingerprint()).toEqual(before);

    // Owner-only, the same backup restores (so the refusals above were about the modes), and the
    // restored database is owner-only too.
    fs.chmodSync(backup, 0o600);
    await cli(dataDir, 'restore', backup);
    expect(fingerprint()).not.toEqual(before);
    expect(mode(db)).toBe('600');
  });
});
