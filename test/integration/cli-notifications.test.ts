import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCli, reportFailure } from '../../server/cli';
import { addDays, dayInZone } from '../../server/dates';
import { openDatabaseOf } from '../helpers/open-test-db';
import { useFreshDatabaseInEnv } from '../helpers/test-db';

// notifications:run through the CLI, against a real database file: a dry run prints and writes nothing,
// a run queues, a second run queues nothing new.
let dir: string;
let out: string[];
let err: string[];
const saved = { ...process.env };

let dropDatabase: () => Promise<void>;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-cli-notify-'));
  process.env.DATA_DIR = dir;
  dropDatabase = await useFreshDatabaseInEnv();
  process.env.SESSION_SECRET = 'cli-test-secret-long-enough-to-pass-the-check';
  process.env.BASE_URL = 'https://training.riverside.example';
  process.env.TIME_ZONE = 'UTC';
  out = [];
  err = [];
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
});
afterEach(async () => {
  await dropDatabase();
  jest.restoreAllMocks();
  process.env = { ...saved };
  fs.rmSync(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => buildCli().parseAsync(['node', 'cli', ...args]);

async function outboxCount(): Promise<number> {
  const database = openDatabaseOf(dir);
  try {
    return (await database.db.selectFrom('outbox').select('key').execute()).length;
  } finally { await database.close(); }
}

test('notifications:run --as-of --dry-run prints what it would queue and writes nothing; a run queues it once', async () => {
  const today = dayInZone(new Date(), 'UTC');
  const csv = path.join(dir, 'people.csv');
  fs.writeFileSync(csv, `email,name,hire_date\r\nnia@riverside.example,Nia Nurse,${addDays(today, -20)}\r\n`);
  await run('users:import', csv);
  out.length = 0;

  await run('notifications:run', '--as-of', today, '--dry-run');
  const courseCount = out.filter((l) => l.startsWith('due-soon\tnia@riverside.example\t')).length;
  expect(courseCount).toBeGreaterThan(0);
  expect(out.at(-1)).toBe(`Dry run for ${today}: ${courseCount} messages would be queued for 1 person; nothing was written.`);
  expect(await outboxCount()).toBe(0);

  out.length = 0;
  await run('notifications:run', '--as-of', today);
  expect(out.at(-1)).toBe(`${today}: ${courseCount} messages planned for 1 person; ${courseCount} new in the outbox (the rest were queued before).`);
  expect(await outboxCount()).toBe(courseCount);
  await run('notifications:run', '--as-of', today);
  expect(out.at(-1)).toBe(`${today}: ${courseCount} messages planned for 1 person; 0 new in the outbox (the rest were queued before).`);
  expect(await outboxCount()).toBe(courseCount);

  const refused = await run('notifications:run', '--as-of', '2026-02-30').catch((e: unknown) => e);
  expect(reportFailure(refused)).toBe(1);
  expect(err.at(-1)).toBe('--as-of must be a real date written YYYY-MM-DD.');
});
