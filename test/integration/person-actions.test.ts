import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn } from '../helpers/http';
import { completeCourse } from '../helpers/learner';

// The revoke, reissue and in-person forms on a person's page follow the capability map, like the
// navigation: shown to a viewer exactly when the route behind them would let that viewer use it.

let t: TestApp;
let learnerId: number;
let certId: number;
afterAll(async () => { await t.close(); });

beforeAll(async () => {
  t = await buildTestApp();
  const course = t.catalogue.courses[0]!;
  const learner = await createPerson(t.db, t.clock, { email: 'rosa@riverside.example', role: 'learner', department: 'Nursing/ICU', name: 'Rosa Quill' });
  learnerId = learner.id;
  await createPerson(t.db, t.clock, { email: 'mgr@riverside.example', role: 'manager', department: 'Nursing' });
  await createPerson(t.db, t.clock, { email: 'ada@riverside.example', role: 'admin' });
  await createPerson(t.db, t.clock, { email: 'aud@riverside.example', role: 'auditor' });
  const agent = newAgent(t.app);
  await signIn(agent, 'rosa@riverside.example', GOOD_PASSWORD);
  await completeCourse(agent, course, 'Rosa Quill', t.clock);
  certId = (await t.db.selectFrom('certificates').select('id').executeTakeFirstOrThrow()).id;
});

async function pageAs(email: string, url: string) {
  const agent = newAgent(t.app);
  await signIn(agent, email, GOOD_PASSWORD);
  const page = await agent.get(url);
  expect(page.status).toBe(200);
  // The certificate is listed for every viewer, so a missing form is the rule at work, not a missing row.
  expect(page.text).toContain(`/certificates/${certId}.pdf`);
  return {
    revoke: page.text.includes(`action="/admin/certificates/${certId}/revoke"`),
    reissue: page.text.includes(`action="/admin/certificates/${certId}/reissue"`),
    record: page.text.includes(`action="/admin/users/${learnerId}/completions"`),
  };
}

const all = { revoke: true, reissue: true, record: true };
const none = { revoke: false, reissue: false, record: false };

test('an admin sees the certificate and in-person forms on the admin person page and the team person page', async () => {
  expect(await pageAs('ada@riverside.example', `/admin/users/${learnerId}`)).toEqual(all);
  expect(await pageAs('ada@riverside.example', `/team/people/${learnerId}`)).toEqual(all);
});

test('an auditor and a manager, whose roles may not revoke or record, see none of them', async () => {
  expect(await pageAs('aud@riverside.example', `/admin/users/${learnerId}`)).toEqual(none);
  expect(await pageAs('aud@riverside.example', `/team/people/${learnerId}`)).toEqual(none);
  expect(await pageAs('mgr@riverside.example', `/team/people/${learnerId}`)).toEqual(none);
});
