import type { Kysely } from 'kysely';
import type { Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { DB } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { importUsers, type ParsedFile } from './import';

/** The people import as the upload page runs it, built once by compose() so the route never sees the database. */
export class PeopleImporter {
  constructor(private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  /** Saves every row of a file in one unit of work, or reports every problem of the file at once (see importUsers). */
  run(actor: Actor, file: ParsedFile, source: string) {
    return importUsers(this.db, this.uow, this.clock, actor, file, source);
  }
}
