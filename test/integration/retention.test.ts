import { purgeBefore, earliestAllowedCutoff } from '../../server/training/retention';
import { recordInPerson } from '../../server/training/record';
import { setUserStatus } from '../../server/users/service';
import { verifyAuditChain } from '../../server/audit/service';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson } from '../helpers/factories';

let t: TestApp;
beforeEach(async () => { t = await buildTestApp(); });
afterEach(async () => { await t.close(); });

const ADMIN = { id: null, label: 'test' };

describe('retention', () => {
  test('only records out of effect for six years go; younger ones and deactivated people\u2019s stay; the purge is audited', async () => {
    const course = t.catalogue.courses[0]!;
    const inPerson = (day: string) => ({ course_id: course.id, completed_on: day, trainer: 'Aisha Rahman', reason: 'Paper records' });
    const oldTimer = await createPerson(t.db, t.clock, { email: 'old@riverside.example', hireDate: '2017-01-01' });
    const recent = await createPerson(t.db, t.clock, { email: 'recent@riverside.example', hireDate: '2024-01-01' });
    const leaver = await createPerson(t.db, t.clock, { email: 'leaver@riverside.example', hireDate: '2022-01-01' });
    await recordInPerson(t.training, ADMIN, oldTimer, course, inPerson('2018-03-01'));
    await recordInPerson(t.training, ADMIN, recent, course, inPerson('2026-06-01'));
    await recordInPerson(t.training, ADMIN, leaver, course, inPerson('2023-05-01'));
    await setUserStatus(t.uow, t.clock, { id: null, label: 'test' }, leaver.id, 'deactivated');

    // Today is 2 Nov 2026: nothing later than 2 Nov 2020 may be purged.
    expect(earliestAllowedCutoff(t.training.today())).toBe('2020-11-02');
    await expect(purgeBefore(t.training, ADMIN, '2021-01-01')).rejects.toThrow(/kept six years/);
    expect(await t.db.selectFrom('completions').select('id').execute()).toHaveLength(3);

    const counts = await purgeBefore(t.training, ADMIN, '2020-11-02');
    expect(counts).toMatchObject({ completions: 1, certificates: 1 });
    const left = await t.db.selectFrom('completions').select('user_id').orderBy('user_id').execute();
    expect(left.map((c) => c.user_id)).toEqual([recent.id, leaver.id]);
    expect(await t.db.selectFrom('certificates').select('id').execute()).toHaveLength(2);
    const event = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'retention.purged').executeTakeFirstOrThrow();
    expect(JSON.parse(event.details)).toMatchObject({ before: '2020-11-02', completions: 1, certificates: 1 });
    // The audit log itself is untouched and still verifies.
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
    const status = await t.db.selectFrom('status_index').selectAll().where('user_id', '=', oldTimer.id).executeTakeFirstOrThrow();
    expect(status.last_completion_id).toBeNull();
  });

  test('an attempt never submitted goes with the answers saved in it; a younger one keeps them', async () => {
    const course = t.catalogue.courses[0]!;
    const person = await createPerson(t.db, t.clock, { email: 'open@riverside.example', hireDate: '2017-01-01' });
    const attempt = (startedAt: string) => t.db.insertInto('quiz_attempts').values({
      user_id: person.id, course_id: course.id, cycle: 'onboarding', content_hash: course.contentHash, served: '[]', started_at: startedAt,
      submitted_at: null, answers: null, correct_count: null, question_count: 12, score: null, passed: null,
    }).returning('id').executeTakeFirstOrThrow();
    const old = await attempt('2018-01-01T10:00:00.000Z');
    const young = await attempt('2026-10-01T10:00:00.000Z');
    for (const a of [old, young]) {
      await t.db.insertInto('quiz_saved_answers').values({ attempt_id: a.id, question_id: 'q1', choices: '["a"]', saved_at: '2026-10-01T10:00:00.000Z' }).execute();
    }
    expect(await purgeBefore(t.training, ADMIN, '2020-11-02')).toMatchObject({ attempts: 1 });
    expect((await t.db.selectFrom('quiz_saved_answers').select('attempt_id').execute()).map((r) => r.attempt_id)).toEqual([young.id]);
    expect((await t.db.selectFrom('quiz_attempts').select('id').execute()).map((r) => r.id)).toEqual([young.id]);
  });
});
