import type { Kysely } from 'kysely';
import { likeText, personMatches } from '../db/like';
import type { AuditEvent, DB } from '../db/schema';

export interface AuditFilter {
  /** An action, or the start of one ("auth."). */
  action?: string;
  actorId?: number;
  /** Who did it: a person whose name, e-mail or employee ID contains this, or an actor label ("system") that does. */
  actorText?: string;
  /** About a person whose name, e-mail or employee ID contains this. */
  subjectPersonText?: string;
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
    if (f.actorText) {
      const t = f.actorText;
      q = q.where((eb) => eb.or([
        eb('actor_id', 'in', eb.selectFrom('users').select('users.id').where((u) => personMatches(u, t))),
        likeText(eb.fn('lower', ['actor_label']), t.toLowerCase(), 'contains'),
      ]));
    }
    if (f.subjectPersonText) {
      const t = f.subjectPersonText;
      q = q.where('subject_type', '=', 'user').where((eb) => eb('subject_id', 'in',
        eb.selectFrom('users').select((u) => u.cast<string>('users.id', 'text').as('id')).where((u) => personMatches(u, t))));
    }
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
    /** Names of the people with these ids, for putting the log into words. */
    names: async (ids: readonly number[]) => new Map((await db.selectFrom('users').select(['id', 'name'])
      .where('id', 'in', ids.length ? [...ids] : [-1]).execute()).map((u) => [u.id, u.name])),
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
