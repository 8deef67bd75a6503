import { humanMessage } from '../helpers/forms/checks';
import { newAgent } from '../helpers/http';
import { admin, t } from '../helpers/forms/world';
import { printStatsAfterAll } from '../helpers/forms/exercise';
import { describeHostileInput } from '../helpers/forms/describe';
import { PEOPLE_SPECS } from '../helpers/forms/specs-people';
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

describeHostileInput('hostile input on the admin people forms', PEOPLE_SPECS);

// Regression tests for the defects these properties found (all fixed).
describe('defects found by these properties', () => {
  // Issue 12 moved multipart parsing to the upload routes: elsewhere any multipart body is a 415, unread.
  test('a multipart part without a field name is a 400 with a message on an upload route, before the CSRF check; elsewhere a 415', async () => {
    const body = Buffer.from('--X\r\nContent-Disposition: form-data; name=""\r\n\r\nv\r\n--X--\r\n');
    const res = await admin.post('/admin/import').set('Content-Type', 'multipart/form-data; boundary=X').send(body);
    expect(res.status).toBe(400);
    expect(humanMessage(res)).toBeDefined();
    const elsewhere = await newAgent(t.app).post('/login').set('Content-Type', 'multipart/form-data; boundary=X').send(body);
    expect(elsewhere.status).toBe(415);
    expect(humanMessage(elsewhere)).toBeDefined();
  });
});
