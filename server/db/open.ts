import type { Config } from '../config';
import { openDatabase, type Database } from './database';
import { openPostgres } from './postgres';

/** The configured engine: PostgreSQL when DATABASE_URL is set, else the SQLite file (as before). */
export function openConfigured(config: Pick<Config, 'databasePath' | 'databaseUrl' | 'dbSynchronous'>, onQuery?: (sql: string) => void): Database {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, { ...(onQuery ? { onQuery } : {}) });
  return openDatabase(config.databasePath, { synchronous: config.dbSynchronous, ...(onQuery ? { onQuery } : {}) });
}

/** Where the data lives, for a log line: the file, or the PostgreSQL host and database (never the password). */
export function describeDatabase(config: Pick<Config, 'databasePath' | 'databaseUrl'>): string {
  if (!config.databaseUrl) return config.databasePath;
  const url = new URL(config.databaseUrl);
  return `postgres://${url.host}${url.pathname}`;
}
