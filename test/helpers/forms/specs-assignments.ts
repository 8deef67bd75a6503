import { withSchemaFields } from './schema-fields';
import { locationOf, must, one } from './types';
import { asAdmin, course, ids, t, TODAY, uniq } from './world';

// Issue 16: the assignment form (preview or save, new or edit), ending an assignment, granting and ending an exemption.

const POLICY = 'forms-rule-policy';

export const ASSIGNMENT_VALUES = ['preview', 'save', 'Nursing privacy', 'hipaa-social-media', 'no-such-course', 'course:hipaa-social-media', 'course:no-such-course', `policy:${POLICY}`,
  'policy:no-such-policy', 'policy:', 'course', '1', '2', '999999', 'learner', 'admin', 'RN1, RN2', 'RN 1',
  '=cmd', TODAY, '2026-02-30', '2027-01-01', '60', '0', '731', '-5', '', 'Trained at Lakeside General.', 'On leave until spring.'];

/** An assignment for the routes that need one, made through the service (audited as the test). */
async function anAssignment(): Promise<number> {
  return t.services.assignments.create({ id: ids.admin, label: 'test' }, {
    name: `Spec rule ${uniq()}`, target: { type: 'course', id: course.id }, audience: { everyone: true, departmentIds: [], roles: [], jobCodes: [] },
    startsOn: '2026-01-01', rolloutDays: 60, endsOn: null,
  });
}

/** A published policy a rule may target, published once through the service. */
async function aPolicy(): Promise<string> {
  if (!(await t.services.assignments.policyChoices()).some((p) => p.slug === POLICY)) {
    await t.services.policies.publish({ id: ids.admin, label: 'test' }, { slug: POLICY, title: 'Phones on the ward', label: '1', text: 'No photos of patients.', kind: 'material', note: 'First.', minReadSeconds: null });
  }
  return `policy:${POLICY}`;
}

/** The form of a rule, valid as it stands: a course or (every other run) a published policy. */
async function ruleBase(): Promise<[string, string][]> {
  const n = uniq();
  return [['action', n % 2 ? 'save' : 'preview'], ['name', `Rule ${n}`], ['target', n % 3 === 0 ? await aPolicy() : `course:${course.id}`], ['department', ''], ['role', 'learner'],
    ['job_codes', ''], ['starts_on', TODAY], ['rollout_days', '60'], ['ends_on', '']];
}

