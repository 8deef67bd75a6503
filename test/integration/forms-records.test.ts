import { admin, completionTarget, course, t, tokenOf } from '../helpers/forms/world';
import { printStatsAfterAll } from '../helpers/forms/exercise';
import { describeHostileInput } from '../helpers/forms/describe';
import { RECORDS_SPECS } from '../helpers/forms/specs-records';
import { useWorld } from '../helpers/forms/world';

// Issue 8, "hostile input": every POST route of the app, listed from its own route table, gets random
// hostile bodies from fast-check (random Unicode, lone surrogates, NUL bytes, BOMs, huge values, missing,
// repeated and array fields, prototype keys, broken percent-encoding, odd content types and encodings,
// broken multipart), sent with a valid CSRF token by someone allowed to use the route, at real records
// in the state the route acts on, and sometimes at hostile route parameters. What each answer must
// satisfy, and the deliberate exceptions, are in test/helpers/forms/exercise.ts; the routes' specs in
// test/helpers/forms/specs-*.ts; forms-coverage.test.ts fails when a POST route has no spec.

useWorld();
printStatsAfterAll();

describeHostileInput('hostile input on the training records and certificate forms', RECORDS_SPECS);

// Regression tests for the defects these properties found (all fixed).
describe('defects found by these properties', () => {
  test('a completions CSV naming more than 32,766 distinct employee IDs is checked in chunks: a 400 listing the unknown IDs', async () => {
    const rows = Array.from({ length: 33_000 }, (_v, i) => `X${i},${course.id},2025-06-01,Bulk`);
    const csv = ['employee_id,course_id,completed_at,source', ...rows].join('\n');
    const res = await admin.post('/admin/completions/import').field('_csrf', await tokenOf(admin, '/admin/users/new'))
      .attach('file', Buffer.from(csv), 'history.csv');
    expect(res.status).toBe(400);
  }, 60_000);

  test('a completion dated before 2000 (or before the year 1000) is refused with a message (in-person form and history import)', async () => {
    const token = await tokenOf(admin, '/admin/users/new');
    const before = (await t.db.selectFrom('completions').select('id').execute()).length;
    for (const day of ['0999-12-31', '0001-01-01', '1999-12-31']) {
      const id = await completionTarget();
      // The person page's form answers with the page again and a flash message (post/redirect/get).
      const recorded = await admin.post(`/admin/users/${id}/completions`).type('form')
        .send({ _csrf: token, course_id: course.id, completed_on: day, trainer: 'Tess Trainer', reason: 'Paper sign-in sheet' });
      expect(recorded.status).toBe(303);
      expect((await admin.get(`/admin/users/${id}`)).text).toContain('Nothing was recorded: The session date must be in 2000 or later.');
      const imported = await admin.post('/admin/completions/import').type('form')
        .send({ _csrf: token, csv: `employee_id,course_id,completed_at,source\nH1001,${course.id},${day},Paper` });
      expect(imported.status).toBe(400);
      expect(imported.text).toContain('The completion date must be in 2000 or later.');
    }
    expect((await t.db.selectFrom('completions').select('id').execute()).length).toBe(before);
  });
});
