import type { Kysely } from 'kysely';
import { likeText } from '../db/like';
import type { AuditEvent, DB } from '../db/schema';

export interface AuditFilter {
  action?: string;
  actorId?: number;
  subjectType?: string;
  subjectId?: string;
  from?: string;
  to?: string;
}

export function auditStore(db: Kysely<DB>) {
  const filtered = (f: AuditFilter) => {
    let q = db.selectFrom('audit_events');
    if (f.action) q = q.where((eb) => likeText(eb.ref('action'), f.action!, 'prefix'));
    if (f.actorId !== undefined) q = q.where('actor_id', '=', f.actorId);
    if (f.subjectType) q = q.where('subject_type', '=', f.subjectType);
    if (f.subjectId) q = q.where('subject_id', '=', f.subjectId);
    if (f.from) q = q.where('occurred_at', '>=', f.from);
    if (f.to) q = q.where('occurred_at', '<', f.to);
    return q;
  };
  return {
    last: () => db.selectFrom('audit_events').select(['id', 'hash', 'key_id']).orderBy('id', 'desc').limit(1).executeTakeFirst(),
    insert: (row: Omit<AuditEvent, 'id'>) =>
      db.insertInto('audit_events').values(row).returning('id').executeTakeFirstOrThrow(),
    page: (f: AuditFilter, limit: number, offset: number) =>
      filtered(f).selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
    count: async (f: AuditFilter) =>
      Number((await filtered(f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    /** Walks the whole log in id order, a batch at a time, so verifying a large log uses little memory. */
    async *inOrder(batch = 1000): AsyncGenerator<AuditEvent> {
      let after = 0;
      for (;;) {
        const rows = await db.selectFrom('audit_events').selectAll().where('id', '>', after)
          .orderBy('id', 'asc').limit(batch).execute();
        if (rows.length === 0) return;
        for (const row of rows) yield row;
        after = rows[rows.length - 1]!.id;
      }
    },
  };
}
