import { sql } from 'kysely';
import { migrations } from '../../migrations';
import { auditKeyring, useAuditKeys } from '../../server/audit/keyring';
import { appendAudit, verifyAuditChain } from '../../server/audit/service';
import type { Database } from '../../server/db/database';
import { migrateToLatest, migrationLevel } from '../../server/db/migrate';
import { openPostgres } from '../../server/db/postgres';
import { writeTransaction } from '../../server/db/transaction';
import { TEST_AUDIT_KEY } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db';

// What only PostgreSQL needs (issue 19): several instances, each with its own pool, on one database.
// Runs only with TEST_DB=postgres (jest.config.js lists it as PostgreSQL-only). Each "instance" here is
// a separate pool, so its transactions run on connections of their own, as another server's would.

let target: TestDatabase;
const open: Database[] = [];
const instance = (max = 4) => {
  const database = openPostgres(target.url, { max });
  open.push(database);
  return database;
};
const clock = new TestClock();

beforeEach(async () => {
  useAuditKeys(auditKeyring(Buffer.from(TEST_AUDIT_KEY, 'hex')));
  target = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
  await target.drop();
});

test('two instances starting at once on an empty database: one applies every migration, the other waits and applies none', async () => {
  const [a, b] = [instance(), instance()];
  const applied = await Promise.all([migrateToLatest(a.db), migrateToLatest(b.db)]);
  const all = Object.keys(migrations);
  expect(applied.map((list) => list.length).sort((x, y) => x - y)).toEqual([0, all.length]);
  expect([...applied[0]!, ...applied[1]!]).toEqual(all);
  const recorded = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(a.db);
  expect(recorded.rows.map((r) => r.name)).toEqual(all);
  expect(await migrationLevel(b.db)).toBe(all.at(-1));
  // Ids come from identity columns, the PostgreSQL form of the migrations' autoincrement ids.
  const identity = await sql<{ is_identity: string }>`select is_identity from information_schema.columns where table_name = 'users' and column_name = 'id'`.execute(a.db);
  expect(identity.rows).toEqual([{ is_identity: 'YES' }]);
});

test('four instances appending to the audit log at once leave one unbroken chain with every event in it', async () => {
  const first = instance();
  await migrateToLatest(first.db);
  const writers = [first, instance(), instance(), instance()];
  const count = 40;
  await Promise.all(writers.map((w, n) => (async () => {
    for (let i = 0; i < count; i += 1) {
      await writeTransaction(w.db, (trx) => appendAudit(trx, clock, { id: null, label: `writer-${n}` }, { action: 'test.event', details: { i } }));
    }
  })()));
  const rows = await first.db.selectFrom('audit_events').select(['id', 'actor_label']).where('action', '=', 'test.event').orderBy('id').execute();
  expect(rows).toHaveLength(4 * count);
  for (let n = 0; n < 4; n += 1) expect(rows.filter((r) => r.actor_label === `writer-${n}`)).toHaveLength(count);
  // They really overlapped: the chain goes back and forth between the writers.
  expect(rows.filter((r, i) => i > 0 && r.actor_label !== rows[i - 1]!.actor_label).length).toBeGreaterThan(3);
  const chain = await verifyAuditChain(first.db);
  expect(chain).toMatchObject({ ok: true });
  expect(chain.ok && chain.events).toBe(await first.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow().then((r) => r.n));
});

test('read-then-write transactions from several instances at once behave as one after another', async () => {
  const first = instance();
  await migrateToLatest(first.db);
  const writers = [first, instance(), instance(), instance(), instance()];
  // Each reads the counter setting and writes it plus one: twenty-five increments that, run side by
  // side without SERIALIZABLE and its retry, would lose updates.
  await first.db.insertInto('settings').values({ key: 'test.counter', value: '0', updated_at: clock.now().toISOString(), updated_by: null }).execute();
  await Promise.all(writers.map((w) => (async () => {
    for (let i = 0; i < 5; i += 1) {
      await writeTransaction(w.db, async (trx) => {
        const row = await trx.selectFrom('settings').select('value').where('key', '=', 'test.counter').executeTakeFirstOrThrow();
        await sql`select pg_sleep(0.005)`.execute(trx);
        await trx.updateTable('settings').set({ value: String(Number(row.value) + 1) }).where('key', '=', 'test.counter').execute();
      });
    }
  })()));
  const final = await first.db.selectFrom('settings').select('value').where('key', '=', 'test.counter').executeTakeFirstOrThrow();
  expect(final.value).toBe('25');
});

test('counts and sums come back as numbers, as on SQLite', async () => {
  const db = instance().db;
  await migrateToLatest(db);
  const row = await db.selectFrom('users').select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum<number>('failed_logins').as('s')]).executeTakeFirstOrThrow();
  expect(row).toEqual({ n: 0, s: null });
  const sum = await sql<{ s: unknown; a: unknown }>`select sum(x) as s, avg(x) as a from (values (1::bigint), (2::bigint)) as v(x)`.execute(db);
  expect(sum.rows).toEqual([{ s: 3, a: 1.5 }]);
});
