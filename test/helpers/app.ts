import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { createApp } from '../../server/app';
import type { DatabaseSessionStore } from '../../server/auth/session-middleware';
import { compose, type Composed } from '../../server/compose';
import { loadConfig, type Config } from '../../server/config';
import type { Database } from '../../server/db/database';
import { openConfigured } from '../../server/db/open';
import { migrateToLatest } from '../../server/db/migrate';
import type { DB } from '../../server/db/schema';
import type { UnitOfWork } from '../../server/db/unit-of-work';
import { createLogger } from '../../server/http/logging';
import type { Training } from '../../server/training/service';
import type { Catalogue } from '../../server/content/catalogue';
import { TestClock } from './clock';
import { createTestDatabase, onPostgres } from './test-db';

export interface TestApp {
  app: Express;
  db: Kysely<DB>;
  database: Database;
  clock: TestClock;
  config: Config;
  sessions: DatabaseSessionStore;
  catalogue: Catalogue;
  training: Training;
  uow: UnitOfWork;
  /** Everything compose() built, for a test that makes a second app over the same services. */
  services: Composed;
  dir: string;
  /** The variables that point a child process (the CLI, a second server) at this app's database: DATABASE_URL on PostgreSQL, none on SQLite (DATA_DIR finds the file). */
  databaseEnv: Record<string, string>;
  close(): Promise<void>;
}

export const TEST_AUDIT_KEY = 'a1'.repeat(32);

const unitsOfWork = new WeakMap<Kysely<DB>, UnitOfWork>();

/** The unit of work of the test app that owns this database, for factories that are handed only the database. */
export function unitOfWorkFor(db: Kysely<DB>): UnitOfWork {
  const uow = unitsOfWork.get(db);
  if (!uow) throw new Error('This database does not belong to an app from buildTestApp.');
  return uow;
}

/**
 * A real app over a fresh SQLite file in its own temp folder (or, with TEST_DB=postgres, a fresh
 * PostgreSQL database), with a movable clock; silent unless given a logger. `onQuery` sees the SQL of every query.
 */
export async function buildTestApp(env: Record<string, string> = {}, log?: Logger, onQuery?: (sql: string) => void): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-test-'));
  // DATABASE_URL: '' asks for a SQLite app even under TEST_DB=postgres (db:copy's source).
  const pg = onPostgres && env.DATABASE_URL === undefined ? await createTestDatabase() : undefined;
  const config = loadConfig({
    ...(pg ? { DATABASE_URL: pg.url } : {}),
    NODE_ENV: 'test', DATA_DIR: dir, LOG_LEVEL: 'silent', SESSION_SECRET: 'test-secret-that-is-long-enough-for-the-check',
    // One fixed audit key for every app in a test file, as the key is a process-wide setting.
    AUDIT_KEY: TEST_AUDIT_KEY,
    BASE_URL: 'http://127.0.0.1:3000', ORG_NAME: 'Riverside General', TIME_ZONE: 'America/Chicago', ...env,
  });
  const clock = new TestClock();
  const services = compose(config, { clock, log: log ?? createLogger('silent'), ...(onQuery ? { database: openConfigured(config, onQuery) } : {}) });
  await migrateToLatest(services.db);
  unitsOfWork.set(services.db, services.uow);
  const app = createApp(services);
  const { db, database, sessions, catalogue, training, uow } = services;
  return {
    app, db, database, clock, config, sessions, catalogue, training, uow, services, dir,
    databaseEnv: config.databaseUrl ? { DATABASE_URL: config.databaseUrl } : {},
    async close() {
      await services.close();
      await pg?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
