import type { Kysely } from 'kysely';
import type { Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { DB } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { importUsers, type ParsedRow } from './import';

/** The people import as the upload page runs it, built once by compose() so the route never sees the database. */
export class PeopleImporter {
  constructor(private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  /** Saves every validated row in one unit of work: all rows or none (see importUsers). */
  run(actor: Actor, rows: ParsedRow[], source: string) {
    return importUsers(this.db, this.uow, this.clock, actor, rows, source);
  }
}
