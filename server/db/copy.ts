import type SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { fail, RuleError } from '../errors';
import { knownMigrations, lockMigrationsInOpenTransaction, migrateInOpenTransaction } from './migrate';
import type { DB } from './schema';
import { postgresDigest, sqliteSelect, sqliteTables, TableHasher, type Digest, type TableShape } from './table-digest';

/*
 * db:copy's engine work: a SQLite database copied into an empty PostgreSQL database inside one
 * transaction on the target, which the caller begins on one connection and commits (or rolls back).
 * The schema comes from the migrations (the target is migrated to the source's level in the same
 * transaction), the rows from the source's own tables in foreign-key order, in batches.
 */

export interface TableCopy {
  name: string;
  source: Digest;
  target: Digest;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Refuses a source that is not at this version's latest migration (or is at a newer one). */
export function checkSourceLevel(source: SQLite.Database): string {
  const hasTable = source.prepare("select count(*) from sqlite_master where type = 'table' and name = 'kysely_migration'").pluck().get() as number;
  const applied = hasTable ? source.prepare('select name from kysely_migration order by name').pluck().all() as string[] : [];
  const known = knownMigrations();
  const unknown = applied.filter((n) => !known.includes(n));
  if (unknown.length) fail('invalid', `The SQLite database has migrations this version does not know (${unknown.join(', ')}): run db:copy with the version that wrote it. Nothing was changed.`);
  const missing = known.filter((n) => !applied.includes(n));
  if (missing.length) fail('invalid', `The SQLite database is not at the latest migration (${missing.length} pending, first ${missing[0]}): run db:migrate first, then db:copy. Nothing was changed.`);
  return known.at(-1)!;
}

/**
 * Refuses a target that is not empty (a migration applied, or one of our tables there, with how many
 * rows): so db:copy never mixes two organisations' data or overwrites one. Run inside the transaction,
 * after the migration lock, so nothing can start filling it between the check and the copy.
 */
async function checkTargetEmpty(conn: Kysely<DB>, tables: readonly TableShape[]): Promise<void> {
  const exists = async (name: string) => (await sql<{ r: string | null }>`select to_regclass(${quote(name)}) as r`.execute(conn)).rows[0]?.r != null;
  if (await exists('kysely_migration')) {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name desc limit 1`.execute(conn);
    if (rows.length) fail('conflict', `The target database is not empty: it is at migration ${rows[0]!.name}. db:copy fills only a new, empty database (createdb a new one). Nothing was changed.`);
  }
  const found: string[] = [];
  for (const t of tables) {
    if (!(await exists(t.name))) continue;
    const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(t.name)}`.execute(conn);
    found.push(`${t.name} (${rows[0]?.n ?? 0} rows)`);
  }
  if (found.length) fail('conflict', `The target database is not empty: it already has ${found.slice(0, 5).join(', ')}${found.length > 5 ? ` and ${found.length - 5} more tables` : ''}. db:copy fills only a new, empty database (createdb a new one). Nothing was changed.`);
}

interface Reference {
  table: string;
  column: string;
  parent: string;
}

/**
 * Tables parents first, and the references that order cannot satisfy (a person's manager, a
 * department's parent, a replaced certificate: rows of the same table, in any id order; and any cycle).
 * Those foreign keys are checked at the end of the copy instead of row by row (see deferChecks).
 */
export function dependencyOrder(tables: readonly TableShape[], references: readonly Reference[]): { order: TableShape[]; deferred: Reference[] } {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const order: TableShape[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const deferred: Reference[] = [];
  const visit = (name: string) => {
    state.set(name, 'visiting');
    for (const r of references.filter((x) => x.table === name)) {
      if (!byName.has(r.parent)) continue;
      const s = state.get(r.parent);
      if (s === 'visiting') deferred.push(r);
      else if (s === undefined) visit(r.parent);
    }
    state.set(name, 'done');
    order.push(byName.get(name)!);
  };
  for (const t of tables) if (!state.has(t.name)) visit(t.name);
  return { order, deferred };
}

function sqliteReferences(source: SQLite.Database, tables: readonly TableShape[]): Reference[] {
  return tables.flatMap((t) => (source.pragma(`foreign_key_list(${quote(t.name)})`) as { table: string; from: string }[])
    .map((f) => ({ table: t.name, column: f.from, parent: f.table })));
}

/** The target's column types by table, after migration: each must have every column the source has. */
async function targetColumns(conn: Kysely<DB>, tables: readonly TableShape[]): Promise<Map<string, Map<string, string>>> {
  const { rows } = await sql<{ table_name: string; column_name: string; data_type: string }>`
    select table_name, column_name, data_type from information_schema.columns where table_schema = current_schema()`.execute(conn);
  const out = new Map<string, Map<string, string>>();
  for (const r of rows) {
    if (!out.has(r.table_name)) out.set(r.table_name, new Map());
    out.get(r.table_name)!.set(r.column_name, r.data_type);
  }
  for (const t of tables) {
    const cols = out.get(t.name);
    const missing = cols ? t.columns.filter((c) => !cols.has(c)) : t.columns;
    if (missing.length) fail('invalid', `The migrated target has no ${cols ? `column ${missing.join(', ')} in ` : ''}table ${t.name}, which the SQLite database has: its schema was changed by hand. Nothing was changed.`);
  }
  return out;
}

/** One SQLite value as the PostgreSQL column takes it (integers, text, NULL as they are; blobs to bytea). */
function convert(value: unknown, type: string, where: string): unknown {
  if (value === null) return null;
  if (type === 'boolean' && (typeof value === 'number' || typeof value === 'bigint')) return Number(value) !== 0;
  if (Buffer.isBuffer(value) && type !== 'bytea') fail('invalid', `${where} holds binary data, but the PostgreSQL column is ${type}. Nothing was changed.`);
  if (typeof value === 'string' && value.includes('\u0000')) fail('invalid', `${where} holds text with a NUL character, which PostgreSQL text cannot store. Nothing was changed.`);
  return value;
}

/**
 * The foreign keys that the table order cannot satisfy are made DEFERRABLE INITIALLY DEFERRED for the
 * copy, and back to NOT DEFERRABLE once SET CONSTRAINTS ALL IMMEDIATE has checked every row; the
 * schema ends as the migrations made it.
 */
async function deferChecks(conn: Kysely<DB>, deferred: readonly Reference[]): Promise<() => Promise<void>> {
  const names: { table: string; name: string }[] = [];
  for (const r of deferred) {
    const { rows } = await sql<{ conname: string }>`
      select c.conname from pg_constraint c
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
      where c.contype = 'f' and c.conrelid = to_regclass(${quote(r.table)}) and c.confrelid = to_regclass(${quote(r.parent)}) and a.attname = ${r.column}`.execute(conn);
    for (const row of rows) names.push({ table: r.table, name: row.conname });
  }
  for (const c of names) await sql`alter table ${sql.table(c.table)} alter constraint ${sql.ref(c.name)} deferrable initially deferred`.execute(conn);
  return async () => {
    await sql`set constraints all immediate`.execute(conn);
    for (const c of names) await sql`alter table ${sql.table(c.table)} alter constraint ${sql.ref(c.name)} not deferrable`.execute(conn);
  };
}

/** Rows per INSERT: PostgreSQL takes at most 65,535 parameters in one statement. */
function batchRows(columns: number, wanted: number): number {
  return Math.max(1, Math.min(wanted, Math.floor(30_000 / Math.max(1, columns))));
}

async function copyTable(source: SQLite.Database, conn: Kysely<DB>, table: TableShape, types: Map<string, string>, batchSize: number): Promise<Digest> {
  const hasher = new TableHasher();
  const columns = sql.join(table.columns.map((c) => sql.ref(c)));
  const colTypes = table.columns.map((c) => types.get(c)!);
  const size = batchRows(table.columns.length, batchSize);
  let batch: unknown[][] = [];
  const flush = async () => {
    if (!batch.length) return;
    const values = sql.join(batch.map((row) => sql`(${sql.join(row)})`));
    await sql`insert into ${sql.table(table.name)} (${columns}) values ${values}`.execute(conn);
    batch = [];
  };
  // The rows are read in key order and hashed as read: the source's digest costs no second pass. The
  // statement stays open across the awaits; nothing else uses the SQLite connection meanwhile.
  try {
    for (const row of source.prepare(sqliteSelect(table)).raw().iterate() as IterableIterator<unknown[]>) {
      hasher.add(row);
      batch.push(row.map((v, i) => convert(v, colTypes[i]!, `${table.name}.${table.columns[i]!}`)));
      if (batch.length >= size) await flush();
    }
    await flush();
  } catch (e) {
    if (e instanceof RuleError) throw e;
    // A value PostgreSQL refuses (a fraction in an integer column, text too long): say where.
    fail('invalid', `PostgreSQL refused a row of table ${table.name} (within rows ${hasher.rows - batch.length + 1} to ${hasher.rows}): ${(e as Error).message}. The copy was rolled back; nothing was changed.`);
  }
  return hasher.digest();
}

/** Every identity column's sequence past both the largest id copied and SQLite's own AUTOINCREMENT high mark. */
function autoincrementMarks(source: SQLite.Database): Map<string, number> {
  const hasSequence = source.prepare("select count(*) from sqlite_master where name = 'sqlite_sequence'").pluck().get() as number;
  return new Map<string, number>(hasSequence ? (source.prepare('select name, seq from sqlite_sequence').raw().all() as [string, number][]) : []);
}

async function advanceSequences(seen: ReadonlyMap<string, number>, conn: Kysely<DB>): Promise<number> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns where table_schema = current_schema() and is_identity = 'YES'`.execute(conn);
  for (const r of rows) {
    const floor = seen.get(r.table_name) ?? 0;
    await sql`select setval(pg_get_serial_sequence(${quote(r.table_name)}, ${r.column_name}),
      greatest(coalesce((select max(${sql.ref(r.column_name)}) from ${sql.table(r.table_name)}), 0), ${floor}) + 1, false)`.execute(conn);
  }
  return rows.length;
}

export interface CopyOptions {
  /** Rows per INSERT at most (fewer for wide tables). */
  batchSize?: number;
}

export interface CopyResult {
  level: string;
  tables: TableCopy[];
  sequences: number;
}

/**
 * Copies the source into the target connection, on which the caller has begun a transaction: checks the
 * target is empty, migrates it, copies every table, advances the sequences and reads every table back
 * to compare. Throws a RuleError for a refusal; the caller rolls back on any throw.
 */
export async function copySqliteToPostgres(source: SQLite.Database, conn: Kysely<DB>, options: CopyOptions = {}): Promise<CopyResult> {
  const level = checkSourceLevel(source);
  const tables = sqliteTables(source);
  await lockMigrationsInOpenTransaction(conn);
  await checkTargetEmpty(conn, tables);
  await migrateInOpenTransaction(conn);
  const types = await targetColumns(conn, tables);
  const { order, deferred } = dependencyOrder(tables, sqliteReferences(source, tables));
  const checkDeferred = await deferChecks(conn, deferred);
  // One read transaction on the source: every table is read from the same snapshot, even if a
  // server still writes to the file meanwhile.
  source.exec('begin');
  const sourceDigests = new Map<string, Digest>();
  let marks: Map<string, number>;
  try {
    for (const t of order) sourceDigests.set(t.name, await copyTable(source, conn, t, types.get(t.name)!, options.batchSize ?? 1000));
    marks = autoincrementMarks(source);
  } finally {
    source.exec('commit');
  }
  await checkDeferred();
  const sequences = await advanceSequences(marks, conn);
  const copies: TableCopy[] = [];
  for (const t of order) copies.push({ name: t.name, source: sourceDigests.get(t.name)!, target: await postgresDigest(conn, t) });
  return { level, tables: copies, sequences };
}
