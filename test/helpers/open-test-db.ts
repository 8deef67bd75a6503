import path from 'node:path';
import { openDatabase, type Database } from '../../server/db/database';
import { openPostgres } from '../../server/db/postgres';

/** The database the CLI under test used: DATABASE_URL's (useFreshDatabaseInEnv) or DATA_DIR's SQLite file. */
export function openDatabaseOf(dataDir: string, env: NodeJS.ProcessEnv = process.env): Database {
  return env.DATABASE_URL ? openPostgres(env.DATABASE_URL) : openDatabase(path.join(dataDir, 'privacy-rounds.sqlite'));
}
