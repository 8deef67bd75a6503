import { PostgresAdapter, sql, type Expression, type Kysely } from 'kysely';

/**
 * A text column to ORDER BY, compared byte by byte on both engines. SQLite compares text with BINARY
 * (code point order: "Zed" before "alice", "Émile" after both); PostgreSQL with its database's collation,
 * which on a usual server (en_US.UTF-8, or ICU) ignores case and accents. So the same organisation listed
 * people in another order on each engine, and a deployment moved with db:copy changed its reports'
 * order. "C" on PostgreSQL is exactly SQLite's order. The SQLite side stays a plain column, so its
 * indexes still serve the sort.
 */
export function byteOrder<DB>(db: Kysely<DB>, column: string): Expression<string> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return sql<string>`${sql.ref(column)} collate "C"`;
  return sql.ref<string>(column);
}
