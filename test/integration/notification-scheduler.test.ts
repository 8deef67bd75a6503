import { addDays, dayInZone } from '../../server/dates';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson } from '../helpers/factories';

// The scheduler over a real database: the status index decides, the outbox keeps each key once.
// The test clock starts on Monday 2 Nov 2026 at 08:00 in Chicago, the first send hour.
let t: TestApp;
const people: Record<string, number> = {};
let courses: string[];
let today: string;

beforeAll(async () => {
  t = await buildTestApp();
  today = dayInZone(t.clock.now(), t.config.timeZone);
  courses = t.catalogue.courses.map((c) => c.id);
  const boss = await createPerson(t.db, t.clock, { name: 'Morgan Lead', email: 'morgan@riverside.example', role: 'manager', hireDate: '2020-01-01' });
  people.boss = boss.id;
  // Onboarding is due 30 days after the start date: 10 days left, 10 days late, 30 days late.
  people.soon = (await createPerson(t.db, t.clock, { name: 'Sam Soon', email: 'sam@riverside.example', managerEmail: boss.email, hireDate: addDays(today, -20) })).id;
  people.late = (await createPerson(t.db, t.clock, { name: 'Lee Late', email: 'lee@riverside.example', managerEmail: boss.email, hireDate: addDays(today, -40) })).id;
  people.later = (await createPerson(t.db, t.clock, { name: 'Kai Later', email: 'kai@riverside.example', managerEmail: boss.email, hireDate: addDays(today, -60) })).id;
  people.weekly = (await createPerson(t.db, t.clock, { name: 'Wren Weekly', email: 'wren@riverside.example', managerEmail: boss.email, hireDate: addDays(today, -40) })).id;
  people.other = (await createPerson(t.db, t.clock, { name: 'Ola Other', email: 'ola@riverside.example', hireDate: addDays(today, -40) })).id;
  await t.db.insertInto('notification_preferences').values({ user_id: people.weekly, weekly_summary: 1, updated_at: t.clock.now().toISOString() }).execute();
});
afterAll(async () => { await t.close(); });

const outbox = () => t.db.selectFrom('outbox').selectAll().orderBy('key').execute();

test('nothing is planned before the send hour', async () => {
  t.clock.advanceMinutes(-60);
  try {
    const r = await t.services.notifications.run();
    expect(r).toMatchObject({ inSendHours: false, planned: 0, created: 0 });
    expect(await outbox()).toEqual([]);
  } finally {
    t.clock.advanceMinutes(60);
  }
});

test('a dry run plans and writes nothing', async () => {
  const r = await t.services.notifications.run({ dryRun: true });
  expect(r.planned).toBeGreaterThan(0);
  expect(r.created).toBe(0);
  expect(await outbox()).toEqual([]);
});

test('a run queues what each person is due, with the due-date sentence; running again creates no second row', async () => {
  const first = await t.services.notifications.run();
  const rows = await outbox();
  expect(first.created).toBe(rows.length);
  const keys = rows.map((r) => r.key).sort();
  const perCourse = (stage: string, id: number, suffix: string) => courses.map((c) => `${stage}:${id}:course:${c}:onboarding${suffix}`);
  expect(keys).toEqual([
    `digest:${people.boss}:2026-W45`,
    ...perCourse('due-soon', people.soon!, ':14'),
    // 10 days late: the second weekly overdue reminder; 30 days late: the fifth, copied to the manager.
    ...perCourse('overdue', people.late!, ':2'),
    ...perCourse('escalation', people.later!, ':5'),
    ...perCourse('overdue', people.other!, ':2'),
    `summary:${people.weekly}:2026-W45`,
  ].sort());
  const escalation = rows.find((r) => r.stage === 'escalation')!;
  expect(escalation.to_address).toBe('kai@riverside.example');
  expect(JSON.parse(escalation.cc_addresses)).toEqual(['morgan@riverside.example']);
  const soon = rows.find((r) => r.stage === 'due-soon')!;
  expect(soon.subject).toMatch(/is due in 10 days$/);
  expect(soon.text_body).toContain(`30 days after your start date.`);
  expect(soon.text_body).toContain('Riverside General');
  expect(soon.html_body).toContain('http://127.0.0.1:3000/courses/');

  const digest = rows.find((r) => r.stage === 'digest')!;
  expect(digest.to_address).toBe('morgan@riverside.example');
  for (const name of ['Sam Soon', 'Lee Late', 'Kai Later', 'Wren Weekly']) expect(digest.text_body).toContain(name);
  expect(digest.text_body).not.toContain('Ola Other');

  t.clock.advanceMinutes(90);
  const again = await t.services.notifications.run();
  expect(again.planned).toBe(first.planned);
  expect(again.created).toBe(0);
  expect((await outbox()).length).toBe(rows.length);
});

test('a second run on the next day adds only that day\'s new messages, each key once', async () => {
  const before = (await outbox()).length;
  t.clock.advance(86_400_000);
  const r = await t.services.notifications.run();
  const rows = await outbox();
  expect(r.created).toBe(rows.length - before);
  expect(new Set(rows.map((x) => x.key)).size).toBe(rows.length);
});

test('a week later the overdue reminders move on to the next number, and nothing already sent comes again', async () => {
  t.clock.advance(6 * 86_400_000);
  const r = await t.services.notifications.run();
  const keys = r.messages.map((m) => m.key);
  expect(keys).toEqual(expect.arrayContaining(courses.map((c) => `escalation:${people.late}:course:${c}:onboarding:3`)));
  expect(keys).toEqual(expect.arrayContaining([`summary:${people.weekly}:2026-W46`, `digest:${people.boss}:2026-W46`]));
  expect(r.created).toBe(r.planned);
});
