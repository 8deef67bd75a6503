// Stops the PostgreSQL cluster global-setup.ts started (none when the suite ran on SQLite or on PG_URL).
import type { PgCluster } from './helpers/pg-cluster';
import { CLUSTER_KEY } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const store = globalThis as Record<string, unknown>;
  const cluster = store[CLUSTER_KEY] as PgCluster | undefined;
  if (!cluster) return;
  delete store[CLUSTER_KEY];
  delete process.env.PG_URL;
  cluster.stop();
}
