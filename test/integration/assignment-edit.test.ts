import { parse } from 'csv-parse/sync';
import type { User } from '../../server/db/schema';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';

// Issue 16, rule editing: the edit screen over real HTTP (preview, refusals, audit, versions), a
// published policy as a rule's target, and the "as of" report answering with each rule's values on
// that day. Today is 2 Nov 2026 (Chicago); the tests move the clock forward and leave it there.
const DAY = 86_400_000;
let t: TestApp;
let nina: User;
let phil: User;
let nursingId: number;
let pharmacyId: number;
let ruleId: number;

async function admin(): Promise<Agent> {
  // Signed in afresh each time: the tests move the clock past the session's idle limit.
  const agent = newAgent(t.app);
  await signIn(agent, 'admin@riverside.example', GOOD_PASSWORD);
  return agent;
}

async function csvEmails(url: string): Promise<string[]> {
  const res = await (await admin()).get(url).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  expect(res.status).toBe(200);
  return (parse((res.body as Buffer).toString('utf8'), { bom: true, columns: true }) as Record<string, string>[]).map((r) => r.email!).sort();
}

const fields = (overrides: Record<string, string> = {}) => ({
  action: 'save', name: 'Ward privacy', target: `course:${t.catalogue.courses[0]!.id}`, department: String(nursingId), role: '', job_codes: '',
  starts_on: '2026-10-01', rollout_days: '30', ends_on: '', ...overrides,
});
const ruleRow = () => t.db.selectFrom('assignments').selectAll().where('id', '=', ruleId).executeTakeFirstOrThrow();
const versions = () => t.db.selectFrom('assignment_versions').select(['change', 'effective_on', 'audience', 'ends_on']).where('assignment_id', '=', ruleId).orderBy('id').execute();

beforeAll(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin', hireDate: '2019-01-01' });
  nina = await createPerson(t.db, t.clock, { email: 'nina@riverside.example', name: 'Nina Nurse', department: 'Nursing', hireDate: '2015-03-01', password: null });
  phil = await createPerson(t.db, t.clock, { email: 'phil@riverside.example', name: 'Phil Pharm', department: 'Pharmacy', hireDate: '2016-06-01', password: null });
  const departments = await t.services.people.departments();
  nursingId = departments.find((d) => d.name === 'Nursing')!.id;
  pharmacyId = departments.find((d) => d.name === 'Pharmacy')!.id;
  await t.services.policies.publish({ id: null, label: 'test' }, { slug: 'phones', title: 'Phones on the ward', label: '1', text: 'No photos of patients.', kind: 'material', note: 'First.', minReadSeconds: null });
});
afterAll(async () => { await t.close(); });

test('a rule is saved from the form (day D-3) and the list links to its edit page, filled with its values', async () => {
  const agent = await admin();
  const page = await agent.get('/admin/assignments');
  const saved = await agent.post('/admin/assignments').type('form').send({ _csrf: csrfFrom(page.text), ...fields() });
  expect(saved.status).toBe(303);
  ruleId = (await t.db.selectFrom('assignments').select('id').executeTakeFirstOrThrow()).id;
  expect(await versions()).toEqual([{ change: 'created', effective_on: '2026-11-02', audience: expect.stringContaining(`[${nursingId}]`) as string, ends_on: null }]);

  const list = await agent.get('/admin/assignments');
  expect(list.text).toContain(`href="/admin/assignments/${ruleId}/edit"`);
  const edit = await agent.get(`/admin/assignments/${ruleId}/edit`);
  expect(edit.status).toBe(200);
  expect(edit.text).toContain('value="Ward privacy"');
  expect(edit.text).toContain(`<option value="course:${t.catalogue.courses[0]!.id}" selected>`);
  expect(edit.text).toContain(`<option value="${nursingId}" selected>Nursing</option>`);
  expect(edit.text).toContain('value="30"');
  expect(edit.text).toContain(`action="/admin/assignments/${ruleId}/edit"`);
  expect((await agent.get('/admin/assignments/999999/edit')).status).toBe(404);
  expect((await agent.get('/admin/assignments/abc/edit')).status).toBe(404);
});

