import fs from 'node:fs';
import path from 'node:path';
import { reportFailure } from '../../server/cli';
import { openDatabase } from '../../server/db/database';
import { addDays, dayInZone } from '../../server/dates';
import { useCli } from '../helpers/cli';

// notifications:run through the CLI, against a real database file: a dry run prints and writes nothing,
// a run queues, a second run queues nothing new.
const cli = useCli('pr-cli-notify-', { TIME_ZONE: 'UTC' });
const { run } = cli;

async function outboxCount(): Promise<number> {
  const database = openDatabase(cli.databaseFile());
  try {
    return (await database.db.selectFrom('outbox').select('key').execute()).length;
  } finally { await database.close(); }
}

test('notifications:run --as-of --dry-run prints what it would queue and writes nothing; a run queues it once', async () => {
  const today = dayInZone(new Date(), 'UTC');
  const csv = path.join(cli.dir, 'people.csv');
  fs.writeFileSync(csv, `email,name,hire_date\r\nnia@riverside.example,Nia Nurse,${addDays(today, -20)}\r\n`);
  await run('users:import', csv);
  cli.out.length = 0;

  await run('notifications:run', '--as-of', today, '--dry-run');
  const courseCount = cli.out.filter((l) => l.startsWith('due-soon\tnia@riverside.example\t')).length;
  expect(courseCount).toBeGreaterThan(0);
  expect(cli.out.at(-1)).toBe(`Dry run for ${today}: ${courseCount} messages would be queued for 1 person; nothing was written.`);
  expect(await outboxCount()).toBe(0);

  cli.out.length = 0;
  await run('notifications:run', '--as-of', today);
  expect(cli.out.at(-1)).toBe(`${today}: ${courseCount} messages planned for 1 person; ${courseCount} new in the outbox (the rest were queued before).`);
  expect(await outboxCount()).toBe(courseCount);
  await run('notifications:run', '--as-of', today);
  expect(cli.out.at(-1)).toBe(`${today}: ${courseCount} messages planned for 1 person; 0 new in the outbox (the rest were queued before).`);
  expect(await outboxCount()).toBe(courseCount);

  const refused = await run('notifications:run', '--as-of', '2026-02-30').catch((e: unknown) => e);
  expect(reportFailure(refused)).toBe(1);
  expect(cli.err.at(-1)).toBe('--as-of must be a real date written YYYY-MM-DD.');
});
