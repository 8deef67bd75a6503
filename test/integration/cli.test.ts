import fs from 'node:fs';
import path from 'node:path';
import { buildCli, reportFailure } from '../../server/cli';
import { statusSql } from '../../server/reports/status-sql';
import { dayInZone } from '../../server/dates';
import { useCli } from '../helpers/cli';
import { onPostgres } from '../helpers/test-db';

// The CLI reads its configuration from the environment like the real command; each test points it
// at a fresh data folder and captures what it prints.
const cli = useCli('pr-cli-');
const { run } = cli;

describe('operator CLI', () => {
  test('--help lists the commands', async () => {
    const program = buildCli();
    let help = '';
    program.configureOutput({ writeOut: (s) => { help += s; } });
    await expect(program.parseAsync(['node', 'cli', '--help'])).rejects.toMatchObject({ code: 'commander.helpDisplayed' });
    for (const c of ['admin:create', 'users:import', 'audit:verify', 'db:migrate']) expect(help).toContain(c);
  });

  test('admin:create prints a set-password link for a new admin', async () => {
    await run('admin:create', '--email', 'ops@riverside.example', '--name', 'Olu Bankole');
    expect(cli.out.join('\n')).toMatch(/https:\/\/training\.riverside\.example\/password\/[A-Za-z0-9_-]{43}/);
    const database = cli.openDatabase();
    try {
      const row = await database.db.selectFrom('users').select(['role', 'name']).executeTakeFirstOrThrow();
      expect(row).toEqual({ role: 'admin', name: 'Olu Bankole' });
    } finally { await database.close(); }
  });

  test('a refused command prints the rule\'s message alone (no stack) and exits 1; a bug keeps its stack', async () => {
    const refusal = await run('retention:purge', '--before', dayInZone(new Date(), 'America/Chicago')).catch((e: unknown) => e);
    expect(reportFailure(refusal)).toBe(1);
    expect(cli.err).toHaveLength(1);
    expect(cli.err[0]).toMatch(/^Training records are kept six years \(45 CFR 164\.530\(j\)\)\. The latest date you can purge before today is \d{4}-\d{2}-\d{2}\.$/);
    // Anything else goes to console.error whole (which prints its stack), not just its message.
    const bug = new TypeError('a bug');
    expect(reportFailure(bug)).toBe(1);
    expect(console.error).toHaveBeenLastCalledWith(bug);
  });

  test('admin:create refuses a bad email with a clear message', async () => {
    await expect(run('admin:create', '--email', 'nope', '--name', 'X')).rejects.toThrow(/valid email/);
  });

  test('users:import imports a file and prints one link per new person; a bad file imports nothing', async () => {
    const good = path.join(cli.dir, 'good.csv');
    fs.writeFileSync(good, 'employee_id,email,name,role,department,manager_email,hire_date\r\nE1,a@riverside.example,Ana Silva,learner,Lab,,2026-11-01\r\nE2,b@riverside.example,Bo Chen,manager,Lab,,\r\n');
    await run('users:import', good);
    expect(cli.out[0]).toBe('Imported: 2 added, 0 updated, 0 unchanged.');
    expect(cli.out.filter((l) => /\/password\//.test(l))).toHaveLength(2);
    const bad = path.join(cli.dir, 'bad.csv');
    fs.writeFileSync(bad, 'employee_id,email,name,role,department,manager_email,hire_date\nE3,c@riverside.example,,learner,,,\nE4,d,Dee,learner,,,\n');
    await expect(run('users:import', bad)).rejects.toThrow(/Nothing was imported: 2 problem/);
    expect(cli.err).toEqual(['line 2, name: Enter the person\'s full name.', expect.stringMatching(/^line 3, email: /)]);
    await expect(run('users:import', path.join(cli.dir, 'missing.csv'))).rejects.toThrow(/Cannot read/);
  });

  test('audit:verify passes on a normal log and fails naming the event after a row is edited', async () => {
    await run('admin:create', '--email', 'ops@riverside.example', '--name', 'Olu Bankole');
    await run('audit:verify');
    expect(cli.out.join('\n')).toMatch(/^Audit log OK: \d+ events, chain intact, sealed with audit key [0-9a-f]{16}\.$/m);
    const database = cli.openDatabase();
    try {
      await database.db.updateTable('audit_events').set({ actor_label: 'nobody' }).where('id', '=', 1).execute();
    } finally { await database.close(); }
    await expect(run('audit:verify')).rejects.toThrow('Audit log BROKEN at event 1: event 1 was changed after it was written');
  });
});

describe('demo:seed', () => {
  test('seeds a department tree and people in every training status of every course', async () => {
    await run('demo:seed', '--people', '300', '--seed', '7');
    expect(cli.out[0]).toMatch(/^Seeded 300 people and \d+ completions of 2 courses in [\d.]+ s\.$/);
    const database = cli.openDatabase();
    try {
      const depts = await database.db.selectFrom('departments').select('path_key').execute();
      expect(depts.length).toBe(40);
      // No assignment rule: every person must take both shipped courses, so each course has a status row
      // per person, and each course's completions put its people in every status.
      const today = dayInZone(new Date(), 'America/New_York');
      const counted = await database.db.selectFrom('status_index').where('target_type', '=', 'course')
        .select(['course_id', statusSql(today).as('s'), (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['course_id', 's']).execute();
      const byCourse = new Map<string, Map<string, number>>();
      for (const c of counted) byCourse.set(c.course_id, (byCourse.get(c.course_id) ?? new Map<string, number>()).set(c.s, Number(c.n)));
      expect([...byCourse.keys()].sort()).toEqual(['hipaa-social-media', 'minimum-necessary-front-desk']);
      for (const [course, statuses] of byCourse) {
        expect([course, [...statuses.values()].reduce((a, b) => a + b, 0)]).toEqual([course, 300]);
        expect([course, new Set(statuses.keys())]).toEqual([course, new Set(['completed', 'due-soon', 'expired', 'overdue', 'not-started'])]);
      }
      const completions = await database.db.selectFrom('completions').select(['course_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('course_id').execute();
      expect(completions.map((c) => c.course_id).sort()).toEqual(['hipaa-social-media', 'minimum-necessary-front-desk']);
      expect(completions.reduce((a, c) => a + Number(c.n), 0)).toBe(Number(/and (\d+) completions/.exec(cli.out[0]!)![1]));
    } finally { await database.close(); }
    await expect(run('demo:seed', '--people', 'lots')).rejects.toThrow(/--people must be a whole number/);
  });
});

describe('backup and restore commands', () => {
  // On PostgreSQL the server's own tools back up and restore; the commands say so and change nothing.
  if (onPostgres) {
    test('on PostgreSQL, backup and restore point to pg_dump and pg_restore and change nothing', async () => {
      await run('admin:create', '--email', 'ops@riverside.example', '--name', 'Olu Bankole');
      const file = path.join(cli.dir, 'copy.sqlite');
      await expect(run('backup', file)).rejects.toThrow(/DATABASE_URL is set: the database is PostgreSQL.*pg_dump --format=custom.*pg_restore --dbname.*Nothing was changed\./);
      await expect(run('restore', file)).rejects.toThrow(/pg_restore/);
      expect(fs.existsSync(file)).toBe(false);
      const database = cli.openDatabase();
      try {
        const actions = (await database.db.selectFrom('audit_events').select('action').execute()).map((e) => e.action);
        expect(actions).not.toContain('backup.created');
        expect(actions).not.toContain('backup.restored');
      } finally { await database.close(); }
    });
    return;
  }
  test('backup writes a checked copy and audits it; restore brings it back and verifies the audit chain', async () => {
    await run('admin:create', '--email', 'ops@riverside.example', '--name', 'Olu Bankole');
    const file = path.join(cli.dir, 'copy.sqlite');
    await run('backup', file);
    expect(cli.out.at(-1)).toMatch(/^Backup written to .*copy\.sqlite \(\d+ pages\)\.$/);
    await run('admin:create', '--email', 'second@riverside.example', '--name', 'Second Admin');
    await run('restore', file);
    expect(cli.out.at(-1)).toMatch(/^Restored .*copy\.sqlite\. Audit log OK \(\d+ events\)\.$/);
    const database = cli.openDatabase();
    try {
      const emails = (await database.db.selectFrom('users').select('email').execute()).map((u) => u.email);
      expect(emails).toEqual(['ops@riverside.example']);
      const actions = (await database.db.selectFrom('audit_events').select('action').orderBy('id').execute()).map((e) => e.action);
      expect(actions).toContain('backup.created');
      expect(actions.at(-1)).toBe('backup.restored');
    } finally { await database.close(); }
    await expect(run('backup', file)).rejects.toThrow(/already exists/);
  });
});
