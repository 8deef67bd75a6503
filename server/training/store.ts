import type { Kysely } from 'kysely';
import type { Completion, DB } from '../db/schema';

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
