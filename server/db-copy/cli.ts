import fs from 'node:fs';
import type { Command } from 'commander';
import { sql } from 'kysely';
import { parseAnchors } from '../audit/anchor';
import { useAuditKeys } from '../audit/keyring';
import { appendAudit, verifyAuditChain, type VerifyResult } from '../audit/service';
import { systemClock } from '../clock';
import { loadConfig, type Config } from '../config';
import { copySqliteToPostgres, type CopyResult } from '../db/copy';
import { openDatabase } from '../db/database';
import { describeDatabase } from '../db/open';
import { isPostgresUrl, openPostgres } from '../db/postgres';
import { fail } from '../errors';

// `db:copy --to postgres://…` (issue 19): moves a SQLite deployment onto PostgreSQL, all or nothing,
// and shows per table that the copy holds exactly the source's rows.

const CLI_ACTOR = { id: null, label: 'cli' };

/** The target named without its password (the URL may carry one; it is never printed). */
function safeName(url: string): string {
  return describeDatabase({ databasePath: '', databaseUrl: url });
}

function checkTargetUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!isPostgresUrl(url) || !parsed || !parsed.hostname || parsed.pathname.length < 2) {
    fail('invalid', '--to must be a PostgreSQL address such as postgres://user:password@db.example.org:5432/privacy_rounds (with the database name). Nothing was changed.');
  }
}

/** What must travel with the database: the secrets the server keeps in DATA_DIR unless the environment sets them. */
export function nextSteps(config: Config, env: NodeJS.ProcessEnv, target: string): string[] {
  const kept = [
    env.AUDIT_KEY ? 'AUDIT_KEY (set in the environment: keep the same value, and AUDIT_KEYS_OLD if set)' : `${config.dataDir}/audit-key (seals the audit log: without it audit:verify cannot check the copied events)`,
    env.SESSION_SECRET ? 'SESSION_SECRET (set in the environment: keep the same value)' : `${config.dataDir}/session-secret (signs sign-in cookies: people stay signed in)`,
    `${config.auditAnchorFile} if you use audit:anchor (the copied events keep their ids and hashes, so the anchors still match)`,
  ];
  return [
    'Next:',
    `  1. Set DATABASE_URL=${target.replace('postgres://', 'postgres://USER:PASSWORD@')} in the server's environment (or .env) and start it; /healthz then reports "database": "postgres".`,
    `  2. Keep DATA_DIR (${config.dataDir}) with the server, or the same values in the environment: the database does not hold these:`,
    ...kept.map((k) => `     - ${k}`),
    '  3. Keep the SQLite file as it is until the new server is checked; it was not changed. Back up PostgreSQL with pg_dump from now on (README "Backups on PostgreSQL").',
  ];
}

function table(result: CopyResult): string[] {
  const width = Math.max(5, ...result.tables.map((t) => t.name.length));
  const lines = [`${'table'.padEnd(width)}  ${'rows'.padStart(9)}  ${'hash'.padEnd(12)}  ok`];
  for (const t of result.tables) {
    const ok = t.source.rows === t.target.rows && t.source.hash === t.target.hash;
    const why = ok ? 'ok' : `MISMATCH (source ${t.source.rows} rows ${t.source.hash.slice(0, 12)})`;
    lines.push(`${t.name.padEnd(width)}  ${String(t.target.rows).padStart(9)}  ${t.target.hash.slice(0, 12)}  ${why}`);
  }
  return lines;
}

const matches = (r: CopyResult) => r.tables.every((t) => t.source.rows === t.target.rows && t.source.hash === t.target.hash);

/** The anchor file's anchors when there is one, so the copy is checked against them too. */
function anchorsOf(config: Config) {
  return fs.existsSync(config.auditAnchorFile) ? parseAnchors(fs.readFileSync(config.auditAnchorFile, 'utf8')) : [];
}

