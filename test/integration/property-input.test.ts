import fc from 'fast-check';
import { parseUserCsv } from '../../server/users/import';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';

// Property-based hostile input: random Unicode, huge values, missing, repeated and array fields and
// prototype-pollution keys on the admin person form and the CSV import. Never a 500, never a partial
// write, always a clear message.

let t: TestApp;
let admin: Agent;
let token: string;
beforeAll(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin' });
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
  token = csrfFrom((await admin.get('/admin/users/new')).text);
});
afterAll(async () => { await t.close(); });

const FIELDS = ['employee_id', 'email', 'name', 'role', 'department', 'manager_email', 'hire_date', '__proto__', 'constructor', 'prototype', '_csrf_x'];
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.constantFrom('', ' ', '\u0000', '\uFEFF', "' OR 1=1 --", '=cmd|/C calc', '2026-02-30', 'a@b.c', 'x'.repeat(5000), '../../etc/passwd'),
);
const encode = (s: string) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));

describe('property-based hostile input', () => {
  test('the add-person form never errors and writes a person only when every field is valid', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom(...FIELDS), value), { maxLength: 14 }),
      async (pairs) => {
        const before = (await t.db.selectFrom('users').select('id').execute()).length;
        const body = [`_csrf=${encodeURIComponent(token)}`, ...pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encode(v)}`)].join('&');
        const res = await admin.post('/admin/users').type('form').send(body);
        expect(res.status).toBeLessThan(500);
        const after = (await t.db.selectFrom('users').select('id').execute()).length;
        if (res.status === 201) expect(after).toBe(before + 1);
        else {
          expect([400, 413]).toContain(res.status);
          expect(after).toBe(before);
          expect(res.text).toMatch(/error-text|too large|Error/);
        }
        expect(({} as Record<string, unknown>).role).toBeUndefined();
      },
    ), { numRuns: 120, seed: 20261128 });
  });

  test('the CSV parser never throws and either accepts every row or reports a line for each problem', async () => {
    const header = 'employee_id,email,name,role,department,manager_email,hire_date';
    await fc.assert(fc.asyncProperty(
      fc.oneof(fc.constant(header), fc.string({ maxLength: 80 })),
      fc.array(fc.array(value, { minLength: 0, maxLength: 9 }), { maxLength: 8 }),
      fc.boolean(), fc.boolean(),
      async (head, rows, bom, crlf) => {
        const lines = [head, ...rows.map((r) => r.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(','))];
        const text = (bom ? '\uFEFF' : '') + lines.join(crlf ? '\r\n' : '\n');
        const r = await parseUserCsv(text);
        for (const e of r.errors) {
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.reason.length).toBeGreaterThan(0);
        }
        if (r.errors.length === 0) for (const row of r.rows) expect(row.fields.email).toMatch(/@/);
      },
    ), { numRuns: 400, seed: 20261128 });
  });

  test('random CSV uploads never error and import all rows or none', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(value, value, value), { minLength: 1, maxLength: 5 }),
      async (rows) => {
        const before = (await t.db.selectFrom('users').select('id').execute()).length;
        const csv = ['employee_id,email,name,role,department,manager_email,hire_date', ...rows.map(([a, b, c]) => `"${a.replace(/"/g, '""')}","${b.replace(/"/g, '""')}","${c.replace(/"/g, '""')}",learner,,,`)].join('\n');
        const page = await admin.get('/admin/import');
        const res = await admin.post('/admin/import').field('_csrf', csrfFrom(page.text)).attach('file', Buffer.from(csv, 'utf8'), 'random.csv');
        expect(res.status).toBeLessThan(500);
        const after = (await t.db.selectFrom('users').select('id').execute()).length;
        if (res.status === 400) expect(after).toBe(before);
        else expect(res.status).toBe(200);
      },
    ), { numRuns: 60, seed: 20261128 });
  });
});