test('on day D the rule is moved from Nursing to Pharmacy: refusals change nothing, the preview saves nothing, the save is audited and versioned', async () => {
  t.clock.advance(3 * DAY); // 5 Nov
  const agent = await admin();
  const page = await agent.get(`/admin/assignments/${ruleId}/edit`);
  const url = `/admin/assignments/${ruleId}/edit`;
  const before = await ruleRow();

  const noToken = await agent.post(url).type('form').send(fields({ department: String(pharmacyId) }));
  expect(noToken.status).toBe(403);
  const token = csrfFrom(page.text);
  const hostile = await agent.post(url).type('form').send({ _csrf: token, ...fields({ department: String(pharmacyId), rollout_days: '1e3', starts_on: '2026-02-30', name: 'x\u0007y' }) });
  expect(hostile.status).toBe(400);
  expect(hostile.text).toContain('Roll-out days are a whole number from 1 to 730.');
  expect(hostile.text).toContain('The start must be a real date written YYYY-MM-DD.');
  expect(hostile.text).toContain('The name contains control characters.');
  const backwards = await agent.post(url).type('form').send({ _csrf: token, ...fields({ ends_on: '2026-09-01' }) });
  expect(backwards.status).toBe(400);
  expect(backwards.text).toContain('End on or after the start.');
  const unknown = await agent.post(url).type('form').send({ _csrf: token, ...fields({ target: 'policy:no-such-policy' }) });
  expect(unknown.status).toBe(400);
  expect(unknown.text).toContain('Choose a course or a published policy from the list.');
  const garbled = await agent.post(url).type('form').send({ _csrf: token, ...fields({ target: 'hipaa-social-media', department: '99999999' }) });
  expect(garbled.status).toBe(400);
  expect(garbled.text).toContain('Choose a course or a policy from the list.');
  const missing = await agent.post('/admin/assignments/999999/edit').type('form').send({ _csrf: token, ...fields() });
  expect(missing.status).toBe(404);

  const preview = await agent.post(url).type('form').send({ _csrf: token, ...fields({ action: 'preview', department: String(pharmacyId) }) });
  expect(preview.status).toBe(200);
  expect(preview.text).toContain('This rule matches 1 person; 1 would be due within 14 days.');
  expect(preview.text).toContain(`<option value="${pharmacyId}" selected>Pharmacy</option>`);
  expect(await ruleRow()).toEqual(before);
  expect(await versions()).toHaveLength(1);
  expect(await t.db.selectFrom('audit_events').select('id').where('action', '=', 'assignment.edited').execute()).toEqual([]);

  const saved = await agent.post(url).type('form').send({ _csrf: token, ...fields({ name: 'Ward privacy (Pharmacy)', department: String(pharmacyId) }) });
  expect(saved.status).toBe(303);
  expect(saved.headers.location).toBe('/admin/assignments');
  const list = await agent.get('/admin/assignments');
  expect(list.text).toContain('The assignment &#34;Ward privacy (Pharmacy)&#34; was changed from today.');
  const after = await ruleRow();
  expect([after.name, JSON.parse(after.audience)]).toEqual(['Ward privacy (Pharmacy)', { everyone: false, departmentIds: [pharmacyId], roles: [], jobCodes: [] }]);
  expect((await versions()).map((v) => [v.change, v.effective_on])).toEqual([['created', '2026-11-02'], ['edited', '2026-11-05']]);
  const [event] = await t.db.selectFrom('audit_events').select(['details', 'subject_id']).where('action', '=', 'assignment.edited').execute();
  const d = JSON.parse(event!.details) as { before: { name: string; audience: { departmentIds: number[] } }; after: { name: string; audience: { departmentIds: number[] } }; effective_on: string };
  expect([event!.subject_id, d.before.name, d.before.audience.departmentIds, d.after.name, d.after.audience.departmentIds, d.effective_on])
    .toEqual([String(ruleId), 'Ward privacy', [nursingId], 'Ward privacy (Pharmacy)', [pharmacyId], '2026-11-05']);
  const log = await agent.get('/admin/audit');
  expect(log.text).toContain('edited the assignment “Ward privacy (Pharmacy)” from 2026-11-05');
  // Its people now: Phil, not Nina.
  expect((await t.db.selectFrom('status_index').select('user_id').execute()).map((r) => r.user_id)).toEqual([phil.id]);
  const edit = await agent.get(url);
  expect(edit.text).toContain('In force from');
  expect(edit.text.match(/data-label="Change">(\w+)</g)).toEqual(['data-label="Change">created<', 'data-label="Change">edited<']);
});

