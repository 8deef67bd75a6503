import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn } from '../helpers/http';

// The due-date sentence is said to its audience: "your" to the learner, "their" on the pages about them.

let t: TestApp;
afterAll(async () => { await t.close(); });

test('the learner reads "your start date"; their manager and an admin read "their start date"', async () => {
  t = await buildTestApp();
  const learner = await createPerson(t.db, t.clock, { email: 'lee@riverside.example', role: 'learner', department: 'Nursing/ICU', hireDate: t.clock.now().toISOString().slice(0, 10) });
  await createPerson(t.db, t.clock, { email: 'mgr@riverside.example', role: 'manager', department: 'Nursing' });
  await createPerson(t.db, t.clock, { email: 'ada@riverside.example', role: 'admin' });
  const as = async (email: string) => { const a = newAgent(t.app); await signIn(a, email, GOOD_PASSWORD); return a; };

  for (const url of ['/', '/transcript']) {
    const page = await (await as('lee@riverside.example')).get(url);
    expect(page.text).toMatch(/days after your start date\./);
    expect(page.text).not.toMatch(/their start date/);
  }
  for (const [email, url] of [['mgr@riverside.example', `/team/people/${learner.id}`], ['ada@riverside.example', `/admin/users/${learner.id}`]] as const) {
    const page = await (await as(email)).get(url);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/days after their start date\./);
    expect(page.text).not.toMatch(/your start date/);
  }
});
