import type { Kysely } from 'kysely';
import type { DB, QuizAttempt } from '../db/schema';

export function progressStore(db: Kysely<DB>) {
  return {
    forCourse: (userId: number, courseId: string) =>
      db.selectFrom('lesson_progress').selectAll().where('user_id', '=', userId).where('course_id', '=', courseId).execute(),
    get: (userId: number, courseId: string, lessonId: string) =>
      db.selectFrom('lesson_progress').selectAll()
        .where('user_id', '=', userId).where('course_id', '=', courseId).where('lesson_id', '=', lessonId).executeTakeFirst(),
    /** Creates the row at the first scene; a concurrent start keeps the first row. */
    start: (row: { user_id: number; course_id: string; lesson_id: string; current_scene_id: string; content_hash: string; now: string }) =>
      db.insertInto('lesson_progress').values({
        user_id: row.user_id, course_id: row.course_id, lesson_id: row.lesson_id, current_scene_id: row.current_scene_id,
        content_hash: row.content_hash, started_at: row.now, updated_at: row.now, completed_at: null,
      }).onConflict((oc) => oc.columns(['user_id', 'course_id', 'lesson_id']).doNothing()).execute(),
    restart: (userId: number, courseId: string, lessonId: string, sceneId: string, contentHash: string, now: string) =>
      db.updateTable('lesson_progress').set({ current_scene_id: sceneId, content_hash: contentHash, updated_at: now })
        .where('user_id', '=', userId).where('course_id', '=', courseId).where('lesson_id', '=', lessonId)
        .where('completed_at', 'is', null).execute(),
    /** Moves on from `fromScene` only if the learner is still there: a double submit moves once. */
    advance: async (userId: number, courseId: string, lessonId: string, fromScene: string, next: string | null, now: string) => {
      const r = await db.updateTable('lesson_progress')
        .set({ current_scene_id: next, updated_at: now, ...(next === null ? { completed_at: now } : {}) })
        .where('user_id', '=', userId).where('course_id', '=', courseId).where('lesson_id', '=', lessonId)
        .where('current_scene_id', '=', fromScene).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}

export function answerStore(db: Kysely<DB>) {
  return {
    insert: (row: { user_id: number; course_id: string; lesson_id: string; scene_id: string; choice_id: string; outcome: string; next_scene_id: string; content_hash: string; answered_at: string }) =>
      db.insertInto('scene_answers').values(row).returning('id').executeTakeFirstOrThrow(),
    byId: (id: number) => db.selectFrom('scene_answers').selectAll().where('id', '=', id).executeTakeFirst(),
  };
}

export function attemptStore(db: Kysely<DB>) {
  return {
    byId: (id: number) => db.selectFrom('quiz_attempts').selectAll().where('id', '=', id).executeTakeFirst(),
    forUser: (userId: number, courseId: string) =>
      db.selectFrom('quiz_attempts').selectAll().where('user_id', '=', userId).where('course_id', '=', courseId).orderBy('id', 'desc').execute(),
    openFor: (userId: number, courseId: string, contentHash: string) =>
      db.selectFrom('quiz_attempts').selectAll().where('user_id', '=', userId).where('course_id', '=', courseId)
        .where('content_hash', '=', contentHash).where('submitted_at', 'is', null).orderBy('id', 'desc').executeTakeFirst(),
    countSubmitted: async (userId: number, courseId: string) => Number((await db.selectFrom('quiz_attempts')
      .select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('course_id', '=', courseId)
      .where('submitted_at', 'is not', null).executeTakeFirstOrThrow()).n),
    insert: (row: Omit<QuizAttempt, 'id'>) => db.insertInto('quiz_attempts').values(row).returning('id').executeTakeFirstOrThrow(),
    /** Records the grade only if the attempt is still open: a second or concurrent submit grades nothing. */
    grade: async (id: number, g: { submitted_at: string; answers: string; correct_count: number; score: number; passed: number }) => {
      const r = await db.updateTable('quiz_attempts').set(g).where('id', '=', id).where('submitted_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}
