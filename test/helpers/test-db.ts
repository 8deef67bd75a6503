import crypto from 'node:crypto';
import { Client } from 'pg';

/*
 * Which engine the tests run on: SQLite files (the default) or, with TEST_DB=postgres, PostgreSQL at
 * PG_URL (the throwaway cluster test/global-setup.ts starts, or a server the developer names). Each
 * test app gets a database of its own there, as it gets a SQLite file of its own otherwise.
 */

export const onPostgres = process.env.TEST_DB === 'postgres';

export interface TestDatabase {
  /** DATABASE_URL for the app. */
  url: string;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.PG_URL;
  if (!url) throw new Error('TEST_DB=postgres needs PG_URL (set by the jest global setup, or by you for a server of your own).');
  return url;
}

async function asAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * CREATE DATABASE t_<random>: empty, for the app's own migrations to fill. The cluster's collation is C;
 * `icuLocale` (e.g. 'en-US') gives the database a collation like a usual production server's instead.
 */
export async function createTestDatabase(options: { icuLocale?: string } = {}): Promise<TestDatabase> {
  const name = `t_${crypto.randomBytes(8).toString('hex')}`;
  const collation = options.icuLocale ? ` template template0 locale_provider icu icu_locale '${options.icuLocale.replace(/[^A-Za-z-]/g, '')}'` : '';
  await asAdmin((c) => c.query(`create database ${name}${collation}`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // WITH (FORCE): a connection a test left open (a second app, a killed child) does not keep it.
    drop: () => asAdmin(async (c) => { await c.query(`drop database if exists ${name} with (force)`); }),
  };
}

/**
 * For tests that run the CLI or the server in this process with process.env: on PostgreSQL, points
 * DATABASE_URL at a fresh database (on SQLite, DATA_DIR's file is fresh already). Returns what drops it.
 */
export async function useFreshDatabaseInEnv(): Promise<() => Promise<void>> {
  if (!onPostgres) return async () => undefined;
  const database = await createTestDatabase();
  process.env.DATABASE_URL = database.url;
  return database.drop;
}
