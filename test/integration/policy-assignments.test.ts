import { parse } from 'csv-parse/sync';
import type { User } from '../../server/db/schema';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn, type Agent } from '../helpers/http';

// Issue 16: a policy given by assignment rules. Once a rule names the policy, only its audience must sign,
// due the roll-out days after the rule started (or after the version to sign was published, if later);
// an exemption shows as exempt with its reason; a move out of the audience takes the obligation away.
// Today is 2 Nov 2026 (Chicago).

const TODAY = '2026-11-02';
const DAY = 86_400_000;
let t: TestApp;
let admin: User;
let nurse: User;
let pharmacist: User;
let ruleId: number;

const actor = () => ({ id: admin.id, label: admin.email });
const signedIn = async (email: string): Promise<Agent> => {
  const agent = newAgent(t.app);
  await signIn(agent, email, GOOD_PASSWORD);
  return agent;
};
const report = async (): Promise<Record<string, string>[]> => {
  const res = await (await signedIn('admin@riverside.example')).get('/reports/policies/conduct/export.csv');
  expect(res.status).toBe(200);
  return parse(res.text, { bom: true, columns: true }) as Record<string, string>[];
};
const card = async (email: string): Promise<string | undefined> => {
  const page = (await (await signedIn(email)).get('/')).text;
  const m = /<h3><a href="\/policies\/conduct">[^<]*<\/a><\/h3>\s*<p class="assignment">([\s\S]*?)<\/p>/.exec(page);
  return m ? m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() : undefined;
};

beforeAll(async () => {
  t = await buildTestApp();
  admin = await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin', hireDate: '2019-01-01' });
  nurse = await createPerson(t.db, t.clock, { email: 'nia@riverside.example', name: 'Nia Okafor', department: 'Nursing', hireDate: '2012-04-01' });
  pharmacist = await createPerson(t.db, t.clock, { email: 'paz@riverside.example', name: 'Paz Ortega', department: 'Pharmacy', hireDate: '2016-09-12' });
  await t.services.policies.publish(actor(), { slug: 'conduct', title: 'Code of conduct', label: '1', text: 'Be kind.', kind: 'material', note: 'First.', minReadSeconds: null });
});
afterAll(async () => { await t.close(); });

describe('a policy given by assignment rules', () => {
  test('with no rules everyone active must sign it; a rule for Nursing narrows it to Nursing, due 60 days after the roll-out', async () => {
    expect((await report()).map((r) => r.name).sort()).toEqual(['Ada Admin', 'Nia Okafor', 'Paz Ortega']);
    const nursing = (await t.db.selectFrom('departments').select('id').where('name', '=', 'Nursing').executeTakeFirstOrThrow()).id;
    ruleId = await t.services.assignments.create(actor(), {
      name: 'Nursing conduct', target: { type: 'policy', id: 'conduct' }, audience: { everyone: false, departmentIds: [nursing], roles: [], jobCodes: [] },
      startsOn: TODAY, rolloutDays: 60, endsOn: null,
    });
    const rows = await report();
    expect(rows.map((r) => [r.name, r.status, r.course_id, r.policy_version, r.assignment, r.due_on]))
      .toEqual([['Nia Okafor', 'not-started', 'conduct', '1', 'Nursing conduct', '2027-01-01']]);
    expect(await card('nia@riverside.example')).toBe('Not started Due 1 Jan 2027: 60 days after this policy was rolled out to Nursing on 2 Nov 2026.');
    expect(await card('paz@riverside.example')).toBeUndefined();
    // The team page counts the policy's audience: one person, nobody signed, nobody overdue yet.
    const team = (await (await signedIn('admin@riverside.example')).get('/team')).text;
    expect(team).toMatch(/<h2 id="by-policy">Policies to sign<\/h2>[\s\S]*?<a href="\/reports\/policies\/conduct">Code of conduct<\/a><\/th><td data-label="People">1<\/td><td data-label="Signed">0% \(0\)<\/td>/);
    // The pharmacist may still read it, but nothing is due.
    const page = (await (await signedIn('paz@riverside.example')).get('/policies/conduct')).text;
    expect(page).not.toContain('rolled out');
  });

  test('a material change later gives the audience a fresh window from its publication', async () => {
    t.clock.advance(10 * DAY);
    await t.services.policies.publish(actor(), { slug: 'conduct', title: 'Code of conduct', label: '2', text: 'Be kind. Be discreet.', kind: 'material', note: 'Discretion.', minReadSeconds: null });
    expect(await card('nia@riverside.example')).toBe('Not started Due 11 Jan 2027: 60 days after version 2 was published on 12 Nov 2026.');
    expect((await report()).map((r) => [r.name, r.policy_version, r.due_on])).toEqual([['Nia Okafor', '2', '2027-01-11']]);
    // The admin's page of her assignments says the same, to an admin.
    const person = (await (await signedIn('admin@riverside.example')).get(`/admin/users/${nurse.id}/assignments`)).text;
    expect(person).toContain('Policy: Code of conduct');
    expect(person).toContain('Due 11 Jan 2027: 60 days after version 2 was published on 12 Nov 2026.');
  });

  test('an exemption shows as exempt, with its reason, in the report and on the dashboard; a fresh window after it ends', async () => {
    await t.services.assignments.grantExemption(actor(), 'Ada Admin', { userId: nurse.id, assignmentId: ruleId, reason: 'Signed at the sister hospital.', until: '2026-12-01' });
    expect((await report()).map((r) => [r.status, r.exempt_reason])).toEqual([['exempt', 'Signed at the sister hospital.']]);
    expect(await card('nia@riverside.example')).toBe('Exempt Exempt until 1 Dec 2026: Signed at the sister hospital.');
    t.clock.advance(25 * DAY);
    // The day after the exemption: a fresh roll-out window from 2 Dec.
    expect((await report()).map((r) => [r.status, r.due_on, r.exempt_reason])).toEqual([['not-started', '2027-01-31', '']]);
    expect(await card('nia@riverside.example')).toBe('Not started Due 31 Jan 2027: 60 days from 2 Dec 2026, the day after your exemption ended.');
  });

  test('moving out of Nursing takes the obligation away; the signature history stays', async () => {
    await t.services.assignments.move(actor(), nurse.id, { departmentId: pharmacist.department_id, role: 'learner', jobCode: null, jobTitle: null, effectiveOn: t.services.training.today() });
    expect(await report()).toEqual([]);
    expect(await card('nia@riverside.example')).toBeUndefined();
    expect(await t.db.selectFrom('policy_versions').select('id').execute()).toHaveLength(2);
  });
});
