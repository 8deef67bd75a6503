import fs from 'node:fs';
import path from 'node:path';
import { buildCli, reportFailure } from '../../server/cli';
import { addDays, dayInZone } from '../../server/dates';
import { useCli } from '../helpers/cli';

// notifications:run through the CLI, against a real database file: a dry run prints and writes nothing,
// a run queues, a second run queues nothing new.
const cli = useCli('pr-cli-notify-', { TIME_ZONE: 'UTC' });
const { run } = cli;

async function outboxRows() {
  const database = cli.openDatabase();
  try {
    return await database.db.selectFrom('outbox').select(['key', 'stage', 'to_address', 'text_body']).orderBy('id').execute();
  } finally { await database.close(); }
}

/** What the planner queued (invitations are queued by the commands that add people). */
async function outboxCount(): Promise<number> {
  return (await outboxRows()).filter((r) => r.stage !== 'invitation').length;
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

test('users:import and admin:create queue invitations as the web screens do; --help says so; a second run queues none', async () => {
  const csv = path.join(cli.dir, 'people.csv');
  fs.writeFileSync(csv, 'email,name\r\nnia@riverside.example,Nia Nurse\r\nomar@riverside.example,Omar Okafor\r\n');
  await run('users:import', csv);
  expect(cli.out.at(-1)).toMatch(/^Invitation e-mails are queued in the outbox; the running server sends them/);
  await run('users:import', csv);
  await run('admin:create', '--email', 'ops@riverside.example', '--name', 'Olu Bankole');
  // An existing person made admin is not invited again.
  await run('admin:create', '--email', 'nia@riverside.example', '--name', 'Nia Nurse');
  const rows = await outboxRows();
  expect(rows.map((r) => [r.stage, r.to_address])).toEqual([
    ['invitation', 'nia@riverside.example'], ['invitation', 'omar@riverside.example'], ['invitation', 'ops@riverside.example'],
  ]);
  // Each holds the placeholder, never a working link (the link printed by the CLI is another one).
  for (const r of rows) {
    expect(r.key).toMatch(/^invitation:\d+$/);
    expect(r.text_body).toContain('{{set_password_token}}');
    expect(r.text_body).not.toMatch(/\/password\/[A-Za-z0-9_-]{43}/);
  }
  // What `npm run cli -- users:import --help` prints, its line breaks undone.
  const help = (name: string) => buildCli().commands.find((c) => c.name() === name)!.helpInformation().replace(/\s+/g, ' ');
  expect(help('users:import')).toContain('new people get the invitation e-mail, queued like the web import\'s');
  expect(help('admin:create')).toContain('a new admin without --password-stdin also gets the invitation e-mail');
});
