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
    for (let batch = 0; batch < BATCHES; batch += 1) {
      await insertBatch(trx);
    }
    walBeforeCommit = walBytes();
  });
  return walBeforeCommit;
}

/*
 * What the WAL's size before the commit proves, from first principles. The work changes at least
 * PAYLOAD / page_size pages (the rows alone, leaving out b-tree overhead). SQLite keeps changed pages in
 * its page cache (cache_size pages) and writes ("spills") them to the WAL before the commit only when
 * the cache cannot hold them; each page written is a frame of page_size + 24 bytes.
 * - With the connection's own cache (64 MB) all the changed pages fit: not one frame is written before
 *   the commit, which then writes them all in one synchronous call: what bulkWrite exists to avoid.
 * - With bulkWrite's small cache, at most cache_size pages can still be waiting at the commit: the WAL
 *   already holds at least (changed pages - cache pages) frames.
 */
const BATCHES = 40;
const PAYLOAD = BATCHES * 500 * 600;
const FRAME_HEADER = 24;
/** Pages a cache_size value stands for (negative: KiB, positive: pages). */
const cachePages = (cacheSize: number, pageSize: number) => (cacheSize < 0 ? Math.floor((-cacheSize * 1024) / pageSize) : cacheSize);
const changedPagesAtLeast = (pageSize: number) => Math.ceil(PAYLOAD / pageSize);
/** The WAL bytes bound to be written before the commit when `cacheSize` holds the pages meanwhile. */
const spilledAtLeast = (cacheSize: number, pageSize: number) => Math.max(0, changedPagesAtLeast(pageSize) - cachePages(cacheSize, pageSize)) * (pageSize + FRAME_HEADER);
/** bulkWrite's cache_size, read while a bulk write runs rather than copied from the code. */
async function bulkCacheSize(): Promise<number> {
  let seen = 0;
  await bulkWrite(t.db, async () => { seen = await pragma('cache_size'); });
  return seen;
}

describe('bulk writes (the people import)', () => {
  test('changed pages reach the WAL while the work runs; after the commit the WAL is emptied and the settings are back', async () => {
    const settings = { autoCheckpoint: await pragma('wal_autocheckpoint'), cacheSize: await pragma('cache_size') };
    expect(settings).toEqual({ autoCheckpoint: 1000, cacheSize: -65536 });
    const pageSize = await pragma('page_size');
    // The 64 MB cache holds every page the work changes (16,384 pages of 4 KiB against about 2,930).
    expect(cachePages(settings.cacheSize, pageSize)).toBeGreaterThan(changedPagesAtLeast(pageSize));

    // Without bulkWrite the cache keeps every changed page until the COMMIT writes them all at once. The
    // WAL is emptied first: what building the app wrote (its migrations) is no part of this work.
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(t.db);
    expect(await writeRows()).toBe(0);
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(t.db);

    // With it, a cache of 4 MB (1,024 pages) leaves at least 1,900 of those pages in the WAL before the commit.
    const bulkCache = await bulkCacheSize();
    expect(cachePages(bulkCache, pageSize)).toBeLessThan(changedPagesAtLeast(pageSize) / 2);
    const walBeforeCommit = await bulkWrite(t.db, writeRows);
    expect(walBeforeCommit).toBeGreaterThanOrEqual(spilledAtLeast(bulkCache, pageSize));
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
    const spilled = spilledAtLeast(await bulkCacheSize(), await pragma('page_size'));
    const [a, b] = await Promise.all([bulkWrite(t.db, writeRows), bulkWrite(t.db, writeRows)]);
    expect(Math.min(a, b)).toBeGreaterThanOrEqual(spilled);
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
    // Committed: every changed page is in the WAL, and the checkpoint copies each into the database file.
    const pageSize = await pragma('page_size');
    expect(wal).toBeGreaterThanOrEqual(changedPagesAtLeast(pageSize) * (pageSize + FRAME_HEADER));

    await checkpointOffThread(t.config.databasePath);
    expect(fs.statSync(t.config.databasePath).size).toBeGreaterThanOrEqual(fileBefore + changedPagesAtLeast(pageSize) * pageSize);
    expect(walBytes()).toBe(wal); // PASSIVE: copied, not truncated
    // Nothing is left for the server's own connection to copy.
    const [after] = (await sql<{ busy: number; log: number; checkpointed: number }>`PRAGMA wal_checkpoint(PASSIVE)`.execute(t.db)).rows;
    expect(after!.checkpointed).toBe(after!.log);
    await sql`PRAGMA wal_autocheckpoint = 1000`.execute(t.db);
  });
});
