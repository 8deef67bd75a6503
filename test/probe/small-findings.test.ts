import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn, type Agent } from '../helpers/http';

// Issue 12, the probe's "Low" and "Info" findings and its "smaller items" (the audit chain key, the
// failed sign-in audit text and the lockout are covered elsewhere). Each test is named after the
// finding it covers and failed before the fix.

let t: TestApp;
let admin: Agent;

beforeAll(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ann Admin' });
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
}, 60_000);

afterAll(async () => { await t?.close(); });

describe('Low', () => {
  test('Low: GET /reports?sort=constructor (or __proto__, valueOf, toString, hasOwnProperty) is a 400 with a message, not a 500', async () => {
    for (const key of ['constructor', '__proto__', 'valueOf', 'toString', 'hasOwnProperty']) {
      for (const query of [`sort=${key}`, `sort=${key}&dir=desc`, `dir=${key}`]) {
        const res = await admin.get(`/reports?${query}`);
        expect([query, res.status]).toEqual([query, 400]);
        expect(res.text).toContain('The report filters could not be used');
      }
    }
    expect((await admin.get('/reports?sort=due_on&dir=desc')).status).toBe(200);
  });
});
