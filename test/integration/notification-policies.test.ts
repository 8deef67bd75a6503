import { addDays, dayInZone } from '../../server/dates';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson } from '../helpers/factories';

// Issue 16 meets issue 17: a policy people must sign gets reminders like a course, with its title, the
// version to sign, the due-date sentence and a link to the read-and-sign page. A signature stops them.
// The test clock starts on Monday 2 Nov 2026 at 08:00 in Chicago, the first send hour.
let t: TestApp;
let admin: { id: number; label: string };
let nia: number;

beforeAll(async () => {
  t = await buildTestApp();
  const a = await createPerson(t.db, t.clock, { name: 'Ada Admin', email: 'admin@riverside.example', role: 'admin', hireDate: '2019-01-01' });
  admin = { id: a.id, label: a.email };
  nia = (await createPerson(t.db, t.clock, { name: 'Nia Okafor', email: 'nia@riverside.example', hireDate: '2015-03-01' })).id;
  // Every course and the policy are given by rules, so only the policy is due for Nia in this test's window.
  for (const c of t.catalogue.courses) {
    await t.services.assignments.create(admin, { name: `Everyone ${c.id}`, target: { type: 'course', id: c.id }, audience: { everyone: true, departmentIds: [], roles: [], jobCodes: [] }, startsOn: '2026-11-02', rolloutDays: 90, endsOn: null });
  }
  await t.services.policies.publish(admin, { slug: 'conduct', title: 'Code of conduct', label: '1', text: 'Be kind.', kind: 'material', note: 'First.', minReadSeconds: null });
  await t.services.assignments.create(admin, { name: 'Everyone conduct', target: { type: 'policy', id: 'conduct' }, audience: { everyone: true, departmentIds: [], roles: [], jobCodes: [] }, startsOn: '2026-11-02', rolloutDays: 14, endsOn: null });
});
afterAll(async () => { await t.close(); });

const policyRows = () => t.db.selectFrom('outbox').selectAll().where('key', 'like', '%:policy:%').where('user_id', '=', nia).orderBy('key').execute();

test('the policy\'s reminder names it, says why it is due and links to the read-and-sign page', async () => {
  const today = dayInZone(t.clock.now(), t.config.timeZone);
  await t.services.notifications.run();
  const [due] = await policyRows();
  expect(due?.key).toBe(`due-soon:${nia}:policy:conduct:1:14`);
  expect(due!.subject).toContain('Code of conduct (read and sign version 1)');
  expect(due!.text_body).toContain(`Due 16 Nov 2026: 14 days after this policy was rolled out to everyone on 2 Nov 2026.`);
  expect(due!.text_body).toContain('/policies/conduct');
  expect(addDays(today, 14)).toBe('2026-11-16');
});

test('after signing, no further reminder is planned for it', async () => {
  const user = await t.db.selectFrom('users').selectAll().where('id', '=', nia).executeTakeFirstOrThrow();
  const page = await t.services.policies.readingPage(user, 'conduct');
  await t.services.policies.acknowledge({ id: nia, label: user.email }, user, 'conduct', page.versionId, 'Nia Okafor');
  t.clock.advance(11 * 86_400_000);
  await t.services.notifications.run();
  expect((await policyRows()).map((r) => r.key)).toEqual([`due-soon:${nia}:policy:conduct:1:14`]);
});
