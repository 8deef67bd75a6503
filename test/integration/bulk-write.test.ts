import fs from 'node:fs';
import { sql } from 'kysely';
import { bulkWrite, checkpointOffThread } from '../../server/db/bulk-write';
import type { Kysely } from 'kysely';
import type { DB } from '../../server/db/schema';
import { buildTestApp, type TestApp } from '../helpers/app';

// bulkWrite runs a people import's unit of work so that its COMMIT (a synchronous call on the event
// loop's thread) finds little left to write, sync or checkpoint: see server/db/bulk-write.ts.

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
  // A table of this test's own: the rows stand for an import's people, tokens and audit events.
  await sql`create table bulk_probe (id integer primary key, payload text not null)`.execute(t.db);
});
afterEach(async () => { await t.close(); });

const walBytes = () => fs.statSync(`${t.config.databasePath}-wal`).size;
const pragma = async (name: string) => Number(Object.values((await sql.raw<Record<string, number>>(`PRAGMA ${name}`).execute(t.db)).rows[0]!)[0]);
const count = async () => Number((await sql<{ n: number }>`select count(*) as n from bulk_probe`.execute(t.db)).rows[0]!.n);

/** 500 rows of 600 random characters (random, so that they do not compress into a few pages). */
const insertBatch = (db: Kysely<DB>) => sql`
  with recursive n(i) as (select 1 union all select i + 1 from n where i < 500)
  insert into bulk_probe (payload) select hex(randomblob(300)) from n`.execute(db);

/** 12 MB of rows in one transaction, a batch at a time; reports the WAL's size just before the commit. */
async function writeRows(): Promise<number> {
  let walBeforeCommit = 0;
  await t.db.transaction().execute(async (trx) => {
    for (let batch = 0; batch < 40; batch += 1) {
      await insertBatch(trx);
    }
    walBeforeCommit = walBytes();
  });
  return walBeforeCommit;
}

describe('bulk writes (the people import)', () => {
  test('changed pages reach the WAL while the work runs; after the commit the WAL is emptied and the settings are back', async () => {
    const settings = { autoCheckpoint: await pragma('wal_autocheckpoint'), cacheSize: await pragma('cache_size') };
    expect(settings).toEqual({ autoCheckpoint: 1000, cacheSize: -65536 });

    // Without it the 64 MB page cache keeps every changed page until the COMMIT writes them all at once.
    expect(await writeRows()).toBeLessThan(1_000_000);
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(t.db);

    const walBeforeCommit = await bulkWrite(t.db, writeRows);
    expect(walBeforeCommit).toBeGreaterThan(6_000_000);
    expect(await count()).toBe(40_000); // both runs of writeRows
    expect(walBytes()).toBe(0);
    expect({ autoCheckpoint: await pragma('wal_autocheckpoint'), cacheSize: await pragma('cache_size') }).toEqual(settings);
  });

  test('a bulk write whose work fails changes nothing and puts the settings back', async () => {
    const failing = bulkWrite(t.db, () => t.db.transaction().execute(async (trx) => {
      for (let batch = 0; batch < 10; batch += 1) await insertBatch(trx);
      throw new Error('a row was refused');
    }));
    await expect(failing).rejects.toThrow('a row was refused');
    expect(await count()).toBe(0);
    expect({ autoCheckpoint: await pragma('wal_autocheckpoint'), cacheSize: await pragma('cache_size') }).toEqual({ autoCheckpoint: 1000, cacheSize: -65536 });
  });

  test('two bulk writes at once: the second waits for the first one\'s transaction, and the settings come back as they were', async () => {
    const [a, b] = await Promise.all([bulkWrite(t.db, writeRows), bulkWrite(t.db, writeRows)]);
    expect(Math.min(a, b)).toBeGreaterThan(6_000_000);
    expect(await count()).toBe(40_000);
    expect(walBytes()).toBe(0);
    expect({ autoCheckpoint: await pragma('wal_autocheckpoint'), cacheSize: await pragma('cache_size') }).toEqual({ autoCheckpoint: 1000, cacheSize: -65536 });
  });

  test('a bulk write that starts while another runs: the settings still come back as they were before the first', async () => {
    const first = bulkWrite(t.db, writeRows);
    // Let the first one change the settings before the second reads them.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(await pragma('wal_autocheckpoint')).toBe(0);
    await Promise.all([first, bulkWrite(t.db, writeRows)]);
    expect({ autoCheckpoint: await pragma('wal_autocheckpoint'), cacheSize: await pragma('cache_size') }).toEqual({ autoCheckpoint: 1000, cacheSize: -65536 });
  });

  test('the checkpoint on a worker thread copies committed pages into the database file, leaving the WAL to truncate', async () => {
    await sql`PRAGMA wal_autocheckpoint = 0`.execute(t.db);
    await writeRows();
    const fileBefore = fs.statSync(t.config.databasePath).size;
    const wal = walBytes();
    expect(wal).toBeGreaterThan(6_000_000);

    await checkpointOffThread(t.config.databasePath);
    expect(fs.statSync(t.config.databasePath).size).toBeGreaterThan(fileBefore + 6_000_000);
    expect(walBytes()).toBe(wal); // PASSIVE: copied, not truncated
    // Nothing is left for the server's own connection to copy.
    const [after] = (await sql<{ busy: number; log: number; checkpointed: number }>`PRAGMA wal_checkpoint(PASSIVE)`.execute(t.db)).rows;
    expect(after!.checkpointed).toBe(after!.log);
    await sql`PRAGMA wal_autocheckpoint = 1000`.execute(t.db);
  });
});
