import type { Kysely } from 'kysely';
import type { Certificate, Completion, DB } from '../db/schema';

/** Set on quiz completions only (training/finish.ts). */
type PaceColumns = 'study_seconds' | 'min_study_seconds' | 'pace';

export function completionStore(db: Kysely<DB>) {
  return {
    /** Completions that count: all but those whose certificate was revoked (imported ones have none). */
    counted: (userId: number, courseId: string) =>
      db.selectFrom('completions').selectAll()
        .where('user_id', '=', userId).where('course_id', '=', courseId)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('certificates').select('certificates.id')
          .whereRef('certificates.completion_id', '=', 'completions.id').where('certificates.status', '=', 'revoked'))))
        .orderBy('completed_at', 'desc').execute(),
    forUser: (userId: number) =>
      db.selectFrom('completions').selectAll().where('user_id', '=', userId).orderBy('completed_at', 'desc').execute(),
    byId: (id: number) => db.selectFrom('completions').selectAll().where('id', '=', id).executeTakeFirst(),
    byCycle: (userId: number, courseId: string, cycle: string) =>
      db.selectFrom('completions').selectAll().where('user_id', '=', userId).where('course_id', '=', courseId).where('cycle', '=', cycle).executeTakeFirst(),
    /** Inserts unless this person already has a completion for the cycle (or this attempt); returns the new id or undefined. */
    insertOnce: async (row: Omit<Completion, 'id' | 'details' | PaceColumns> & Partial<Pick<Completion, 'details' | PaceColumns>>): Promise<number | undefined> => {
      const r = await db.insertInto('completions').values(row).onConflict((oc) => oc.doNothing()).returning('id').executeTakeFirst();
      return r?.id;
    },
  };
}

export function certificateStore(db: Kysely<DB>) {
  return {
    insert: (row: Omit<Certificate, 'id' | 'status' | 'revoked_at' | 'revoked_reason' | 'replaced_by'>) =>
      db.insertInto('certificates').values(row).returning('id').executeTakeFirstOrThrow(),
    byId: (id: number) => db.selectFrom('certificates').selectAll().where('id', '=', id).executeTakeFirst(),
    byCodeHash: (hash: string) => db.selectFrom('certificates').selectAll().where('code_hash', '=', hash).executeTakeFirst(),
    forCompletion: (completionId: number) =>
      db.selectFrom('certificates').selectAll().where('completion_id', '=', completionId).orderBy('id', 'desc').execute(),
    /** The certificates of a person, newest first, with their completion. */
    forUser: (userId: number) =>
      db.selectFrom('certificates').innerJoin('completions', 'completions.id', 'certificates.completion_id')
        .selectAll('certificates')
        .select(['completions.user_id', 'completions.course_id', 'completions.cycle', 'completions.completed_at', 'completions.valid_until', 'completions.score', 'completions.source', 'completions.content_hash'])
        .where('completions.user_id', '=', userId).orderBy('certificates.id', 'desc').execute(),
    setStatus: (id: number, fields: { status: 'revoked' | 'replaced'; revoked_at?: string; revoked_reason?: string; replaced_by?: number }) =>
      db.updateTable('certificates').set(fields).where('id', '=', id).where('status', '=', 'valid').executeTakeFirst(),
  };
}
