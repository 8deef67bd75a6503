import { ROLES, type Role } from '../../server/db/schema';
import { NAVIGATION } from '../../server/http/capabilities';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn, type Agent } from '../helpers/http';

// The navigation each role sees is exactly the set of navigation pages that role can open in the real app.

let t: TestApp;
const agents = new Map<Role, Agent>();

beforeAll(async () => {
  t = await buildTestApp();
  for (const role of ROLES) {
    const email = `${role}@riverside.example`;
    await createPerson(t.db, t.clock, { email, role, department: 'Nursing' });
    const agent = newAgent(t.app);
    await signIn(agent, email, GOOD_PASSWORD);
    agents.set(role, agent);
  }
});
afterAll(async () => { await t.close(); });

function navHrefs(html: string): string[] {
  const nav = /<nav aria-label="Main">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
  return [...nav.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
}

test.each(ROLES)('%s: the links shown are exactly the navigation pages that open', async (role) => {
  const agent = agents.get(role)!;
  const home = await agent.get('/');
  expect(home.status).toBe(200);
  const shown = navHrefs(home.text);
  const opens: string[] = [];
  for (const link of NAVIGATION) {
    const res = await agent.get(link.href);
    expect([200, 403]).toContain(res.status);
    if (res.status === 200) opens.push(link.href);
  }
  expect(shown).toEqual(opens);
});
