import { statusSql } from '../../server/reports/status-sql';
import { statusOn, type Thresholds } from '../../server/training/status';
import { addDays } from '../../server/dates';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson } from '../helpers/factories';

let t: TestApp;
beforeAll(async () => { t = await buildTestApp(); });
afterAll(async () => { await t.close(); });

describe('the SQL status expression', () => {
  test('agrees with statusOn for every kind, started flag and day around each boundary', async () => {
    const u = await createPerson(t.db, t.clock, { email: 'grid@riverside.example', password: null });
    const cases: Thresholds[] = [];
    for (const started of [false, true]) {
      cases.push({ kind: 'onboarding', opensOn: '2026-11-01', graceUntil: '2026-12-01', validUntil: '9999-12-31', started });
      cases.push({ kind: 'annual', opensOn: '2027-01-14', graceUntil: '2027-03-15', validUntil: '2027-03-15', started });
      cases.push({ kind: 'annual', opensOn: '2027-01-14', graceUntil: '2027-03-29', validUntil: '2027-03-15', started });
      cases.push({ kind: 'annual', opensOn: '2027-01-14', graceUntil: '2027-03-15', validUntil: '2027-04-01', started });
    }
    let checked = 0;
    for (const th of cases) {
      await t.db.deleteFrom('status_index').execute();
      await t.db.insertInto('status_index').values({
        user_id: u.id, course_id: 'c', cycle: 'x', kind: th.kind, due_on: th.graceUntil, opens_on: th.opensOn, grace_until: th.graceUntil,
        valid_until: th.validUntil, started: th.started ? 1 : 0, last_completion_id: null, last_completed_on: null, last_valid_until: null,
        score: null, content_hash: null, certificate_id: null, certificate_code: null, source: null, recorded_by: null, policy_key: 'k', updated_at: 'now',
      }).execute();
      const days = [th.opensOn, th.graceUntil, th.validUntil === '9999-12-31' ? '2030-01-01' : th.validUntil].flatMap((d) => [addDays(d, -1), d, addDays(d, 1)]);
      for (const today of days) {
        const row = await t.db.selectFrom('status_index').select(statusSql(today).as('s')).executeTakeFirstOrThrow();
        expect({ today, th, status: row.s }).toEqual({ today, th, status: statusOn(th, today) });
        checked += 1;
      }
    }
    expect(checked).toBe(72);
  });

  test('agrees with statusOn around an exemption\'s first and last day, closed and open-ended, over each kind', async () => {
    const u = await createPerson(t.db, t.clock, { email: 'exempt-grid@riverside.example', password: null });
    const windows: { from: string; until: string | null }[] = [{ from: '2027-02-01', until: '2027-03-10' }, { from: '2027-02-01', until: null }];
    const kinds: Thresholds[] = [
      { kind: 'onboarding', opensOn: '2027-01-01', graceUntil: '2027-02-15', validUntil: '9999-12-31', started: false },
      { kind: 'annual', opensOn: '2027-01-14', graceUntil: '2027-03-01', validUntil: '2027-03-01', started: true },
    ];
    let checked = 0;
    for (const w of windows) {
      for (const k of kinds) {
        const th: Thresholds = { ...k, exempt: w };
        await t.db.deleteFrom('status_index').execute();
        await t.db.insertInto('status_index').values({
          user_id: u.id, course_id: 'c', cycle: 'x', kind: th.kind, due_on: th.graceUntil, opens_on: th.opensOn, grace_until: th.graceUntil,
          valid_until: th.validUntil, started: th.started ? 1 : 0, last_completion_id: null, last_completed_on: null, last_valid_until: null,
          score: null, content_hash: null, certificate_id: null, certificate_code: null, source: null, recorded_by: null, policy_key: 'k', updated_at: 'now',
          exempt_from: w.from, exempt_until: w.until, exempt_reason: 'On leave.',
        }).execute();
        const days = [w.from, w.until ?? '2031-06-01', th.graceUntil].flatMap((d) => [addDays(d, -1), d, addDays(d, 1)]);
        for (const today of days) {
          const row = await t.db.selectFrom('status_index').select(statusSql(today).as('s')).executeTakeFirstOrThrow();
          expect({ today, th, status: row.s }).toEqual({ today, th, status: statusOn(th, today) });
          checked += 1;
        }
      }
    }
    expect(checked).toBe(36);
  });
});