test('the report as of D-1 counts the Nursing audience, as of D the Pharmacy one; after the rule ends it counts nobody', async () => {
  const course = t.catalogue.courses[0]!.id;
  const asOf = (day: string) => csvEmails(`/reports/export.csv?course=${course}&assignment=${ruleId}&as_of=${day}`);
  expect(await asOf('2026-11-04')).toEqual([nina.email]);
  expect(await asOf('2026-11-05')).toEqual([phil.email]);
  expect(await csvEmails(`/reports/export.csv?course=${course}&assignment=${ruleId}`)).toEqual([phil.email]);

  t.clock.advance(3 * DAY); // 8 Nov: ended after today
  const agent = await admin();
  const list = await agent.get('/admin/assignments');
  const ended = await agent.post(`/admin/assignments/${ruleId}/end`).type('form').send({ _csrf: csrfFrom(list.text) });
  expect(ended.status).toBe(303);
  expect((await versions()).map((v) => [v.change, v.effective_on, v.ends_on])).toEqual([['created', '2026-11-02', null], ['edited', '2026-11-05', null], ['ended', '2026-11-08', '2026-11-08']]);
  t.clock.advance(2 * DAY); // 10 Nov
  expect(await asOf('2026-11-04')).toEqual([nina.email]);
  expect(await asOf('2026-11-08')).toEqual([phil.email]);
  expect(await asOf('2026-11-09')).toEqual([]);
  // Before the rule was made, its filter matches nobody: the default (every course to everyone) had no rules.
  expect(await asOf('2026-11-01')).toEqual([]);
});

test('a published policy is offered as a target; a policy rule is saved and listed with its title and its signers\' page', async () => {
  const agent = await admin();
  const page = await agent.get('/admin/assignments');
  expect(page.text).toContain('<option value="policy:phones">Policy: Phones on the ward</option>');
  const saved = await agent.post('/admin/assignments').type('form').send({ _csrf: csrfFrom(page.text), ...fields({ name: 'Phones — Nursing', target: 'policy:phones', starts_on: '2026-11-10' }) });
  expect(saved.status).toBe(303);
  const row = await t.db.selectFrom('assignments').select(['id', 'target_type', 'target_id']).where('name', '=', 'Phones — Nursing').executeTakeFirstOrThrow();
  expect([row.target_type, row.target_id]).toEqual(['policy', 'phones']);
  const list = await agent.get('/admin/assignments');
  expect(list.text).toContain('<a href="/admin/policies/phones">Phones — Nursing</a>');
  expect(list.text).toContain('>Policy: Phones on the ward</td>');
  const edit = await agent.get(`/admin/assignments/${row.id}/edit`);
  expect(edit.text).toContain('<option value="policy:phones" selected>');
  const obligations = await t.services.assignments.obligationsOf(nina.id);
  expect(obligations.filter((o) => o.target.type === 'policy').map((o) => o.target.id)).toEqual(['phones']);
});

test('a rule made before versions existed keeps its earlier values: its first edit stores them as its first version', async () => {
  // As a database migrated to 0019 has it: the rule row, no version.
  const legacy = await t.db.insertInto('assignments').values({
    name: 'Legacy Nursing rule', target_type: 'course', target_id: t.catalogue.courses[0]!.id, audience: JSON.stringify({ everyone: false, departmentIds: [nursingId], roles: [], jobCodes: [] }),
    starts_on: '2026-10-01', rollout_days: 30, ends_on: null, created_at: '2026-11-03T15:00:00.000Z', created_by: null, updated_at: '2026-11-03T15:00:00.000Z',
  }).returning('id').executeTakeFirstOrThrow();
  const course = t.catalogue.courses[0]!.id;
  const asOf = (day: string) => csvEmails(`/reports/export.csv?course=${course}&assignment=${legacy.id}&as_of=${day}`);
  expect(await asOf('2026-11-02')).toEqual([]);
  expect(await asOf('2026-11-05')).toEqual([nina.email]);
  const rule = await t.services.assignments.get(legacy.id);
  await t.services.assignments.edit({ id: null, label: 'test' }, legacy.id, { ...rule, audience: { ...rule.audience, departmentIds: [pharmacyId] } });
  const stored = await t.db.selectFrom('assignment_versions').select(['change', 'effective_on', 'audience']).where('assignment_id', '=', legacy.id).orderBy('id').execute();
  expect(stored.map((v) => [v.change, v.effective_on, (JSON.parse(v.audience) as { departmentIds: number[] }).departmentIds])).toEqual([['first', '2026-11-03', [nursingId]], ['edited', '2026-11-10', [pharmacyId]]]);
  expect(await asOf('2026-11-05')).toEqual([nina.email]);
  expect(await asOf('2026-11-10')).toEqual([phil.email]);
});

test('only administrators may open or send the edit form', async () => {
  await createPerson(t.db, t.clock, { email: 'mia@riverside.example', role: 'manager', name: 'Mia Manager', department: 'Nursing' });
  const manager = newAgent(t.app);
  await signIn(manager, 'mia@riverside.example', GOOD_PASSWORD);
  expect((await manager.get(`/admin/assignments/${ruleId}/edit`)).status).toBe(403);
  const token = csrfFrom((await manager.get('/team')).text);
  const before = await ruleRow();
  expect((await manager.post(`/admin/assignments/${ruleId}/edit`).type('form').send({ _csrf: token, ...fields({ name: 'Taken over' }) })).status).toBe(403);
  expect(await ruleRow()).toEqual(before);
});
