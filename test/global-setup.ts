// Before any test file: the tools the tests drive from Debian, installed by the project's own scripts.
// poppler-utils reads PDFs back (pdftotext, pdffonts); the script returns at once when they are there.
// With TEST_DB=postgres the suite runs on PostgreSQL: a throwaway cluster is started here (unless PG_URL
// names a server to use instead) and stopped in global-teardown.ts; each test app gets its own database.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startPgCluster, type PgCluster } from './helpers/pg-cluster';

export const CLUSTER_KEY = '__privacyRoundsPgCluster';

export default async function globalSetup(): Promise<void> {
  execFileSync('bash', [path.join(__dirname, '..', 'scripts', 'ensure-poppler.sh')], { stdio: 'inherit' });
  if (process.env.TEST_DB !== 'postgres' || process.env.PG_URL) return;
  const cluster = await startPgCluster();
  // The workers jest starts after this inherit the environment, and with it the server's address.
  process.env.PG_URL = cluster.url;
  (globalThis as Record<string, unknown>)[CLUSTER_KEY] = cluster satisfies PgCluster;
  // A run stopped early (Ctrl-C, a crash) skips the teardown; the server is stopped on the way out all
  // the same, so none is left running. stop() is synchronous and does nothing the second time.
  process.once('exit', () => cluster.stop());
}