export const ASSIGNMENT_SPECS = withSchemaFields({
  'POST /admin/assignments': {
    target: asAdmin,
    values: () => ASSIGNMENT_VALUES,
    bases: async () => [await ruleBase()],
    effect: async ({ app, res, events }) => {
      const [created] = one(events, 'assignment.created');
      if (res.status === 200) {
        must(!created && res.text.includes('This rule matches'), 'a preview answered 200 without its sentence, or created a rule');
        return;
      }
      must(locationOf(res) === '/admin/assignments', `unexpected redirect ${locationOf(res)}`);
      must(created, 'a saved assignment was not audited');
      const row = await app.db.selectFrom('assignments').select(['id', 'target_type', 'target_id']).where('id', '=', Number(created!.subject_id)).executeTakeFirst();
      must(row, 'the audited assignment is not stored');
      must(row!.target_type !== 'policy' || row!.target_id === POLICY, `a rule targets the unpublished policy ${row!.target_id}`);
      const versions = await app.db.selectFrom('assignment_versions').select('change').where('assignment_id', '=', row!.id).execute();
      must(versions.length === 1 && versions[0]!.change === 'created', 'a new rule was not stored as its first version');
    },
    notice: true,
  },
  'POST /admin/assignments/:id/edit': {
    target: asAdmin,
    values: () => ASSIGNMENT_VALUES,
    params: async () => ({ id: String(await anAssignment()) }),
    bases: async () => [await ruleBase()],
    effect: async ({ app, res, params, events }) => {
      const [edited] = one(events, 'assignment.edited');
      if (res.status === 200) {
        must(!edited && res.text.includes('This rule matches'), 'a preview of an edit answered 200 without its sentence, or changed the rule');
        return;
      }
      must(locationOf(res) === '/admin/assignments', `unexpected redirect ${locationOf(res)}`);
      must(edited && edited.subject_id === params.id, 'a saved edit was not audited on its rule');
      const after = (JSON.parse(edited!.details) as { after: { name: string; target: string } }).after;
      const row = await app.db.selectFrom('assignments').select(['name', 'target_type', 'target_id']).where('id', '=', Number(params.id)).executeTakeFirstOrThrow();
      must(row.name === after.name && `${row.target_type}:${row.target_id}` === after.target, 'the rule is not what the audit says it was changed to');
      const last = await app.db.selectFrom('assignment_versions').select(['change', 'name', 'effective_on']).where('assignment_id', '=', Number(params.id)).orderBy('id', 'desc').executeTakeFirstOrThrow();
      must(last.change === 'edited' && last.name === row.name && last.effective_on === TODAY, 'the edit was not stored as a version in force from today');
    },
    notice: true,
  },
  'POST /admin/assignments/:id/end': {
    target: asAdmin, values: () => [],
    params: async () => ({ id: String(await anAssignment()) }),
    effect: async ({ app, res, params, events }) => {
      must(locationOf(res) === '/admin/assignments', `unexpected redirect ${locationOf(res)}`);
      must(one(events, 'assignment.ended').length === 1, 'ending an assignment was not audited');
      const row = await app.db.selectFrom('assignments').select('ends_on').where('id', '=', Number(params.id)).executeTakeFirstOrThrow();
      must(row.ends_on === TODAY, `the assignment ends on ${row.ends_on}, not today`);
    },
    notice: true,
  },
  'POST /admin/exemptions': {
    target: asAdmin,
    values: () => [...ASSIGNMENT_VALUES, String(ids.victim)],
    // Random CSV files as the evidence part (a CSV is accepted evidence); the base sends none or a small one.
    csv: { columns: ['certificate', 'date'], cells: () => ['Lakeside General', '2026-10-03', '=HYPERLINK("x")', ''], bulkRow: (i) => [`Course ${i}`, '2026-10-03'] },
    bases: async () => {
      const fields: [string, string][] = [['person', String(ids.victim)], ['assignment', String(await anAssignment())], ['reason', 'Trained at Lakeside General.'], ['until', uniq() % 2 ? '' : '2027-01-01']];
      return [fields, [...fields, ['csv', 'certificate,date\r\nLakeside General,2026-10-03\r\n']]];
    },
    effect: async ({ app, res, events }) => {
      must(locationOf(res) === `/admin/users/${ids.victim}/assignments`, `unexpected redirect ${locationOf(res)}`);
      const [granted] = one(events, 'exemption.granted');
      must(granted, 'a granted exemption was not audited');
      const d = JSON.parse(granted!.details) as { exemption: number; sha256?: string };
      const row = await app.db.selectFrom('exemptions').select(['id', 'evidence_sha256']).where('id', '=', d.exemption).where('user_id', '=', ids.victim).executeTakeFirst();
      must(row, 'the audited exemption is not stored for that person');
      must((row!.evidence_sha256 ?? undefined) === d.sha256, 'the audited evidence is not the file kept');
    },
    notice: true,
  },
  'POST /admin/users/:id/move': {
    target: asAdmin,
    values: () => [...ASSIGNMENT_VALUES, 'manager', 'auditor', 'Registered nurse', '2026-10-01', '2099-01-01'],
    params: async () => ({ id: String(ids.victim) }),
    bases: async () => [[['department', ''], ['role', 'learner'], ['job_code', `RN${uniq() % 3}`], ['job_title', 'Registered nurse'], ['effective_on', uniq() % 2 ? TODAY : '2026-10-01']]],
    effect: async ({ app, res, params, events }) => {
      must(locationOf(res) === `/admin/users/${params.id}/assignments`, `unexpected redirect ${locationOf(res)}`);
      const [moved] = one(events, 'user.moved');
      if (!moved) return;
      const d = JSON.parse(moved.details) as { effective_on: string; to: { job_code: string | null; role: string } };
      const user = await app.db.selectFrom('users').select(['job_code', 'role']).where('id', '=', Number(params.id)).executeTakeFirstOrThrow();
      must(user.job_code === d.to.job_code && user.role === d.to.role, 'the audited move is not the person\'s current facts');
      const last = await app.db.selectFrom('person_history').select(['effective_on', 'job_code']).where('user_id', '=', Number(params.id)).orderBy('effective_on', 'desc').executeTakeFirstOrThrow();
      must(last.effective_on === d.effective_on && last.job_code === d.to.job_code, 'the history does not end with the audited move');
    },
    notice: true,
  },
  'POST /admin/exemptions/:id/end': {
    target: asAdmin, values: () => [],
    params: async () => {
      const assignmentId = await anAssignment();
      return { id: String(await t.services.assignments.grantExemption({ id: ids.admin, label: 'test' }, 'Ann Admin', { userId: ids.victim, assignmentId, reason: 'On leave.', until: null })) };
    },
    effect: async ({ app, res, params, events }) => {
      must(locationOf(res) === `/admin/users/${ids.victim}/assignments`, `unexpected redirect ${locationOf(res)}`);
      must(one(events, 'exemption.ended').length === 1, 'ending an exemption was not audited');
      const row = await app.db.selectFrom('exemptions').select('until').where('id', '=', Number(params.id)).executeTakeFirstOrThrow();
      must(row.until === TODAY, `the exemption lasts until ${row.until}, not today`);
    },
    notice: true,
  },
});