export function addDbCopyCommand(program: Command): void {
  program.command('db:copy')
    .description('copy this SQLite deployment (DATA_DIR\'s file) into an empty PostgreSQL database: all or nothing, then checked table by table')
    .requiredOption('--to <url>', 'postgres://user:password@host:port/database of a new, empty database (the password may instead be in PGPASSWORD or ~/.pgpass)')
    .option('--batch <n>', 'rows per INSERT statement', '1000')
    .action(async (opts: { to: string; batch: string }) => {
      const config = loadConfig();
      if (config.databaseUrl) {
        fail('invalid', `DATABASE_URL is set: this deployment already runs on PostgreSQL (${describeDatabase(config)}). db:copy copies the SQLite file in DATA_DIR; unset DATABASE_URL to copy from it. Nothing was changed.`);
      }
      const batchSize = Number(opts.batch);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) fail('invalid', '--batch must be a whole number from 1 to 10,000.');
      checkTargetUrl(opts.to);
      if (!fs.existsSync(config.databasePath)) fail('invalid', `There is no SQLite database at ${config.databasePath} (DATA_DIR or DATABASE_PATH). Nothing was changed.`);
      useAuditKeys(config.auditKeys);
      const target = safeName(opts.to);
      const source = openDatabase(config.databasePath, { synchronous: config.dbSynchronous });
      const pg = openPostgres(opts.to, { max: 2 });
      try {
        try {
          await sql`select 1`.execute(pg.db);
        } catch (e) {
          fail('invalid', `Cannot reach the target ${target}: ${(e as Error).message}. Nothing was changed.`);
        }
        console.log(`Copying ${config.databasePath} to ${target}. Stop the server first: changes made after the copy starts are not copied.`);
        const started = Date.now();
        const anchors = anchorsOf(config);
        // One connection, one transaction: the migrations, every row, the sequences and the checks
        // commit together, or a failure anywhere leaves the target as empty as it was.
        const { result, chain } = await pg.db.connection().execute(async (conn) => {
          await sql`begin`.execute(conn);
          try {
            const r = await copySqliteToPostgres(source.sqlite, conn, { batchSize });
            const c = await verifyAuditChain(conn, { keys: config.auditKeys, anchors });
            if (matches(r) && c.ok) await sql`commit`.execute(conn);
            else await sql`rollback`.execute(conn);
            return { result: r, chain: c };
          } catch (e) {
            await sql`rollback`.execute(conn).catch(() => undefined);
            throw e;
          }
        });
        const seconds = (Date.now() - started) / 1000;
        for (const line of table(result)) console.log(line);
        const rows = result.tables.reduce((n, t) => n + t.target.rows, 0);
        if (!matches(result)) fail('conflict', `The copy did not match its source (see MISMATCH above): it was rolled back and ${target} is unchanged.`);
        if (!chain.ok) fail('conflict', `The copied audit log does not verify (event ${chain.brokenAt}: ${chain.reason}); check the source with audit:verify. The copy was rolled back and ${target} is unchanged.`);
        // The copy is itself an event in the target's chain, added once the copy verified.
        await pg.db.transaction().execute((trx) => appendAudit(trx, systemClock, CLI_ACTOR, {
          action: 'database.copied', details: { from: config.databasePath, tables: result.tables.length, rows, level: result.level },
        }));
        const after: VerifyResult = await verifyAuditChain(pg.db, { keys: config.auditKeys, anchors });
        if (!after.ok) fail('conflict', `The audit log on ${target} does not verify after the copy event (event ${after.brokenAt}: ${after.reason}).`);
        console.log(`Copied ${result.tables.length} tables, ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / Math.max(seconds, 0.001))} rows/s) to ${target} at migration ${result.level}: `
          + `every row count and hash matches; audit log OK (${chain.events} events copied, ${after.events} with the copy event); ${result.sequences} id sequences set past the largest id.`);
        for (const line of nextSteps(config, process.env, target)) console.log(line);
      } finally {
        await pg.close();
        await source.close();
      }
    });
}
