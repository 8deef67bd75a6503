import fs from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { SqliteAdapter, sql, type Kysely } from 'kysely';
import { nextSlice } from '../pacer';
import { truncateWal } from './database';
import type { DB } from './schema';

/*
 * A bulk write (one unit of work saving thousands of rows: a people import) leaves tens of megabytes in
 * the WAL. better-sqlite3 runs every statement on the event loop's thread, and by default SQLite did
 * all the heavy I/O in the one COMMIT statement: it wrote every changed page to the WAL (the 64 MB
 * page cache held them all until then), synced the WAL, and, the WAL now past wal_autocheckpoint
 * pages, copied all of it into the database file. That one call was the longest stall of a 20,000-row
 * import (BENCHMARKS.md). Here the same work is spread out:
 * - a small page cache while the work runs makes SQLite write ("spill") changed pages to the WAL as it
 *   goes, a page at a time between the work's paced slices, so the commit writes only what is left;
 * - the WAL file is synced every so often on libuv's thread pool, so the commit's own sync (which
 *   durability needs and which still happens) finds little left to flush;
 * - the automatic checkpoint is held off; the checkpoint runs on a worker thread after the commit.
 * Nothing about the transaction changes: spilled pages are not committed, readers do not see them, and
 * a rollback discards them.
 */

/** Page cache (KiB, as a negative cache_size) while a bulk write runs: small enough to spill early. */
const BULK_CACHE_KIB = 4096;
/** How often the WAL is synced off the event loop while a bulk write runs. */
const SYNC_EVERY_MS = 500;

/**
 * Copies the WAL's committed frames into the database file on a connection of a worker thread, so the
 * event loop goes on meanwhile. PASSIVE never takes the write lock: the server's connection keeps
 * reading and writing; frames committed after it started are left to the next checkpoint. Best effort:
 * a worker that fails or cannot start leaves all of it to the caller's checkpoint.
 */
export function checkpointOffThread(file: string): Promise<void> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const SQLite = require(workerData.driver);
    const db = new SQLite(workerData.file, { fileMustExist: true, timeout: 1000 });
    try { parentPort.postMessage(db.pragma('wal_checkpoint(PASSIVE)')); } finally { db.close(); }
  `;
  return new Promise((resolve) => {
    try {
      const worker = new Worker(code, { eval: true, workerData: { file, driver: require.resolve('better-sqlite3') } });
      worker.once('error', () => resolve());
      worker.once('exit', () => resolve());
    } catch {
      resolve();
    }
  });
}

/**
 * Syncs the WAL file every SYNC_EVERY_MS on the thread pool until stopped; best effort (see above). Its
 * own descriptor is safe to close: SQLite keeps no locks on the -wal file (they are on the database
 * and -shm files), and closing a descriptor drops only the locks held on that same file.
 */
function syncWalMeanwhile(walFile: string): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = (async () => {
      const handle = await fs.open(walFile, 'r+');
      try { await handle.datasync(); } finally { await handle.close(); }
    })().catch(() => undefined).finally(() => { busy = false; });
  }, SYNC_EVERY_MS);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

async function pragmaValue(db: Kysely<DB>, name: 'wal_autocheckpoint' | 'cache_size'): Promise<number> {
  const { rows } = await sql.raw<Record<string, number>>(`PRAGMA ${name}`).execute(db);
  return Math.trunc(Number(rows[0]?.[name]));
}

/**
 * Runs `work` (the bulk unit of work) so that its commit finds little left to write and sync, then
 * checkpoints on a worker thread and empties the WAL (see truncateWal), each step in its own turn of
 * the event loop. The connection's settings changed meanwhile are put back afterwards, whether the work
 * committed or not; other requests' small commits in between leave their frames to the checkpoint here.
 */
/**
 * Bulk writes running on a connection and the settings it had before the first of them: overlapping
 * imports share them, so the last one out restores the originals rather than the first one's
 * temporary values (which would otherwise stay for good).
 */
const running = new WeakMap<Kysely<DB>, { count: number; saved: Promise<{ autoCheckpoint: number; cacheSize: number }> }>();

async function enter(db: Kysely<DB>): Promise<void> {
  const current = running.get(db);
  if (current) { current.count += 1; await current.saved; return; }
  const saved = (async () => {
    const settings = { autoCheckpoint: await pragmaValue(db, 'wal_autocheckpoint'), cacheSize: await pragmaValue(db, 'cache_size') };
    await sql`PRAGMA wal_autocheckpoint = 0`.execute(db);
    await sql.raw(`PRAGMA cache_size = -${BULK_CACHE_KIB}`).execute(db);
    return settings;
  })();
  running.set(db, { count: 1, saved });
  await saved;
}

async function leave(db: Kysely<DB>): Promise<void> {
  const current = running.get(db);
  if (!current) return;
  current.count -= 1;
  if (current.count > 0) return;
  running.delete(db);
  const { autoCheckpoint, cacheSize } = await current.saved;
  // A PRAGMA takes no bound parameters: both values are the integers SQLite reported.
  await sql.raw(`PRAGMA cache_size = ${cacheSize}`).execute(db);
  await sql.raw(`PRAGMA wal_autocheckpoint = ${autoCheckpoint}`).execute(db);
}

/**
 * Runs `work` (the bulk unit of work) so that its commit finds little left to write and sync, then
 * checkpoints on a worker thread and empties the WAL (see truncateWal), each step in its own turn of
 * the event loop. The connection's settings changed meanwhile are put back afterwards, whether the work
 * committed or not; other requests' small commits in between leave their frames to the checkpoint here.
 */
export async function bulkWrite<T>(db: Kysely<DB>, work: () => Promise<T>): Promise<T> {
  // PostgreSQL has no WAL file of ours to pace, no pragmas and no checkpoint to run (the server's own
  // background writer and checkpointer do that work, off this process): the work just runs.
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return work();
  // An in-memory database has no file: nothing to sync or to open from another thread.
  const file = (await sql<{ name: string; file: string }>`PRAGMA database_list`.execute(db)).rows.find((r) => r.name === 'main')?.file ?? '';
  await enter(db);
  const syncing = file ? syncWalMeanwhile(`${file}-wal`) : undefined;
  try {
    const result = await work();
    await syncing?.stop();
    await nextSlice();
    if (file) await checkpointOffThread(file);
    await truncateWal(db);
    await nextSlice();
    return result;
  } finally {
    await syncing?.stop();
    await leave(db);
  }
}
