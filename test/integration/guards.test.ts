import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';

let t: TestApp;
let ids: Record<string, number>;

beforeAll(async () => {
  t = await buildTestApp();
  const mk = async (key: string, role: 'learner' | 'manager' | 'admin' | 'auditor', department: string | null) =>
    [key, (await createPerson(t.db, t.clock, { email: `${key}@riverside.example`, role, department })).id] as const;
  ids = Object.fromEntries(await Promise.all([
    mk('admin', 'admin', null), mk('auditor', 'auditor', null),
    mk('nursemgr', 'manager', 'Nursing'), mk('icunurse', 'learner', 'Nursing/ICU'),
    mk('pharmacist', 'learner', 'Pharmacy'), mk('learner', 'learner', 'Nursing/ICU'),
  ].map((p) => p)));
});
afterAll(async () => { await t.close(); });

async function as(who: string): Promise<Agent> {
  const agent = newAgent(t.app);
  await signIn(agent, `${who}@riverside.example`, GOOD_PASSWORD);
  return agent;
}

const adminPages = ['/admin/users', '/admin/users/new', '/admin/departments', '/admin/import', '/admin/audit'];

describe('role guards', () => {
  test.each(['/', '/team', ...adminPages])('anonymous GET %s is redirected to sign-in with next=', async (url) => {
    const res = await newAgent(t.app).get(url);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(url)}`);
  });

  test.each(['/team', ...adminPages])('a learner gets 403 at %s', async (url) => {
    const res = await (await as('learner')).get(url);
    expect(res.status).toBe(403);
    expect(res.text).toContain('does not have access');
  });

  test('a manager sees their department and sub-departments; anyone else is a 404, like a missing id', async () => {
    const mgr = await as('nursemgr');
    const team = await mgr.get('/team');
    expect(team.status).toBe(200);
    const report = await mgr.get('/reports');
    expect(report.text).toContain(`/team/people/${ids.icunurse}`);
    expect(report.text).not.toContain(`/team/people/${ids.pharmacist}`);
    expect((await mgr.get(`/team/people/${ids.icunurse}`)).status).toBe(200);
    const outside = await mgr.get(`/team/people/${ids.pharmacist}`);
    expect(outside.status).toBe(404);
    expect(outside.text).not.toContain('pharmacist@riverside.example');
    expect((await mgr.get('/team/people/999999')).status).toBe(404);
    expect((await mgr.get('/admin/users')).status).toBe(403);
  });

  test('an auditor reads everything and changes nothing', async () => {
    const aud = await as('auditor');
    for (const url of ['/admin/users', `/admin/users/${ids.learner}`, '/admin/departments', '/admin/audit', `/team/people/${ids.pharmacist}`]) {
      expect((await aud.get(url)).status).toBe(200);
    }
    expect((await aud.get('/admin/users/new')).status).toBe(403);
    const page = await aud.get('/admin/users');
    const token = csrfFrom(page.text);
    const post = await aud.post(`/admin/users/${ids.learner}/deactivate`).type('form').send({ _csrf: token });
    expect(post.status).toBe(403);
    const still = await t.db.selectFrom('users').select('status').where('id', '=', ids.learner!).executeTakeFirstOrThrow();
    expect(still.status).toBe('active');
  });

  test('anonymous POSTs to admin actions are refused and change nothing', async () => {
    const agent = newAgent(t.app);
    const page = await agent.get('/login');
    const res = await agent.post(`/admin/users/${ids.learner}/deactivate`).type('form').send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2F');
    const still = await t.db.selectFrom('users').select('status').where('id', '=', ids.learner!).executeTakeFirstOrThrow();
    expect(still.status).toBe('active');
  });
});
