import fc from 'fast-check';
import { z } from 'zod';
import { fieldsOf } from '../../server/http/validate';
import { REQUEST_SCHEMAS } from '../../server/request-schemas';
import { humanMessage } from '../helpers/forms/checks';
import { BROKEN, enc, NASTY, PROTO_KEYS } from '../helpers/forms/generators';
import { admin, course, ids, t, TODAY, useWorld } from '../helpers/forms/world';
import { newAgent } from '../helpers/http';
import { routeTable } from '../helpers/routes';

// Issue 13, "a request schema beside every route": the registry in server/request-schemas.ts names
// exactly the routes the app serves (read from Express's own router stack), and every GET route that
// reads a query string answers random, hostile query strings without a 5xx: a value it cannot use falls
// back to the default, or the page refuses with a 400 and a sentence saying why.

useWorld();

const SEED = 20261204;
const RUNS = Number(process.env.PROPERTY_QUERY_RUNS ?? 30);

describe('a request schema beside every route', () => {
  test('every route the app serves has a request schema, and every schema names a route the app serves', () => {
    const routes = routeTable(t.app);
    const named = Object.keys(REQUEST_SCHEMAS);
    expect(routes.filter((r) => !named.includes(r))).toEqual([]);
    expect(named.filter((r) => !routes.includes(r))).toEqual([]);
  });

  const queryRoutes = Object.entries(REQUEST_SCHEMAS)
    // Routes with path parameters need a real record behind them (a learner's own attempt): the GET-query
    // probe (test/probe/get-query-properties.test.ts) sends them random queries with real parameters.
    .filter(([route, schema]) => route.startsWith('GET ') && !route.includes('/:') && schema instanceof z.ZodObject && fieldsOf(schema).length > 0)
    // OIDC is not configured in this world (both answer 404): oidc-sign-in.test.ts runs this property against a provider.
    .filter(([route]) => !route.startsWith('GET /auth/oidc/'))
    .map(([route]) => route);

  test('the GET routes known to read a query string are among those the property below covers', () => {
    expect(queryRoutes).toEqual(expect.arrayContaining(['GET /admin/audit', 'GET /admin/users', 'GET /login', 'GET /reports', 'GET /reports/certificates.zip',
      'GET /reports/evidence.csv', 'GET /reports/evidence.pdf', 'GET /reports/export.csv', 'GET /team', 'GET /verify']));
  });

  test.each(queryRoutes)('%s: random query strings never answer 5xx, and a refusal says why', async (route) => {
    const fields = fieldsOf(REQUEST_SCHEMAS[route as keyof typeof REQUEST_SCHEMAS] as z.ZodObject);
    const realistic = [String(ids.victim), String(ids.admin), course.id, 'completed', 'overdue', 'due-soon', 'learner', 'admin', 'active', 'deactivated',
      '2026-01-01', TODAY, 'asc', 'desc', 'name', 'onboarding', 'annual-2026', 'user.created', '1', '2', 'yes', '/transcript', 'PR-7KQ4-M2XD-9WTA-H3NB'];
    const key = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...fields) },
      { weight: 2, arbitrary: fc.constantFrom(...fields.flatMap((f) => [`${f}[]`, `${f}[a]`, `${f}[__proto__]`])) },
      { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
    );
    const value = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...realistic) },
      { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
    );
    const run = fc.record({
      pairs: fc.array(fc.tuple(key, value), { maxLength: 8 }),
      raw: fc.array(fc.constantFrom(...BROKEN), { maxLength: 2 }),
    });
    const seen = new Map<number, number>();
    await fc.assert(fc.asyncProperty(run, async ({ pairs, raw }) => {
      const url = `${route.slice(4)}?${[...pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`), ...raw].join('&')}`;
      // The sign-in page is for visitors (a signed-in person is sent on); everything else is the admin's.
      const res = await (route === 'GET /login' ? newAgent(t.app) : admin).get(url).timeout(20_000);
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      if (res.status >= 500) throw new Error(`${url} answered ${res.status}`);
      if (res.status >= 400 && !humanMessage(res)) throw new Error(`${url} answered ${res.status} without a message for the person`);
    }), { numRuns: RUNS, seed: SEED + route.length });
    // Some runs got through to the page itself: the property did not only meet refusals.
    expect([...seen.keys()].filter((s) => s < 400)).not.toEqual([]);
  }, 120_000);
});
