import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, sql } from 'kysely';
import { migrations } from '../../migrations';
import { useAuditKeys } from '../../server/audit/keyring';
import { buildCli } from '../../server/cli';
import { nextSteps } from '../../server/db-copy/cli';
import { openDatabase } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';
import { openPostgres } from '../../server/db/postgres';
import { postgresDigest, sqliteDigest, sqliteTables, type Digest } from '../../server/db/table-digest';
import type { User } from '../../server/db/schema';
import { enqueue, type NewMessage } from '../../server/notifications/outbox';
import { SORTS } from '../../server/reports/store';
import { recordInPerson } from '../../server/training/record';
import { buildTestApp, TEST_AUDIT_KEY, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';
import { completeCourse } from '../helpers/learner';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

// Issue 19: `db:copy --to postgres://…` moves a SQLite deployment onto PostgreSQL. A SQLite
// organisation is built through the app's own services and pages, copied with the CLI, and a second
// app on the PostgreSQL copy must answer every report page and CSV export exactly as the first does.

const SYS = { id: null, label: 'test' };
const SMTP_ENV = { MAIL_FROM: 'training@riverside.example' };
let peer: SmtpPeer;
let src: TestApp;
let dst: TestApp;
let target: TestDatabase;
let copyOut: string[];
const people: Record<string, User> = {};

/** Runs the operator CLI in this process with the source's configuration; what it printed and how it ended. */
async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ out: string[]; err: string[]; error?: Error }> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    DATA_DIR: src.dir, AUDIT_KEY: TEST_AUDIT_KEY, SESSION_SECRET: 'test-secret-that-is-long-enough-for-the-check',
    BASE_URL: 'http://127.0.0.1:3000', TIME_ZONE: 'America/Chicago', LOG_LEVEL: 'silent',
  });
  delete process.env.DATABASE_URL;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
  try {
    await buildCli().parseAsync(['node', 'cli', ...args]);
    return { out, err };
  } catch (e) {
    return { out, err, error: e as Error };
  } finally {
    log.mockRestore();
    error.mockRestore();
    process.env = saved;
  }
}

const msg = (key: string, to: string, over: Partial<NewMessage> = {}): NewMessage => ({
  key, userId: null, to, stage: 'due-soon', subject: `Subject ${key}`, text: 'Due soon.', html: '<p>Due soon.</p>', ...over,
});

async function as(app: TestApp, email: string): Promise<Agent> {
  const a = newAgent(app.app);
  await signIn(a, email, GOOD_PASSWORD);
  return a;
}

async function binary(agent: Agent, url: string): Promise<{ status: number; body: Buffer }> {
  const res = await agent.get(url).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  return { status: res.status, body: res.body as Buffer };
}

