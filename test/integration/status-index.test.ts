import type { Course } from '../../server/content/catalogue';
import { seedDemo } from '../../server/demo/seed';
import { progressStore } from '../../server/learning/store';
import { buildTestApp, type TestApp } from '../helpers/app';

// Pages read a person's assignment from their status_index row (one lookup) instead of recomputing
// it from completions and progress. The two must agree for everyone, on any later day, under both
// annual rules; a row computed under other rules is not used.

const DAY = 86_400_000;

async function everyoneAgrees(t: TestApp, course: Course): Promise<number> {
  const users = await t.db.selectFrom('users').select(['id', 'hire_date', 'created_at']).execute();
  let compared = 0;
  for (const u of users) {
    const fromRow = await t.training.statusIndex.read(t.db, u, course);
    expect(fromRow).toBeDefined();
    expect({ id: u.id, a: fromRow }).toEqual({ id: u.id, a: await t.training.assignment(u, course) });
    compared += 1;
  }
  return compared;
}

const RULES: { name: string; env: Record<string, string> }[] = [
  { name: 'rolling', env: {} },
  { name: 'fixed deadline with grace', env: { ANNUAL_CYCLE: 'fixed', ANNUAL_DUE_DATE: '02-29', GRACE_DAYS: '14', REFRESHER_WINDOW_DAYS: '45' } },
];

describe.each(RULES)('assignment from the status index ($name)', ({ env }) => {
  let t: TestApp;
  let course: Course;

  beforeAll(async () => {
    t = await buildTestApp(env);
    course = t.catalogue.courses[0]!;
    await seedDemo(t.training, [course], { people: 400, seed: 11 });
    // Some people have begun this cycle (in progress), and a few have no hire date.
    const some = (await t.db.selectFrom('users').select(['id', 'hire_date', 'created_at']).where('id', '<=', 90).execute()).filter((u) => u.id % 3 === 0);
    const first = course.lessons[0]!;
    for (const u of some) {
      const { cycle } = await t.training.assignment(u, course);
      await progressStore(t.db).start({ userId: u.id, courseId: course.id, cycle }, first.id, first.scenes[0]!.id, course.contentHash, t.clock.now().toISOString());
    }
    const neverTrained = await t.db.selectFrom('users').select('id').where((eb) => eb.not(eb.exists(
      eb.selectFrom('completions').select('completions.id').whereRef('completions.user_id', '=', 'users.id')))).limit(3).execute();
    expect(neverTrained).toHaveLength(3);
    await t.db.updateTable('users').set({ hire_date: null }).where('id', 'in', neverTrained.map((u) => u.id)).execute();
    await t.training.statusIndex.refresh(t.db, [...some.map((u) => u.id), ...neverTrained.map((u) => u.id)]);
  });
  afterAll(() => t.close());

  test.each([0, 29, 31, 200, 366, 500, 800])('everyone agrees %i days on', async (days) => {
    const start = t.clock.now().getTime();
    t.clock.advance(days * DAY);
    try {
      expect(await everyoneAgrees(t, course)).toBeGreaterThanOrEqual(400);
    } finally {
      t.clock.advance(start - t.clock.now().getTime());
    }
  });

  test('the statuses compared cover every kind', async () => {
    const users = await t.db.selectFrom('users').select(['id', 'hire_date', 'created_at']).execute();
    const seen = new Set<string>();
    for (const days of [0, 100, 400]) {
      t.clock.advance(days * DAY);
      for (const u of users) seen.add((await t.training.currentAssignment(u, course)).status);
      t.clock.advance(-days * DAY);
    }
    expect([...seen].sort()).toEqual(['completed', 'due-soon', 'expired', 'in-progress', 'not-started', 'overdue']);
  });

  test('a row computed under other rules is not used; the records decide', async () => {
    const u = await t.db.selectFrom('users').select(['id', 'hire_date', 'created_at']).where('id', '=', 7).executeTakeFirstOrThrow();
    await t.db.updateTable('status_index').set({ policy_key: 'old-rules', due_on: '2000-01-01' }).where('user_id', '=', u.id).execute();
    expect(await t.training.statusIndex.read(t.db, u, course)).toBeUndefined();
    expect(await t.training.currentAssignment(u, course)).toEqual(await t.training.assignment(u, course));
    await t.training.statusIndex.refresh(t.db, [u.id]);
    expect(await t.training.statusIndex.read(t.db, u, course)).toEqual(await t.training.assignment(u, course));
  });
});
