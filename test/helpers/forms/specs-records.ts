import { locationOf, must, one } from './types';
import { withSchemaFields } from './schema-fields';
import { asAdmin, completionTarget, course, csvLine, TODAY, uniq, validCertificate } from './world';

// The admin's training records: in-person completions, the history import, certificates.

export const RECORDS_SPECS = withSchemaFields({
  'POST /admin/users/:id/completions': {
    target: asAdmin,
    values: () => [course.id, 'no-such-course', '2026-10-01', TODAY, '2026-11-03', '2026-02-30', '1000-01-01', '0999-12-31', '0001-01-01', '9999-12-31', 'Tess Trainer', 'Paper sign-in sheet'],
    params: async () => ({ id: String(await completionTarget()) }),
    bases: async () => [[['course_id', course.id], ['completed_on', '2026-10-01'], ['trainer', 'Tess Trainer'], ['reason', 'Paper sign-in sheet']]],
    effect: async ({ app, res, params, events, delta }) => {
      must(locationOf(res) === `/admin/users/${params.id}#training`, `unexpected redirect ${locationOf(res)}`);
      must(delta('completions') === one(events, 'completion.recorded').length, 'completions and completion.recorded events disagree');
      if (!one(events, 'completion.recorded').length) return;
      const completion = await app.db.selectFrom('completions').selectAll().where('user_id', '=', Number(params.id)).executeTakeFirst();
      must(completion?.source === 'in-person', 'a recorded completion is missing');
    },
    notice: true,
  },
  'POST /admin/completions/import': {
    target: asAdmin,
    values: () => ['H1001', 'V1001', course.id, '2025-06-01', '2025-06-01T09:00:00Z', '2027-06-01', TODAY, '2026-11-03', '1000-01-01', '0999-12-31', 'HealthStream 2025'],
    csv: {
      columns: ['employee_id', 'course_id', 'completed_at', 'source', 'expires_at'],
      cells: () => ['H1001', 'V1001', 'G1001', 'nobody', course.id, '2025-06-01', '2024-01-31', '2027-06-01', '1000-01-01', '0001-01-01', '9999-12-31', 'HealthStream 2025', ''],
      bulkRow: (i) => [i % 2 ? 'H1001' : `X${i}`, course.id, '2025-06-01', 'Bulk', ''],
    },
    bases: async () => {
      const day = `2025-0${1 + (uniq() % 9)}-15`;
      return [[['csv', ['employee_id,course_id,completed_at,source', csvLine(['H1001', course.id, day, 'HealthStream 2025'])].join('\n')]]];
    },
    effect: ({ events, delta }) => {
      const [imported] = one(events, 'completions.imported');
      must(imported, 'an import answered success without its completions.imported event');
      const details = JSON.parse(imported!.details) as { added: number };
      must(delta('completions') === details.added, `the import reports ${details.added} completions added, the table gained ${delta('completions')}`);
    },
    notice: true,
  },
  'POST /admin/certificates/:id/revoke': {
    target: asAdmin,
    values: () => ['Issued in error', 'x'.repeat(501), 'Wrong person'],
    params: async () => ({ id: String((await validCertificate()).id) }),
    bases: async () => [[['reason', 'Issued in error']]],
    effect: async ({ app, params, events }) => {
      if (!one(events, 'certificate.revoked').length) return;
      const cert = await app.db.selectFrom('certificates').selectAll().where('id', '=', Number(params.id)).executeTakeFirstOrThrow();
      must(cert.status === 'revoked' && cert.revoked_reason, 'revocation audited but the certificate is not revoked');
    },
    notice: true,
  },
  'POST /admin/certificates/:id/reissue': {
    target: asAdmin, values: () => [],
    params: async () => ({ id: String((await validCertificate()).id) }),
    effect: async ({ app, params, events }) => {
      if (!one(events, 'certificate.reissued').length) return;
      const cert = await app.db.selectFrom('certificates').selectAll().where('id', '=', Number(params.id)).executeTakeFirstOrThrow();
      must(cert.status === 'replaced' && cert.replaced_by, 'reissue audited but the old certificate is not replaced');
    },
    notice: true,
  },
});
