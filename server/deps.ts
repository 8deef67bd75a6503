import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DatabaseSessionStore } from './auth/session-store';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Catalogue } from './content/catalogue';
import type { Training } from './training/service';
import type { DB } from './db/schema';

/** Everything the app is built from; tests pass their own (a fresh database file, a movable clock). */
export interface AppDeps {
  config: Config;
  db: Kysely<DB>;
  clock: Clock;
  log: Logger;
  sessions: DatabaseSessionStore;
  catalogue: Catalogue;
  /** Cycle rules, assignments and the status index, shared by every route. */
  training: Training;
}
