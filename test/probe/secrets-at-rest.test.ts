import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import session from 'express-session';
import { Migrator, type Migration } from 'kysely';
import pino from 'pino';
import { migrations } from '../../migrations';
import { ensureFirstAdmin } from '../../server/users/first-admin';
import { findLiveToken, issueToken } from '../../server/auth/tokens';
import { buildCli } from '../../server/cli';
import { backupTo } from '../../server/db/backup';
import { openDatabase } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';
import { createLogger } from '../../server/http/logging';
import { buildTestApp, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';

// Probe finding (issue 12), High: working set-password links were recoverable at rest — kept in plain
// text in session data, and after a 5,000-row import thousands of them were readable in the -wal file.
// After every flow that issues a link, the raw bytes of the database, its -wal and -shm, a fresh backup
// and the app's own info-level log are searched for every token it issued; none may be there, and
// each token must still work afterwards (so what was searched for were live links).

const TOKEN = /\/(?:password|setup)\/([A-Za-z0-9_-]{43})/g;
const B64URL = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') B64URL[c.charCodeAt(0)] = 1;

/**
 * Every token (43 URL-safe base64 characters) found anywhere in the bytes: each 43-character window of
 * each run of URL-safe characters is looked up, so a token is found however it is surrounded (inside a
 * /password/ link, JSON, a longer run), in one pass over the file rather than one pass per token.
 */
function tokensIn(bytes: Buffer, wanted: Set<string>): string[] {
  const found = new Set<string>();
  let start = 0;
  for (let i = 0; i <= bytes.length; i += 1) {
    if (i < bytes.length && B64URL[bytes[i]!]) continue;
    for (let j = start; j + 43 <= i; j += 1) {
      const candidate = bytes.toString('latin1', j, j + 43);
      if (wanted.has(candidate)) found.add(candidate);
    }
    start = i + 1;
  }
  return [...found];
}

let t: TestApp;
let logDir: string;
let logFile: string;
let admin: Agent;
let backups = 0;

beforeAll(async () => {
  logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-probe-log-'));
  logFile = path.join(logDir, 'app.log');
  // The app's own logger (same redaction), at info, writing every line to a file as it happens.
  t = await buildTestApp({ LOG_LEVEL: 'info' }, createLogger('info', pino.destination({ dest: logFile, sync: true })));
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(logDir, { recursive: true, force: true });
});

/** What lies on disk now: the database, its -wal and -shm, a backup made now, and the log. */
async function filesAtRest(): Promise<Map<string, Buffer>> {
  const backupFile = path.join(logDir, `backup-${(backups += 1)}.sqlite`);
  await backupTo(t.database, backupFile);
  const db = t.config.databasePath;
  const files = new Map<string, Buffer>();
  for (const f of [db, `${db}-wal`, `${db}-shm`, backupFile, logFile]) files.set(path.basename(f), fs.readFileSync(f));
  return files;
}

async function expectNoneAtRest(tokens: string[]): Promise<void> {
  expect(tokens.length).toBeGreaterThan(0);
  const wanted = new Set(tokens);
  const files = await filesAtRest();
  // The log really is written (so finding nothing in it means something).
  expect(files.get('app.log')!.toString('utf8')).toMatch(/"msg":"request"/);
  const leaks: string[] = [];
  for (const [name, bytes] of files) {
    const found = tokensIn(bytes, wanted);
    if (found.length) leaks.push(`${name}: ${found.length} working token(s), e.g. ${found[0]}`);
    // And the links as shown, for the few first tokens (the window search above already covers them).
    for (const token of tokens.slice(0, 3)) {
      if (bytes.includes(`/password/${token}`) || bytes.includes(`/setup/${token}`)) leaks.push(`${name}: a whole link`);
    }
  }
  expect(leaks).toEqual([]);
}

/** The page the admin is shown for a POST: its answer, or the page it redirects to. */
async function shownFor(agent: Agent, res: { status: number; text: string; headers: Record<string, string> }): Promise<string> {
  return res.status === 303 ? (await agent.get(res.headers.location!)).text : res.text;
}

const shownTokens = (html: string) => [...html.matchAll(TOKEN)].map((m) => m[1]!);

async function expectLive(purpose: 'setup' | 'set-password', tokens: string[]): Promise<void> {
  for (const token of tokens) expect(await findLiveToken(t.db, t.clock, purpose, token)).toBeDefined();
}

describe('High: working set-password links recoverable at rest', () => {
  test('High: no working setup link is readable at rest after the first-admin setup link is issued', async () => {
    const first = await ensureFirstAdmin(t.uow, t.clock, undefined, t.config.orgName);
    if (first.kind !== 'setup-link') throw new Error('a fresh app should issue a setup link');
    // Someone opens it (the request log sees the path).
    expect((await newAgent(t.app).get(`/setup/${first.token}`)).status).toBe(200);
    await expectNoneAtRest([first.token]);
    expect((await newAgent(t.app).get(`/setup/${first.token}`)).status).toBe(200);
  });

  test('High: no working set-password link is readable at rest after adding a person', async () => {
    await createPerson(t.db, t.clock, { email: 'root@riverside.example', role: 'admin', name: 'Priya Raman' });
    admin = newAgent(t.app);
    await signIn(admin, 'root@riverside.example', GOOD_PASSWORD);
    const page = await admin.get('/admin/users/new');
    const res = await admin.post('/admin/users').type('form').send({
      _csrf: csrfFrom(page.text), employee_id: 'N-1', email: 'nia@riverside.example', name: 'Nia New', role: 'admin', department: '', manager_email: '', hire_date: '',
    });
    const tokens = shownTokens(await shownFor(admin, res));
    expect(tokens).toHaveLength(1);
    expect((await newAgent(t.app).get(`/password/${tokens[0]}`)).status).toBe(200);
    await expectNoneAtRest(tokens);
    await expectLive('set-password', tokens);
  });

  test('High: no working set-password link is readable at rest after a link is reissued', async () => {
    const person = await createPerson(t.db, t.clock, { email: 'late@riverside.example', name: 'Lee Late', password: null });
    const page = await admin.get(`/admin/users/${person.id}`);
    const res = await admin.post(`/admin/users/${person.id}/password-link`).type('form').send({ _csrf: csrfFrom(page.text) });
    const tokens = shownTokens(await shownFor(admin, res));
    expect(tokens).toHaveLength(1);
    expect((await newAgent(t.app).get(`/password/${tokens[0]}`)).status).toBe(200);
    await expectNoneAtRest(tokens);
    await expectLive('set-password', tokens);
  });

  test('High: no working set-password link is readable at rest after a 5,000-row import', async () => {
    const header = 'employee_id,email,name,role,department,manager_email,hire_date';
    const rows = Array.from({ length: 5000 }, (_, i) => `B${i},bulk${i}@riverside.example,Bulk Person ${i},learner,Nursing/Ward ${i % 40},,2026-10-01`);
    const page = await admin.get('/admin/import');
    const res = await admin.post('/admin/import').field('_csrf', csrfFrom(page.text))
      .attach('file', Buffer.from([header, ...rows].join('\n'), 'utf8'), 'staff.csv');
    const tokens = shownTokens(await shownFor(admin, res));
    expect(new Set(tokens).size).toBe(5000);
    // The import's pages were checkpointed out of the WAL and the WAL emptied (it held megabytes).
    expect(fs.statSync(`${t.config.databasePath}-wal`).size).toBeLessThan(256 * 1024);
    await expectNoneAtRest(tokens);
    await expectLive('set-password', tokens);
  }, 180_000);

  test('High: an ended session leaves no trace of its data in the database file (secure_delete)', async () => {
    const marker = `probe-marker-${'x'.repeat(40)}`;
    const data = { cookie: new session.Cookie(), flash: { kind: 'info' as const, message: marker } };
    await new Promise<void>((resolve, reject) => t.sessions.set('probe-session', data, (e) => (e ? reject(e) : resolve())));
    await new Promise<void>((resolve, reject) => t.sessions.destroy('probe-session', (e) => (e ? reject(e) : resolve())));
    t.database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    expect(fs.readFileSync(t.config.databasePath).includes(marker)).toBe(false);
  });

  test('High: no working set-password link is left in session rows from before this version (migration)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-probe-old-'));
    const file = path.join(dir, 'old.sqlite');
    const clock = new TestClock();
    try {
      // A database as the previous version left it: every migration before this one, and an admin's
      // session still holding a link it had not shown yet.
      const names = Object.keys(migrations);
      const before = names.filter((n) => n < '0009');
      let database = openDatabase(file);
      const provider = { getMigrations: async (): Promise<Record<string, Migration>> => migrations };
      const to = await new Migrator({ db: database.db, provider }).migrateTo(before[before.length - 1]!);
      expect(to.error).toBeUndefined();
      const token = await issueToken(database.db, clock, 'set-password', null);
      const data = { cookie: { path: '/' }, passport: { user: 1 }, issuedLinks: [{ name: 'Old', email: 'old@riverside.example', url: `http://127.0.0.1:3000/password/${token}` }] };
      await database.db.insertInto('sessions').values({ sid: 'old-admin-session', data: JSON.stringify(data), user_id: null, expires_at: '2026-11-03T00:00:00.000Z' }).execute();
      await database.close();

      database = openDatabase(file);
      await migrateToLatest(database.db);
      const kept = await database.db.selectFrom('sessions').select('data').where('sid', '=', 'old-admin-session').executeTakeFirstOrThrow();
      expect(JSON.parse(kept.data)).toEqual({ cookie: { path: '/' }, passport: { user: 1 } });
      expect(await findLiveToken(database.db, clock, 'set-password', token)).toBeDefined();
      await database.close();
      for (const f of fs.readdirSync(dir)) expect([f, tokensIn(fs.readFileSync(path.join(dir, f)), new Set([token]))]).toEqual([f, []]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('High: working set-password links recoverable at rest (operator CLI)', () => {
  let dir: string;
  let out: string[];
  const saved = { ...process.env };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-probe-cli-'));
    Object.assign(process.env, { DATA_DIR: dir, SESSION_SECRET: 'cli-probe-secret-long-enough-to-pass-the-check', BASE_URL: 'https://training.riverside.example' });
    out = [];
    jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('High: no working set-password link is readable at rest after admin:create and users:import', async () => {
    const run = (...args: string[]) => buildCli().parseAsync(['node', 'cli', ...args]);
    await run('admin:create', '--email', 'ops@riverside.example', '--name', 'Olu Bankole');
    const csv = path.join(dir, 'staff.csv');
    fs.writeFileSync(csv, ['employee_id,email,name,role,department,manager_email,hire_date',
      ...Array.from({ length: 300 }, (_, i) => `C${i},cli${i}@riverside.example,Cli Person ${i},learner,Lab,,`)].join('\n'));
    await run('users:import', csv);
    const backupFile = path.join(dir, 'backups', 'after-import.sqlite');
    await run('backup', backupFile);
    const tokens = shownTokens(out.join('\n'));
    expect(tokens).toHaveLength(301);
    const wanted = new Set(tokens);
    const dbFile = path.join(dir, 'privacy-rounds.sqlite');
    const leaks = [dbFile, `${dbFile}-wal`, `${dbFile}-shm`, backupFile].filter((f) => fs.existsSync(f))
      .map((f) => [path.basename(f), tokensIn(fs.readFileSync(f), wanted).length]).filter(([, n]) => n !== 0);
    expect(leaks).toEqual([]);
    const database = openDatabase(dbFile);
    try {
      for (const token of tokens) expect(await findLiveToken(database.db, { now: () => new Date() }, 'set-password', token)).toBeDefined();
    } finally {
      await database.close();
    }
  }, 60_000);
});
