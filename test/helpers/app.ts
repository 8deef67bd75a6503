import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { createApp } from '../../server/app';
import { useAuditKeys } from '../../server/audit/keyring';
import { DatabaseSessionStore } from '../../server/auth/session-store';
import { loadConfig, type Config } from '../../server/config';
import { openDatabase, type Database } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrate';
import type { DB } from '../../server/db/schema';
import { createLogger } from '../../server/http/logging';
import { loadCatalogue } from '../../server/content/loader';
import { buildServices } from '../../server/services';
import type { Training } from '../../server/training/service';
import type { Catalogue } from '../../server/content/catalogue';
import { TestClock } from './clock';

export interface TestApp {
  app: Express;
  db: Kysely<DB>;
  database: Database;
  clock: TestClock;
  config: Config;
  sessions: DatabaseSessionStore;
  catalogue: Catalogue;
  training: Training;
  dir: string;
  close(): Promise<void>;
}

export const TEST_AUDIT_KEY = 'a1'.repeat(32);

/** A real app over a fresh SQLite file in its own temp folder, with a movable clock; silent unless given a logger. */
export async function buildTestApp(env: Record<string, string> = {}, log?: Logger): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-test-'));
  const config = loadConfig({
    NODE_ENV: 'test', DATA_DIR: dir, LOG_LEVEL: 'silent', SESSION_SECRET: 'test-secret-that-is-long-enough-for-the-check',
    // One fixed audit key for every app in a test file, as the key is a process-wide setting.
    AUDIT_KEY: TEST_AUDIT_KEY,
    BASE_URL: 'http://127.0.0.1:3000', ORG_NAME: 'Riverside General', TIME_ZONE: 'America/Chicago', ...env,
  });
  useAuditKeys(config.auditKeys);
  const database = openDatabase(config.databasePath);
  await migrateToLatest(database.db);
  const clock = new TestClock();
  const sessions = new DatabaseSessionStore(database.db, clock, config.sessionIdleMs);
  const catalogue = loadCatalogue(config.contentDir);
  const services = buildServices(config, database.db, clock, catalogue);
  const app = createApp({ config, db: database.db, databaseReadable: database.readable, clock, log: log ?? createLogger('silent'), sessions, catalogue, ...services });
  return {
    app, db: database.db, database, clock, config, sessions, catalogue, training: services.training, dir,
    async close() {
      sessions.stop();
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
