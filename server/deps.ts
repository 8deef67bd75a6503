import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DatabaseSessionStore } from './auth/session-store';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Catalogue } from './content/catalogue';
import type { HeavyWork } from './http/heavy-work';
import type { Training } from './training/service';
import type { DB } from './db/schema';

/** Everything the app is built from; tests pass their own (a fresh database file, a movable clock). */
export interface AppDeps {
  config: Config;
  db: Kysely<DB>;
  /** The health check's read (Database.readable); without it, /healthz asks through `db`. */
  databaseReadable?: () => boolean;
  clock: Clock;
  log: Logger;
  sessions: DatabaseSessionStore;
  catalogue: Catalogue;
  /** Cycle rules, assignments and the status index, shared by every route. */
  training: Training;
  /** Exports and imports running now: at most so many at once (config.heavyRequests). */
  heavyWork: HeavyWork;
}