/** A response with what differs per response removed: CSRF tokens and CSP nonces. */
function stable(body: string): string {
  return body
    .replace(/(name="_csrf" value=")[^"]*"/g, '$1"')
    .replace(/(name="csrf-token" content=")[^"]*"/g, '$1"')
    .replace(/nonce="[^"]*"/g, 'nonce=""');
}

async function fetchAll(agent: Agent, urls: readonly string[]): Promise<Map<string, { status: number; type: string; body: string }>> {
  const out = new Map<string, { status: number; type: string; body: string }>();
  for (const url of urls) {
    const res = await agent.get(url);
    out.set(url, { status: res.status, type: String(res.headers['content-type']), body: stable(res.text) });
  }
  return out;
}

beforeAll(async () => {
  peer = await startSmtpPeer();
  src = await buildTestApp({ DATABASE_URL: '', SMTP_URL: peer.url, ...SMTP_ENV });
  expect(src.database.engine).toBe('sqlite');
  const [course, second] = src.catalogue.courses;
  const admin = await createPerson(src.db, src.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin', hireDate: '2020-01-01' });
  await createPerson(src.db, src.clock, { email: 'auditor@riverside.example', role: 'auditor', name: 'Aud Itor', hireDate: '2020-01-01' });
  await createPerson(src.db, src.clock, { email: 'nora@riverside.example', role: 'manager', name: 'Nora Manager', department: 'Nursing', hireDate: '2020-01-01' });
  await createPerson(src.db, src.clock, { email: 'phil@riverside.example', role: 'manager', name: 'Phil Manager', department: 'Pharmacy', hireDate: '2020-01-01' });
  const mk = async (key: string, name: string, department: string, hireDate: string, manager: string) => {
    people[key] = await createPerson(src.db, src.clock, { email: `${key}@riverside.example`, name, department, hireDate, employeeId: `E-${key}`, managerEmail: manager });
  };
  const ruleActor = { ...SYS, id: admin.id };
  const pharmacy = await src.db.selectFrom('departments').select('id').where('name', '=', 'Pharmacy').executeTakeFirstOrThrow();
  // Rules assign (once one exists, only rules do): the first course to everyone, the second to the pharmacy.
  await src.services.assignments.create(ruleActor, {
    name: 'Everyone: first course', target: { type: 'course', id: course!.id },
    audience: { everyone: true, departmentIds: [], roles: [], jobCodes: [] }, startsOn: '2000-01-01', rolloutDays: 30, endsOn: null,
  });
  const pharmacyRule = await src.services.assignments.create(ruleActor, {
    name: 'Pharmacy second course', target: { type: 'course', id: (second ?? course)!.id },
    audience: { everyone: false, departmentIds: [pharmacy.id], roles: [], jobCodes: [] }, startsOn: '2026-10-01', rolloutDays: 30, endsOn: null,
  });
  await mk('late', 'Lou Late', 'Nursing/Ward 4', '2026-09-01', 'nora@riverside.example'); // overdue: added 2 Nov, due 2 Dec
  await mk('done', 'Dee Done', 'Nursing/Ward 4', '2025-01-01', 'nora@riverside.example'); // completed by hand
  await mk('soon', 'Sol Soon', 'Pharmacy', '2024-01-01', 'phil@riverside.example'); // due soon
  await mk('gone', 'Exp Ired', 'Pharmacy', '2023-01-01', 'phil@riverside.example'); // expired
  await mk('free', 'Ex Empt', 'Pharmacy', '2026-10-15', 'phil@riverside.example'); // exempt from the pharmacy rule
  await src.services.assignments.grantExemption(ruleActor, 'Ada Admin', { userId: people.free!.id, assignmentId: pharmacyRule, reason: 'On leave until spring', until: null });
  // Six weeks on (17 Dec 2026): the people added on 2 Nov are past their 30 days.
  src.clock.advance(45 * 86_400_000);
  await mk('fresh', 'Fay Fresh', 'Nursing/ICU', '2026-12-15', 'nora@riverside.example'); // not started
  await mk('busy', 'Bo Busy', 'Nursing/ICU', '2026-12-10', 'nora@riverside.example'); // in progress
  await mk('quiz', 'Quinn Quiz', 'Nursing/Ward 4', '2026-12-01', 'nora@riverside.example'); // completed through the course and quiz
  await mk('unicode', 'Zoë Ünïcode 李', 'Pharmacy', '2026-12-15', 'phil@riverside.example');
  const inPerson = (key: string, day: string) => recordInPerson(src.training, ruleActor, people[key]!, course!,
    { course_id: course!.id, completed_on: day, trainer: 'Aisha Rahman', reason: 'Sign-in sheet' });
  await inPerson('done', '2026-12-10');
  await inPerson('soon', '2025-12-30');
  await inPerson('gone', '2025-10-01');
  const busy = await as(src, 'busy@riverside.example');
  expect((await busy.get(`/courses/${course!.id}/lessons/${course!.lessons[0]!.id}/play`)).status).toBe(200);
  await completeCourse(await as(src, 'quiz@riverside.example'), course!, 'Quinn Quiz', src.clock);

  // A published policy: one person signed it, the others have it pending.
  const adminAgent = await as(src, 'admin@riverside.example');
  const published = await adminAgent.post('/admin/policies').type('form').send({
    _csrf: csrfFrom((await adminAgent.get('/admin/policies/new')).text),
    slug: 'social-media', title: 'Social Media Policy', label: '1', text: '# Posting at work\n\nNever post photos taken on a ward.',
    change_kind: 'material', change_note: 'First version.', min_read_seconds: '0', intent: 'publish',
  });
  expect(published.status).toBe(303);
  await src.services.assignments.create(ruleActor, {
    name: 'Everyone: social media policy', target: { type: 'policy', id: 'social-media' },
    audience: { everyone: true, departmentIds: [], roles: [], jobCodes: [] }, startsOn: '2026-12-01', rolloutDays: 30, endsOn: null,
  });
  const signer = await as(src, 'done@riverside.example');
  const page = (await signer.get('/policies/social-media')).text;
  const signed = await signer.post('/policies/social-media/acknowledge').type('form').send({
    _csrf: csrfFrom(page), agree: 'yes', typed_name: 'Dee Done', version_id: /name="version_id" value="(\d+)"/.exec(page)?.[1] ?? '',
  });
  expect(signed.status).toBe(303);

  // Outbox: one sent, one refused for good (failed), one still queued.
  peer.answers.rcpt.set('late@riverside.example', { code: 550, text: '5.1.1 User unknown' });
  await src.uow((trx) => enqueue(trx, [
    msg('due-soon:soon', 'soon@riverside.example', { userId: people.soon!.id }),
    msg('overdue:late', 'late@riverside.example', { userId: people.late!.id, stage: 'overdue' }),
  ], src.clock.now()));
  await src.services.outboxSender.runOnce();
  await src.uow((trx) => enqueue(trx, [msg('due-soon:fresh', 'fresh@riverside.example', { userId: people.fresh!.id })], src.clock.now()));
  const states = await src.db.selectFrom('outbox').select('state').execute();
  expect(new Set(states.map((s) => s.state)).size).toBe(3);

  target = await createTestDatabase();
  const copy = await cli(['db:copy', '--to', target.url, '--batch', '7']);
  if (copy.error) throw new Error(`db:copy failed: ${copy.error.message}\n${copy.out.join('\n')}\n${copy.err.join('\n')}`);
  copyOut = copy.out;
  // The second app: the same configuration and clock, on the PostgreSQL copy.
  dst = await buildTestApp({ DATABASE_URL: target.url, SMTP_URL: peer.url, ...SMTP_ENV });
  dst.clock.advance(src.clock.now().getTime() - dst.clock.now().getTime());
}, 180_000);

afterAll(async () => {
  await dst?.close();
  await src?.close();
  await target?.drop();
  await peer?.close();
});


/** The target is as db:copy found it: no migration applied (a refused or rolled-back copy left nothing). */
async function expectNothingMigrated(url: string): Promise<void> {
  const pg = openPostgres(url);
  try {
    expect(await pg.migrationLevel()).toBeUndefined();
  } finally {
    await pg.close();
  }
}
describe('db:copy onto PostgreSQL', () => {
  test('every table has the same row count and hash on both engines; the copy event is the one row more', async () => {
    const sqlite = openDatabase(path.join(src.dir, 'privacy-rounds.sqlite'));
    try {
      const tables = sqliteTables(sqlite.sqlite);
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['users', 'completions', 'certificates', 'outbox', 'policy_acknowledgements', 'exemptions', 'assignments', 'audit_events']));
      const mismatches: string[] = [];
      for (const t of tables) {
        const a: Digest = sqliteDigest(sqlite.sqlite, t);
        const b = await postgresDigest(dst.db, t, t.name === 'audit_events' ? a.rows : undefined);
        if (a.rows !== b.rows || a.hash !== b.hash) mismatches.push(`${t.name}: ${a.rows}/${b.rows}`);
        // The CLI's own line for the table says the same.
        expect(copyOut.find((l) => l.startsWith(`${t.name} `))).toMatch(new RegExp(`^${t.name}\\s+${a.rows}\\s+[0-9a-f]{12}\\s+ok$`));
      }
      expect(mismatches).toEqual([]);
      const events = await dst.db.selectFrom('audit_events').select(['id', 'action']).orderBy('id', 'desc').execute();
      expect(events.length).toBe(sqliteDigest(sqlite.sqlite, tables.find((t) => t.name === 'audit_events')!).rows + 1);
      expect(events[0]!.action).toBe('database.copied');
    } finally {
      await sqlite.close();
    }
    expect(copyOut.join('\n')).toMatch(/every row count and hash matches; audit log OK/);
    expect(copyOut.join('\n')).toMatch(/Set DATABASE_URL=/);
    expect(copyOut.join('\n')).toContain('AUDIT_KEY (set in the environment');
    // Without AUDIT_KEY and SESSION_SECRET in the environment, the files in DATA_DIR are what must travel.
    const steps = nextSteps(src.config, {}, 'postgres://db.example/pr').join('\n');
    expect(steps).toContain(`${src.dir}/audit-key`);
    expect(steps).toContain(`${src.dir}/session-secret`);
    expect(steps).toContain('DATABASE_URL=postgres://USER:PASSWORD@db.example/pr');
  });

  test('the seeded organisation has every training status', async () => {
    const admin = await as(src, 'admin@riverside.example');
    const found: string[] = [];
    for (const status of ['not-started', 'in-progress', 'completed', 'due-soon', 'overdue', 'expired', 'exempt']) {
      for (const course of src.catalogue.courses) {
        const page = (await admin.get(`/reports?status=${status}&course=${course.id}`)).text;
        if (/<a href="\/team\/people\/\d+">/.test(page)) {
          found.push(status);
          break;
        }
      }
    }
    expect(found).toEqual(['not-started', 'in-progress', 'completed', 'due-soon', 'overdue', 'expired', 'exempt']);
    expect(dst.database.engine).toBe('postgres');
  });

  test('every report page and CSV export answers byte for byte the same, for an admin and for a manager', async () => {
    const depts = await src.db.selectFrom('departments').select(['id', 'name']).orderBy('id').execute();
    const cert = await src.db.selectFrom('certificates').select('code').orderBy('id').executeTakeFirstOrThrow();
    const statuses = ['not-started', 'in-progress', 'completed', 'due-soon', 'overdue', 'expired', 'exempt'];
    const courses = src.catalogue.courses.map((c) => c.id);
    const reportUrls = [
      '/reports', ...Object.keys(SORTS).map((k) => `/reports?sort=${k}`), `/reports?as_of=2026-12-01`, '/reports?q=zo%C3%AB', '/reports?cycle=onboarding',
      ...statuses.map((s) => `/reports?status=${s}`), ...courses.map((c) => `/reports?course=${c}`),
      ...depts.map((d) => `/reports?department=${d.id}`),
      '/reports/export.csv', ...statuses.map((s) => `/reports/export.csv?status=${s}`), ...courses.map((c) => `/reports/export.csv?course=${c}`),
      '/team', ...courses.map((c) => `/team?course=${c}`),
      ...Object.values(people).map((p) => `/team/people/${p.id}`),
      '/reports/policies/social-media', '/reports/policies/social-media/export.csv', '/reports/policies/social-media?status=completed',
      ...Object.keys(SORTS).flatMap((k) => [`/reports/policies/social-media?sort=${k}&dir=desc`, `/reports/export.csv?sort=${k}&dir=desc`, `/team?sort=${k}`]),
      `/reports/evidence.csv?person=${people.quiz!.id}`, `/reports/evidence.csv?department=${depts[0]!.id}`,
      '/admin/policies', '/admin/policies/social-media', '/admin/policies/social-media/export.csv',
      '/transcript', `/verify/${cert.code}`,
    ];
    for (const [who, urls] of [['admin@riverside.example', reportUrls], ['nora@riverside.example', ['/reports', '/reports/export.csv', '/team', `/team/people/${people.late!.id}`, '/reports/policies/social-media', '/reports/policies/social-media/export.csv', ...statuses.map((s) => `/reports?status=${s}`)]]] as const) {
      const before = await fetchAll(await as(src, who), urls);
      const after = await fetchAll(await as(dst, who), urls);
      for (const url of urls) {
        const a = before.get(url)!;
        const b = after.get(url)!;
        expect({ url, status: b.status }).toEqual({ url, status: a.status });
        expect({ url, status: a.status }).toEqual({ url, status: 200 });
        expect({ url, type: b.type }).toEqual({ url, type: a.type });
        if (a.body !== b.body) throw new Error(`${who} ${url} differs after the copy`);
      }
      expect(before.get('/reports/export.csv')!.body.split('\n').length).toBeGreaterThan(3);
    }
  });

  test('the evidence pack PDF, the certificate ZIP and a certificate PDF come out byte for byte the same', async () => {
    const depts = await src.db.selectFrom('departments').select('id').orderBy('id').execute();
    const cert = await src.db.selectFrom('certificates').select('code').orderBy('id').executeTakeFirstOrThrow();
    const urls = [
      `/reports/evidence.pdf?person=${people.quiz!.id}`, `/reports/evidence.pdf?department=${depts[0]!.id}`,
      '/reports/certificates.zip', '/reports/certificates.zip?every_course=1', `/verify/${cert.code}`,
    ];
    const before = await as(src, 'admin@riverside.example');
    const after = await as(dst, 'admin@riverside.example');
    for (const url of urls) {
      const a = await binary(before, url);
      const b = await binary(after, url);
      expect({ url, status: a.status }).toEqual({ url, status: 200 });
      expect({ url, status: b.status, length: b.body.length }).toEqual({ url, status: 200, length: a.body.length });
      if (!url.startsWith('/verify')) expect({ url, same: Buffer.compare(a.body, b.body) === 0 }).toEqual({ url, same: true });
    }
  });

  test('audit:verify passes on the copy', async () => {
    const r = await cli(['audit:verify'], { DATABASE_URL: target.url });
    expect(r.error).toBeUndefined();
    expect(r.out.join('\n')).toMatch(/^Audit log OK: \d+ events, chain intact/m);
  });
  // Last: it adds a person to the copy.
  test('new rows on the copy get new ids (the sequences were set past the copied ones)', async () => {
    const before = await dst.db.selectFrom('users').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow();
    const added = await createPerson(dst.db, dst.clock, { email: 'newcomer@riverside.example', name: 'New Comer' });
    expect(added.id).toBeGreaterThan(Number(before.id));
  });
});

describe('db:copy refuses', () => {
  test('a target that is not empty, and leaves it unchanged', async () => {
    const pg = openPostgres(target.url);
    const digests = async () => {
      const sqlite = openDatabase(path.join(src.dir, 'privacy-rounds.sqlite'));
      try {
        return await Promise.all(sqliteTables(sqlite.sqlite).map((t) => postgresDigest(pg.db, t)));
      } finally {
        await sqlite.close();
      }
    };
    try {
      const before = await digests();
      const r = await cli(['db:copy', '--to', target.url]);
      expect(r.error?.message).toMatch(/The target database is not empty: it is at migration \d{4}_\w+\. db:copy fills only a new, empty database/);
      expect(await digests()).toEqual(before);
    } finally {
      await pg.close();
    }
  });

  test('a target with our tables but no migrations (filled by hand) is refused too', async () => {
    const other = await createTestDatabase();
    const pg = openPostgres(other.url);
    try {
      await pg.db.schema.createTable('users').addColumn('id', 'integer').execute();
      await pg.db.insertInto('users').values({ id: 1 } as never).execute();
      const r = await cli(['db:copy', '--to', other.url]);
      expect(r.error?.message).toMatch(/not empty: it already has users \(1 rows\)/);
    } finally {
      await pg.close();
      await other.drop();
    }
  });

  test('a bad address with a clear message, never the password', async () => {
    for (const [url, message] of [
      ['mysql://u:pw@127.0.0.1/x', /--to must be a PostgreSQL address/],
      ['postgres://', /--to must be a PostgreSQL address/],
      ['postgres://u:s3cret-pw@127.0.0.1:1/nodb', /Cannot reach the target postgres:\/\/127\.0\.0\.1:1\/nodb: .*Nothing was changed\./],
    ] as const) {
      const r = await cli(['db:copy', '--to', url]);
      expect(r.error?.message).toMatch(message);
      expect(r.error?.message).not.toContain('s3cret');
      expect(r.out.join('\n')).not.toContain('s3cret');
    }
  });

  test('without the audit key the copied chain does not verify: rolled back, the target stays empty', async () => {
    const empty = await createTestDatabase();
    const keyFile = path.join(src.dir, 'audit-key');
    try {
      // No AUDIT_KEY: the CLI reads (here: makes) DATA_DIR/audit-key, which is not the key the events were sealed with.
      const r = await cli(['db:copy', '--to', empty.url], { AUDIT_KEY: undefined });
      expect(r.error?.message).toMatch(/The copied audit log does not verify \(event 1: .*not configured.*\).*rolled back/);
      expect(r.out.join('\n')).toMatch(/^users\s+\d+\s+[0-9a-f]{12}\s+ok$/m);
      await expectNothingMigrated(empty.url);
    } finally {
      // The CLI set the process-wide audit key to that other key: the apps' own key again.
      useAuditKeys(src.config.auditKeys);
      fs.rmSync(keyFile, { force: true });
      await empty.drop();
    }
  });

  test('a value PostgreSQL refuses, after other tables were copied: the table is named and everything is rolled back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-copy-bad-'));
    const empty = await createTestDatabase();
    try {
      const file = openDatabase(path.join(dir, 'privacy-rounds.sqlite'));
      await migrateToLatest(file.db);
      file.sqlite.prepare("insert into departments (name, parent_id, path_key, created_at) values ('Nursing', null, 'nursing', '2026-11-02T14:00:00.000Z')").run();
      // SQLite keeps text in an integer column; PostgreSQL's integer cannot hold it.
      file.sqlite.prepare("insert into sign_in_throttle (account_key, failures, locked_until, last_failure_at) values ('k', 'many', null, '2026-11-02T14:00:00.000Z')").run();
      await file.close();
      const r = await cli(['db:copy', '--to', empty.url], { DATA_DIR: dir });
      expect(r.error?.message).toMatch(/PostgreSQL refused a row of table sign_in_throttle \(within rows 1 to 1\): .*integer.*rolled back; nothing was changed\./);
      const pg = openPostgres(empty.url);
      try {
        expect(await pg.migrationLevel()).toBeUndefined();
        const { rows } = await sql<{ r: string | null }>`select to_regclass('departments') as r`.execute(pg.db);
        expect(rows[0]!.r).toBeNull();
      } finally {
        await pg.close();
      }
    } finally {
      await empty.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('with DATABASE_URL already PostgreSQL', async () => {
    const r = await cli(['db:copy', '--to', target.url], { DATABASE_URL: target.url });
    expect(r.error?.message).toMatch(/DATABASE_URL is set: this deployment already runs on PostgreSQL/);
  });

  test('a source behind the latest migration: run db:migrate first; the target stays empty', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-copy-old-'));
    const empty = await createTestDatabase();
    try {
      const old = openDatabase(path.join(dir, 'privacy-rounds.sqlite'));
      const names = Object.keys(migrations).sort();
      const { error } = await new Migrator({ db: old.db, provider: { getMigrations: async () => migrations } }).migrateTo(names[names.length - 2]!);
      expect(error).toBeUndefined();
      await old.close();
      const r = await cli(['db:copy', '--to', empty.url], { DATA_DIR: dir });
      expect(r.error?.message).toMatch(/not at the latest migration \(1 pending, first \d{4}_\w+\): run db:migrate first/);
      await expectNothingMigrated(empty.url);
    } finally {
      await empty.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
