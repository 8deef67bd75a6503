import { GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent } from '../helpers/http';
import { t } from '../helpers/forms/world';
import { exercise, printStatsAfterAll } from '../helpers/forms/exercise';
import { pagesAnswering5xx } from '../helpers/forms/pages';
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

describe('hostile input on the sign-in, sign-out and one-time-link forms', () => {
  test.each(Object.keys(AUTH_SPECS))('%s: never a 500, a refusal changes nothing and says why, a success is whole', async (route) => {
    await exercise(route, AUTH_SPECS[route]!);
  }, 120_000);

  // After every property above: what they stored must not break a page.
  test('every page still renders afterwards: GET routes as the admin and as each learner never answer 5xx', async () => {
    expect(await pagesAnswering5xx()).toEqual([]);
  }, 120_000);
});

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
