import fs from 'node:fs';
import path from 'node:path';
import { reportFailure } from '../../server/cli';
import { dayInZone } from '../../server/dates';
import { useCli } from '../helpers/cli';

// Scripted set-up of assignments and exemptions through the CLI, against a real database file.
// The organisation's day is UTC's, as the tests compute it: with the default (New York) the CLI's "today"
// is a day behind between midnight and 05:00 UTC, and a rule starting "today" would read as a future one.
const cli = useCli('pr-cli-assign-', { TIME_ZONE: 'UTC' });
const { run } = cli;

test('assignments:create previews and creates a department rule; exemptions:grant keeps evidence; all audited as the CLI', async () => {
  const csv = path.join(cli.dir, 'people.csv');
  fs.writeFileSync(csv, 'email,name,department,hire_date\r\nnia@riverside.example,Nia Nurse,Nursing/ICU,2012-05-01\r\nphil@riverside.example,Phil Pharm,Pharmacy,2013-01-01\r\n');
  await run('users:import', csv);
  cli.out.length = 0;
  const today = dayInZone(new Date(), 'UTC');
  const args = ['assignments:create', '--name', 'Nursing privacy', '--course', 'hipaa-social-media', '--department', 'Nursing', '--starts', today, '--rollout-days', '10'];
  await run(...args, '--preview');
  expect(cli.out).toEqual(['This rule matches 1 person; 1 would be due within 14 days.']);
  cli.out.length = 0;
  await run(...args);
  expect(cli.out).toEqual(['This rule matches 1 person; 1 would be due within 14 days.', 'Assignment 1 created: Nursing privacy.']);

  const evidence = path.join(cli.dir, 'certificate.txt');
  fs.writeFileSync(evidence, 'Lakeside General, privacy training, 3 Oct 2026');
  await run('exemptions:grant', '--email', 'NIA@riverside.example', '--assignment', '1', '--reason', 'Trained at Lakeside General.', '--evidence', evidence);
  expect(cli.out.at(-1)).toBe('Exemption 1 granted to nia@riverside.example.');

  const refused = await run('assignments:create', '--name', 'x', '--course', 'no-such-course', '--everyone', '--starts', today).catch((e: unknown) => e);
  expect(reportFailure(refused)).toBe(1);
  expect(cli.err.at(-1)).toBe('There is no course "no-such-course".');

  // Phil moves to Nursing from yesterday, before the rule started today: he is covered as staff it was rolled out to.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await run('people:move', '--email', 'phil@riverside.example', '--department', 'Nursing', '--job-code', 'RN2', '--effective', yesterday);
  expect(cli.out.at(-1)).toBe(`Move of phil@riverside.example recorded from ${yesterday}.`);
  const moveRefused = await run('people:move', '--email', 'phil@riverside.example', '--role', 'boss', '--effective', yesterday).catch((e: unknown) => e);
  expect(reportFailure(moveRefused)).toBe(1);
  expect(cli.err.at(-1)).toBe('Role must be one of: learner, manager, admin, auditor.');

  const database = cli.openDatabase();
  try {
    const moved = await database.db.selectFrom('status_index').innerJoin('users', 'users.id', 'status_index.user_id')
      .select(['status_index.reason_kind', 'status_index.since']).where('users.email', '=', 'phil@riverside.example').executeTakeFirstOrThrow();
    expect(moved).toEqual({ reason_kind: 'rollout', since: today });
    await database.db.deleteFrom('status_index').where('user_id', '=', (await database.db.selectFrom('users').select('id').where('email', '=', 'phil@riverside.example').executeTakeFirstOrThrow()).id).execute();
    const rows = await database.db.selectFrom('status_index').innerJoin('users', 'users.id', 'status_index.user_id')
      .select(['users.email', 'status_index.assignment_names', 'status_index.exempt_reason']).execute();
    expect(rows).toEqual([{ email: 'nia@riverside.example', assignment_names: 'Nursing privacy', exempt_reason: 'Trained at Lakeside General.' }]);
    const e = await database.db.selectFrom('exemptions').select(['evidence_name', 'evidence_type', 'evidence_data']).executeTakeFirstOrThrow();
    expect([e.evidence_name, e.evidence_type, Buffer.from(e.evidence_data!, 'base64').toString('utf8')]).toEqual(['certificate.txt', 'text/plain', 'Lakeside General, privacy training, 3 Oct 2026']);
    const actions = await database.db.selectFrom('audit_events').select(['action', 'actor_label']).where('action', 'in', ['assignment.created', 'exemption.granted']).execute();
    expect(actions).toEqual([{ action: 'assignment.created', actor_label: 'cli' }, { action: 'exemption.granted', actor_label: 'cli' }]);
  } finally { await database.close(); }
});

