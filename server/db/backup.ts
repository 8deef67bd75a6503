import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { createPrivateFile, ensurePrivateDir, makePrivate, PRIVATE_FILE, writableByOthers } from '../files';
import type { Database } from './database';

// SQLite-only operations, kept in db/ (DESIGN.md): an online backup while the server runs, and a
// restore that checks the copy before it replaces anything.

/** Copies the live database with SQLite's online backup API; readers and writers carry on meanwhile. */
export async function backupTo(database: Database, file: string): Promise<{ pages: number }> {
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new Error(`${target} already exists; choose a new file name.`);
  // A backup holds everything the database does: a folder made for it is 0700, and the file is made
  // 0600 before SQLite writes a page into it (SQLite keeps an existing file's mode).
  if (!fs.existsSync(path.dirname(target))) ensurePrivateDir(path.dirname(target));
  try {
    createPrivateFile(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${target} already exists; choose a new file name.`);
    throw e;
  }
  try {
    const r = await database.sqlite.backup(target);
    return { pages: r.totalPages };
  } catch (e) {
    fs.rmSync(target, { force: true });
    throw e;
  }
}

/** "ok", or what SQLite found wrong, for a database file that is not open elsewhere. */
export function integrityOf(file: string): string {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const hasMigrations = db.prepare("select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'").get() as { n: number };
    if (hasMigrations.n !== 1) return 'not a Privacy Rounds database (no migration table)';
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

/**
 * Replaces the database file with a checked backup. The server must be stopped: the old file's WAL
 * and shared-memory files are removed so nothing from the replaced database survives.
 */
export function restoreFrom(backupFile: string, databasePath: string): void {
  const source = path.resolve(backupFile);
  if (!fs.existsSync(source)) throw new Error(`${source} does not exist.`);
  // Someone who can write the file, or its folder (to swap the file), could slip in their own admin
  // or password hashes between the backup and this restore.
  const open = writableByOthers(source);
  if (open) {
    throw new Error(`Refusing to restore ${source}: ${open}, so it may have been changed. `
      + 'Move the backup to a folder only you can write (chmod 700 folder, chmod 600 file) and try again. Nothing was changed.');
  }
  const check = integrityOf(source);
  if (check !== 'ok') throw new Error(`${source} failed its integrity check: ${check}. Nothing was changed.`);
  const temp = `${databasePath}.restoring`;
  fs.copyFileSync(source, temp);
  fs.chmodSync(temp, PRIVATE_FILE);
  for (const suffix of ['-wal', '-shm']) fs.rmSync(`${databasePath}${suffix}`, { force: true });
  fs.renameSync(temp, databasePath);
  makePrivate(databasePath);
}
