import { GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent } from '../helpers/http';
import { t } from '../helpers/forms/world';
import { printStatsAfterAll } from '../helpers/forms/exercise';
import { describeHostileInput } from '../helpers/forms/describe';
import { AUTH_SPECS } from '../helpers/forms/specs-auth';
import { useWorld } from '../helpers/forms/world';

// Issue 8, "hostile input": every POST route of the app, listed from its own route table, gets random
// hostile bodies from fast-check (random Unicode, lone surrogates, NUL bytes, BOMs, huge values, missing,
// repeated and array fields, prototype keys, broken percent-encoding, odd content types and encodings,
// broken multipart), sent with a valid CSRF token by someone allowed to use the route, at real records
// in the state the route acts on, and sometimes at hostile route parameters. What each answer must
// satisfy, and the deliberate exceptions, are in test/helpers/forms/exercise.ts; the routes' specs in
// test/helpers/forms/specs-*.ts; forms-coverage.test.ts fails when a POST route has no spec.

useWorld();
printStatsAfterAll();

describeHostileInput('hostile input on the sign-in, sign-out and one-time-link forms', AUTH_SPECS);

// Regression tests for the defects these properties found (all fixed).
describe('defects found by these properties', () => {
  test('sign-in with a repeated or overlong `next` field signs in and lands on the dashboard', async () => {
    for (const next of [['/a', '/b'], [`/${'x'.repeat(600)}`]]) {
      const agent = newAgent(t.app);
      const token = csrfFrom((await agent.get('/login')).text);
      await t.db.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('email_normalized', '=', 'login.target@riverside.example').execute();
      const res = await agent.post('/login').type('form')
        .send([`_csrf=${encodeURIComponent(token)}`, 'email=login.target%40riverside.example', `password=${encodeURIComponent(GOOD_PASSWORD)}`, ...next.map((n) => `next=${encodeURIComponent(n)}`)].join('&'));
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/');
    }
  });
});