test('assignments:create takes a published policy and refuses one never published; assignments:edit changes a rule from today, keeping what it is not given', async () => {
  const csv = path.join(cli.dir, 'people.csv');
  fs.writeFileSync(csv, 'email,name,department,hire_date\r\nnia@riverside.example,Nia Nurse,Nursing/ICU,2012-05-01\r\nphil@riverside.example,Phil Pharm,Pharmacy,2013-01-01\r\n');
  await run('users:import', csv);
  const today = dayInZone(new Date(), 'UTC');
  const refused = await run('assignments:create', '--name', 'Phones', '--policy', 'phones', '--everyone', '--starts', today).catch((e: unknown) => e);
  expect(reportFailure(refused)).toBe(1);
  expect(cli.err.at(-1)).toBe('There is no published policy "phones".');
  const policy = path.join(cli.dir, 'phones.md');
  fs.writeFileSync(policy, '# Phones on the ward\n\nNo photos of patients.\n');
  await run('policy:publish', '--file', policy, '--slug', 'phones', '--title', 'Phones on the ward', '--label', '1', '--material', '--note', 'First version.');
  cli.out.length = 0;
  await run('assignments:create', '--name', 'Phones', '--policy', 'phones', '--department', 'Nursing', '--starts', today, '--rollout-days', '10');
  expect(cli.out).toEqual(['This rule matches 1 person; 1 would be due within 14 days.', 'Assignment 1 created: Phones.']);

  const bad = await run('assignments:edit', '1', '--ends', '2020-01-01').catch((e: unknown) => e);
  expect(reportFailure(bad)).toBe(1);
  expect(cli.err.at(-1)).toBe('The assignment cannot end before it starts.');
  cli.out.length = 0;
  await run('assignments:edit', '1', '--department', 'Pharmacy', '--preview');
  expect(cli.out).toEqual(['This rule matches 1 person; 1 would be due within 14 days.']);
  await run('assignments:edit', '1', '--name', 'Phones — all staff', '--rollout-days', '20');
  expect(cli.out.at(-1)).toBe('Assignment 1 changed from today: Phones — all staff.');

  const database = cli.openDatabase();
  try {
    const rule = await database.db.selectFrom('assignments').selectAll().executeTakeFirstOrThrow();
    const nursing = await database.db.selectFrom('departments').select('id').where('name', '=', 'Nursing').executeTakeFirstOrThrow();
    // Given a name and roll-out days only: the target and audience (Nursing, not the previewed Pharmacy) stay.
    expect([rule.name, rule.target_type, rule.target_id, rule.rollout_days, JSON.parse(rule.audience)]).toEqual(['Phones — all staff', 'policy', 'phones', 20, { everyone: false, departmentIds: [nursing.id], roles: [], jobCodes: [] }]);
    const versions = await database.db.selectFrom('assignment_versions').select(['change', 'name', 'rollout_days']).orderBy('id').execute();
    expect(versions).toEqual([{ change: 'created', name: 'Phones', rollout_days: 10 }, { change: 'edited', name: 'Phones — all staff', rollout_days: 20 }]);
    const actions = await database.db.selectFrom('audit_events').select(['action', 'actor_label']).where('action', 'like', 'assignment.%').orderBy('id').execute();
    expect(actions).toEqual([{ action: 'assignment.created', actor_label: 'cli' }, { action: 'assignment.edited', actor_label: 'cli' }]);
  } finally { await database.close(); }
});
