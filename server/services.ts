import type { Kysely } from 'kysely';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Catalogue } from './content/catalogue';
import type { DB } from './db/schema';
import { HeavyWork } from './http/heavy-work';
import { Training } from './training/service';

/** The services built once per process from the database, clock, config and course catalogue. */
export function buildServices(config: Config, db: Kysely<DB>, clock: Clock, catalogue: Catalogue): { training: Training; heavyWork: HeavyWork } {
  return { training: new Training(db, clock, config, catalogue.courses), heavyWork: new HeavyWork(config.heavyRequests.max, config.heavyRequests.perPerson) };
}
