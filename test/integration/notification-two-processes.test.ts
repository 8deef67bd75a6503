import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { addDays, dayInZone } from '../../server/dates';
import { projectRoot } from '../../server/paths';
import { parseUserCsv } from '../../server/users/import';
import { buildTestApp, TEST_AUDIT_KEY, type TestApp } from '../helpers/app';

// Two processes planning at once on one database (two servers, or a server and the CLI): the outbox's
// unique key and insert-or-nothing create each message once, whoever gets there first.
let t: TestApp;
beforeAll(async () => {
  execFileSync(process.execPath, [path.join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: projectRoot, stdio: 'pipe' });
  t = await buildTestApp();
  const today = dayInZone(t.clock.now(), t.config.timeZone);
  const lines = ['employee_id,email,name,role,department,manager_email,hire_date'];
  for (let i = 0; i < 10; i += 1) lines.push(`M${i},m${i}@riverside.example,Manager ${i},manager,Ward ${i},,2020-01-01`);
  // Start dates over 90 days: due soon, due today and overdue by every number of weeks.
  for (let i = 0; i < 600; i += 1) lines.push(`E${i},p${i}@riverside.example,Person ${i},learner,Ward ${i % 10},m${i % 10}@riverside.example,${addDays(today, -(i % 90))}`);
  const imported = await t.services.peopleImporter.run({ id: null, label: 'test' }, await parseUserCsv(lines.join('\n')), 'test');
  if (!imported.ok) throw new Error('the import was refused');
  await t.db.deleteFrom('outbox').execute();
}, 180_000);
afterAll(async () => { await t?.close(); });

function cli(args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['dist/server/cli.js', ...args], {
    cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '', NODE_ENV: 'test', DATA_DIR: t.dir, LOG_LEVEL: 'silent', AUDIT_KEY: TEST_AUDIT_KEY, TIME_ZONE: t.config.timeZone,
      SESSION_SECRET: 'test-secret-that-is-long-enough-for-the-check', BASE_URL: 'http://127.0.0.1:3000', ORG_NAME: 'Riverside General',
      ...t.databaseEnv,
    },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`)))));
}

const summary = (out: string) => {
  const m = /: (\d+) messages planned for (\d+) people; (\d+) new in the outbox/.exec(out);
  if (!m) throw new Error(`no summary line in: ${out.slice(-500)}`);
  return { planned: Number(m[1]), people: Number(m[2]), created: Number(m[3]) };
};

test('two CLI processes planning the same day at once create each message once', async () => {
  const day = dayInZone(t.clock.now(), t.config.timeZone);
  const [a, b] = (await Promise.all([cli(['notifications:run', '--as-of', day]), cli(['notifications:run', '--as-of', day])])).map(summary);
  const rows = await t.db.selectFrom('outbox').select('key').execute();
  expect(a!.planned).toBeGreaterThan(500);
  expect(b!.planned).toBe(a!.planned);
  expect(rows.length).toBe(a!.planned);
  expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  expect(a!.created + b!.created).toBe(rows.length);
  // Both really planned: each saw the people and queued some or none, never an error.
  expect([a!.people, b!.people]).toEqual([610, 610]);
  expect(summary(await cli(['notifications:run', '--as-of', day])).created).toBe(0);
}, 120_000);
