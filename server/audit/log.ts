import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { auditStore, type AuditFilter } from './store';

export type { AuditFilter };

/** The readable audit log, as the admin page lists it. */
export class AuditLog {
  constructor(private readonly db: Kysely<DB>) {}

  /** One page of events, newest first, and how many the filter matches. */
  async page(filter: AuditFilter, limit: number, offset: number) {
    const store = auditStore(this.db);
    const [rows, total] = await Promise.all([store.page(filter, limit, offset), store.count(filter)]);
    return { rows, total };
  }
}
