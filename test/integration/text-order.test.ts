import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn, type Agent } from '../helpers/http';
import { createTestDatabase, onPostgres, type TestDatabase } from '../helpers/test-db';

// Lists sorted by a text column (people, departments, report rows) come out in the same order on both
// engines: SQLite's byte order. On PostgreSQL the app runs here on a database with a collation like a
// usual production server's (ICU en-US: case and accents ignored), where a plain ORDER BY name would
// put "alice" before "Zed" — the order a deployment moved by db:copy would suddenly change to.

const NAMES = ['Zed Young', 'alice Adams', 'Émile Zola', 'Bob Brown', 'Ölaf Quist', 'bea Small', 'Ana Ángel', 'ana Zapata'];
/** Byte order of UTF-8, which for these (no characters beyond the BMP) is JavaScript's code unit order. */
const byteSorted = (names: readonly string[]) => [...names].sort();

let t: TestApp;
let icu: TestDatabase | undefined;
let admin: Agent;

beforeAll(async () => {
  icu = onPostgres ? await createTestDatabase({ icuLocale: 'en-US' }) : undefined;
  t = await buildTestApp(icu ? { DATABASE_URL: icu.url } : {});
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', name: 'Ada Admin', role: 'admin', department: 'Administration' });
  for (const [i, name] of NAMES.entries()) {
    await createPerson(t.db, t.clock, { email: `p${i}@riverside.example`, name, employeeId: `e${i}`, department: i % 2 ? 'Éducation' : 'Zoology' });
  }
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
});
afterAll(async () => {
  await t.close();
  await icu?.drop();
});

/** The names of NAMES in the order they appear in a page or file. */
function orderIn(text: string): string[] {
  return NAMES.filter((n) => text.includes(n)).sort((a, b) => text.indexOf(a) - text.indexOf(b));
}

test('the database really sorts case- and accent-blind on PostgreSQL (so the test below can fail there)', async () => {
  if (!icu) return expect(t.database.engine).toBe('sqlite');
  const { rows } = await sql<{ name: string }>`select name from users where email like 'p%' order by name`.execute(t.db);
  expect(rows.map((r) => r.name)).not.toEqual(byteSorted(NAMES));
});

test('the people list is in byte order', async () => {
  const page = await admin.get('/admin/users');
  expect(page.status).toBe(200);
  expect(orderIn(page.text)).toEqual(byteSorted(NAMES));
});

test('the training report and its CSV sorted by name are in byte order, both ways', async () => {
  const course = t.catalogue.courses[0]!.id;
  const asc = await admin.get(`/reports?course=${course}&sort=name&dir=asc`);
  expect(asc.status).toBe(200);
  expect(orderIn(asc.text)).toEqual(byteSorted(NAMES));
  const desc = await admin.get(`/reports?course=${course}&sort=name&dir=desc`);
  expect(orderIn(desc.text)).toEqual(byteSorted(NAMES).reverse());
  const csv = await admin.get(`/reports/export.csv?course=${course}&sort=name`).buffer(true);
  expect(csv.status).toBe(200);
  expect(orderIn(String(csv.text ?? csv.body))).toEqual(byteSorted(NAMES));
});

test('departments sort in byte order ("zoology" before "éducation")', async () => {
  const course = t.catalogue.courses[0]!.id;
  const page = await admin.get(`/reports?course=${course}&sort=department&dir=asc`);
  expect(page.status).toBe(200);
  // Zed is in Zoology, Alice in Éducation.
  expect(page.text.indexOf('Zed Young')).toBeLessThan(page.text.indexOf('alice Adams'));
  expect(page.text.indexOf('alice Adams')).toBeGreaterThan(0);
});
