import type { Kysely } from 'kysely';
import type { Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { DB } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { importUsers, type ParsedFile } from './import';
import type { Invite } from './service';

/** The people import as the upload page runs it, built once by compose() so the route never sees the database. */
export class PeopleImporter {
  constructor(private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock) {}

  /**
   * Saves every row of a file in one unit of work, or reports every problem of the file at once (see
   * importUsers); with `invite`, the new people's invitations are queued in that same unit of work.
   */
  run(actor: Actor, file: ParsedFile, source: string, invite?: Invite) {
    return importUsers(this.db, this.uow, this.clock, actor, file, source, invite);
  }
}
