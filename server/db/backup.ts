import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Database } from './database';

// SQLite-only operations, kept in db/ (DESIGN.md): an online backup while the server runs, and a
// restore that checks the copy before it replaces anything.

/** Copies the live database with SQLite's online backup API; readers and writers carry on meanwhile. */
export async function backupTo(database: Database, file: string): Promise<{ pages: number }> {
  const target = path.resolve(file);
  if (fs.existsSync(target)) throw new Error(`${target} already exists; choose a new file name.`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const r = await database.sqlite.backup(target);
  return { pages: r.totalPages };
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
  const check = integrityOf(source);
  if (check !== 'ok') throw new Error(`${source} failed its integrity check: ${check}. Nothing was changed.`);
  const temp = `${databasePath}.restoring`;
  fs.copyFileSync(source, temp);
  for (const suffix of ['-wal', '-shm']) fs.rmSync(`${databasePath}${suffix}`, { force: true });
  fs.renameSync(temp, databasePath);
}
