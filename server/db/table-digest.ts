import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { DB } from './schema';

/*
 * A table's content as one SHA-256, computed the same way from SQLite and from PostgreSQL, so db:copy
 * (and its test) can show that a copy holds exactly the rows of its source: every row in primary-key
 * order, each value tagged with its kind, so the integer 5 and the text "5" or a NULL and the text
 * "null" hash differently.
 */

/** A table as the copy sees it: its columns in declared order and the primary key to order rows by. */
export interface TableShape {
  name: string;
  columns: string[];
  /** Primary-key columns in key order; every column when the table has none. */
  orderBy: string[];
  /** Of orderBy, the text columns (PostgreSQL must sort them by byte, as SQLite's BINARY collation does). */
  textKeys: string[];
}

/** One value as hashed: its kind and its exact content. */
function tagged(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return `s:${v}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `i:${v}` : `r:${v}`;
  if (typeof v === 'bigint') return `i:${v}`;
  if (typeof v === 'boolean') return `i:${v ? 1 : 0}`;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return `b:${Buffer.from(v).toString('hex')}`;
  throw new Error(`A value of an unexpected kind (${Object.prototype.toString.call(v)}) cannot be hashed.`);
}

export interface Digest {
  rows: number;
  hash: string;
}

/** Feeds rows (values in the table's column order, rows in key order) into one hash. */
export class TableHasher {
  private readonly h = crypto.createHash('sha256');
  rows = 0;

  add(values: readonly unknown[]): void {
    this.h.update(JSON.stringify(values.map(tagged)));
    this.h.update('\n');
    this.rows += 1;
  }

  digest(): Digest {
    return { rows: this.rows, hash: this.h.digest('hex') };
  }
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The SELECT that reads a SQLite table in key order (BINARY collation: byte order of the UTF-8 text). */
export function sqliteSelect(table: TableShape): string {
  return `select ${table.columns.map(quote).join(', ')} from ${quote(table.name)} order by ${table.orderBy.map(quote).join(', ')}`;
}

/** A SQLite table's digest; the first `upTo` rows only when given. */
export function sqliteDigest(source: SQLite.Database, table: TableShape, upTo?: number): Digest {
  const hasher = new TableHasher();
  for (const row of source.prepare(sqliteSelect(table)).raw().iterate() as IterableIterator<unknown[]>) {
    if (upTo !== undefined && hasher.rows >= upTo) break;
    hasher.add(row);
  }
  return hasher.digest();
}

/** The same digest of the PostgreSQL table, read in pages of `page` rows in the same order. */
export async function postgresDigest(db: Kysely<DB>, table: TableShape, upTo?: number, page = 5000): Promise<Digest> {
  const hasher = new TableHasher();
  const columns = sql.join(table.columns.map((c) => sql.ref(c)));
  const order = sql.join(table.orderBy.map((c) => (table.textKeys.includes(c) ? sql`${sql.ref(c)} collate "C"` : sql.ref(c))));
  for (let offset = 0; ; offset += page) {
    const limit = upTo === undefined ? page : Math.min(page, upTo - offset);
    if (limit <= 0) break;
    const { rows } = await sql<Record<string, unknown>>`select ${columns} from ${sql.table(table.name)} order by ${order} limit ${limit} offset ${offset}`.execute(db);
    for (const row of rows) hasher.add(table.columns.map((c) => row[c]));
    if (rows.length < limit) break;
  }
  return hasher.digest();
}

/** The tables of a SQLite database that hold the app's data: not SQLite's own, not the migrator's bookkeeping. */
export function sqliteTables(source: SQLite.Database): TableShape[] {
  const names = source.prepare("select name from sqlite_master where type = 'table' order by name").pluck().all() as string[];
  return names.filter((n) => !isBookkeeping(n)).map((name) => {
    const info = source.pragma(`table_info(${quote(name)})`) as { name: string; type: string; pk: number }[];
    const key = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    const orderBy = key.length ? key : info;
    return {
      name,
      columns: info.map((c) => c.name),
      orderBy: orderBy.map((c) => c.name),
      textKeys: orderBy.filter((c) => !/INT/i.test(c.type)).map((c) => c.name),
    };
  });
}

/**
 * SQLite's internal tables (sqlite_sequence, sqlite_stat1) and Kysely's migration bookkeeping: the
 * migrator writes the latter itself when it brings the target to the same level (db:copy checks that
 * the levels match; the timestamps there are when each migration ran on the target).
 */
export function isBookkeeping(name: string): boolean {
  return name.startsWith('sqlite_') || name === 'kysely_migration' || name === 'kysely_migration_lock';
}
