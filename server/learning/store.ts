import type { Kysely } from 'kysely';
import type { DB, QuizAttempt } from '../db/schema';

/** Whose progress, in which course and training cycle. */
export interface Track {
  userId: number;
  courseId: string;
  cycle: string;
}

export function progressStore(db: Kysely<DB>) {
  const of = (track: Track) => db.selectFrom('lesson_progress').selectAll()
    .where('user_id', '=', track.userId).where('course_id', '=', track.courseId).where('cycle', '=', track.cycle);
  const update = (track: Track, lessonId: string) => db.updateTable('lesson_progress')
    .where('user_id', '=', track.userId).where('course_id', '=', track.courseId).where('cycle', '=', track.cycle).where('lesson_id', '=', lessonId);
  return {
    forTrack: (track: Track) => of(track).execute(),
    get: (track: Track, lessonId: string) => of(track).where('lesson_id', '=', lessonId).executeTakeFirst(),
    /** Creates the row at the first scene; a concurrent start keeps the first row. */
    start: (track: Track, lessonId: string, sceneId: string, contentHash: string, now: string) =>
      db.insertInto('lesson_progress').values({
        user_id: track.userId, course_id: track.courseId, cycle: track.cycle, lesson_id: lessonId, current_scene_id: sceneId,
        content_hash: contentHash, started_at: now, updated_at: now, completed_at: null,
      }).onConflict((oc) => oc.columns(['user_id', 'course_id', 'cycle', 'lesson_id']).doNothing()).execute(),
    restart: (track: Track, lessonId: string, sceneId: string, contentHash: string, now: string) =>
      update(track, lessonId).set({ current_scene_id: sceneId, content_hash: contentHash, updated_at: now })
        .where('completed_at', 'is', null).execute(),
    /** Moves on from `fromScene` only if the learner is still there: a double submit moves once. */
    advance: async (track: Track, lessonId: string, fromScene: string, next: string | null, now: string) => {
      const r = await update(track, lessonId)
        .set({ current_scene_id: next, updated_at: now, ...(next === null ? { completed_at: now } : {}) })
        .where('current_scene_id', '=', fromScene).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** Finished lessons per person and cycle, counting only the lessons the course has now. */
    lessonsDone: (courseId: string, lessonIds: readonly string[], userIds: readonly number[]) =>
      db.selectFrom('lesson_progress').select(['user_id', 'cycle', (eb) => eb.fn.countAll<number>().as('n')])
        .where('course_id', '=', courseId).where('user_id', 'in', userIds.length ? [...userIds] : [-1])
        .where('lesson_id', 'in', lessonIds.length ? [...lessonIds] : [''])
        .where('completed_at', 'is not', null).groupBy(['user_id', 'cycle']).execute(),
    /** The cycles in which a learner has begun anything (lessons or quiz) for a course. */
    startedCycles: async (userId: number, courseId: string): Promise<Set<string>> => {
      const rows = await db.selectFrom('lesson_progress').select('cycle').distinct()
        .where('user_id', '=', userId).where('course_id', '=', courseId)
        .union(db.selectFrom('quiz_attempts').select('cycle').where('user_id', '=', userId).where('course_id', '=', courseId))
        .execute();
      return new Set(rows.map((r) => r.cycle));
    },
  };
}

export function answerStore(db: Kysely<DB>) {
  return {
    insert: (track: Track, row: { lesson_id: string; scene_id: string; choice_id: string; outcome: string; next_scene_id: string; content_hash: string; answered_at: string; marks?: string | null }) =>
      db.insertInto('scene_answers').values({ ...row, user_id: track.userId, course_id: track.courseId, cycle: track.cycle }).returning('id').executeTakeFirstOrThrow(),
    byId: (id: number) => db.selectFrom('scene_answers').selectAll().where('id', '=', id).executeTakeFirst(),
  };
}

export function attemptStore(db: Kysely<DB>) {
  return {
    byId: (id: number) => db.selectFrom('quiz_attempts').selectAll().where('id', '=', id).executeTakeFirst(),
    forUser: (userId: number, courseId: string) =>
      db.selectFrom('quiz_attempts').selectAll().where('user_id', '=', userId).where('course_id', '=', courseId).orderBy('id', 'desc').execute(),
    /** The learner's most recent attempt at a course, in any cycle: the next draw avoids its questions. */
    latest: (userId: number, courseId: string) =>
      db.selectFrom('quiz_attempts').selectAll().where('user_id', '=', userId).where('course_id', '=', courseId).orderBy('id', 'desc').limit(1).executeTakeFirst(),
    openFor: (track: Track, contentHash: string) =>
      db.selectFrom('quiz_attempts').selectAll().where('user_id', '=', track.userId).where('course_id', '=', track.courseId).where('cycle', '=', track.cycle)
        .where('content_hash', '=', contentHash).where('submitted_at', 'is', null).orderBy('id', 'desc').executeTakeFirst(),
    /** When each graded attempt of the cycle was submitted: the attempt limit counts these. */
    submittedTimes: async (track: Track): Promise<string[]> => (await db.selectFrom('quiz_attempts').select('submitted_at')
      .where('user_id', '=', track.userId).where('course_id', '=', track.courseId).where('cycle', '=', track.cycle).where('submitted_at', 'is not', null)
      .execute()).map((r) => r.submitted_at!),
    insert: (row: Omit<QuizAttempt, 'id'>) => db.insertInto('quiz_attempts').values(row).returning('id').executeTakeFirstOrThrow(),
    /** Records the grade only if the attempt is still open: a second or concurrent submit grades nothing. */
    grade: async (id: number, g: { submitted_at: string; answers: string; correct_count: number; score: number; passed: number }) => {
      const r = await db.updateTable('quiz_attempts').set(g).where('id', '=', id).where('submitted_at', 'is', null).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}

/** Answers of an open attempt as the learner chooses them (migration 0011). */
export function savedAnswerStore(db: Kysely<DB>) {
  return {
    forAttempt: (attemptId: number) => db.selectFrom('quiz_saved_answers').select(['question_id', 'choices']).where('attempt_id', '=', attemptId).execute(),
    /** One row per question: the latest choice wins (an upsert, so two tabs cannot add a second row). */
    save: (attemptId: number, questionId: string, choices: string[], now: string) =>
      db.insertInto('quiz_saved_answers').values({ attempt_id: attemptId, question_id: questionId, choices: JSON.stringify(choices), saved_at: now })
        .onConflict((oc) => oc.columns(['attempt_id', 'question_id']).doUpdateSet({ choices: JSON.stringify(choices), saved_at: now })).execute(),
    remove: (attemptId: number, questionId: string) =>
      db.deleteFrom('quiz_saved_answers').where('attempt_id', '=', attemptId).where('question_id', '=', questionId).execute(),
    clear: (attemptId: number) => db.deleteFrom('quiz_saved_answers').where('attempt_id', '=', attemptId).execute(),
  };
}
