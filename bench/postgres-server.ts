import { Client } from 'pg';
import { startPgCluster } from '../test/helpers/pg-cluster';

// The PostgreSQL side of `npm run bench`: the server named by PG_URL, or else a throwaway cluster of
// Debian's PostgreSQL (installed by scripts/ensure-postgres.sh when missing) started the way the tests
// start theirs, but with durability on, so its commits wait for the disk as SQLite's do at
// synchronous=FULL. Each seeded organisation gets a fresh database, dropped (or the cluster removed) by stop().

export interface BenchPostgres {
  /** Where the server is, without a database: for the report. */
  where: string;
  version: string;
  /** A new, empty database on the server; its postgres:// URL. */
  createDatabase(name: string): Promise<string>;
  /** Drops what createDatabase made (on PG_URL's server) or stops and removes the throwaway cluster. */
  stop(): Promise<void>;
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
  const given = process.env.PG_URL;
  const cluster = given ? null : await startPgCluster({ durable: true });
  const adminUrl = given ?? cluster!.url;
  const created: string[] = [];
  const databaseUrl = (name: string) => { const u = new URL(adminUrl); u.pathname = `/${name}`; return u.toString(); };
  try {
    const version = await withClient(adminUrl, async (c) => String((await c.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]?.v));
    const host = new URL(adminUrl);
    return {
      where: given ? `PG_URL (${host.host})` : `a throwaway cluster on ${host.host} (fsync and synchronous_commit on, default settings otherwise)`,
      version,
      async createDatabase(name) {
        // Unique per run, so a PG_URL server shared with other runs is never reused or clobbered.
        const unique = `${name}_${process.pid}_${Date.now()}`;
        await withClient(adminUrl, (c) => c.query(`create database "${unique}"`));
        created.push(unique);
        return databaseUrl(unique);
      },
      async stop() {
        if (cluster) { cluster.stop(); return; }
        await withClient(adminUrl, async (c) => { for (const name of created) await c.query(`drop database if exists "${name}" with (force)`); });
      },
    };
  } catch (e) {
    cluster?.stop();
    throw e;
  }
}

export interface DatabaseStats { commits: number; rollbacks: number; deadlocks: number; blockReads: number; blockHits: number }

/**
 * PostgreSQL's own counters for one database over the run: commits, rollbacks (a serializable write that
 * lost a race is rolled back and retried by server/db/transaction.ts, so this counts the retries among
 * others), deadlocks, and blocks read from disk against found in shared buffers.
 */
export async function databaseStats(url: string): Promise<DatabaseStats> {
  return withClient(url, async (c) => {
    const r = (await c.query<Record<string, string>>('select xact_commit, xact_rollback, deadlocks, blks_read, blks_hit from pg_stat_database where datname = current_database()')).rows[0]!;
    return { commits: Number(r.xact_commit), rollbacks: Number(r.xact_rollback), deadlocks: Number(r.deadlocks), blockReads: Number(r.blks_read), blockHits: Number(r.blks_hit) };
  });
}
