import type { Kysely } from 'kysely';
import type { Course } from '../content/catalogue';
import { inChunks } from '../db/chunks';
import type { DB } from '../db/schema';
import { progressStore } from '../learning/store';
import type { TrainingStatus } from './status';

/** How far someone is through a course's lessons in their current cycle. */
export interface LessonProgress {
  done: number;
  total: number;
  /** "3 of 6 lessons", or "" when there is nothing to say (completed, or not begun). */
  words: string;
  /**
   * Whether to say "in progress" beside a status that does not say it: the status words are
   * exclusive ("Overdue" wins over "In progress"), yet a manager chasing an overdue person needs to
   * know they are half-way through rather than not begun.
   */
  startedBehind: boolean;
}

/** Progress in words for one person, from their status and the lessons finished in the status's cycle. */
export function lessonProgress(status: TrainingStatus, done: number, total: number): LessonProgress {
  const words = status === 'completed' || done === 0 ? '' : `${done} of ${total} lesson${total === 1 ? '' : 's'}`;
  return { done, total, words, startedBehind: words !== '' && status !== 'in-progress' };
}

/**
 * Each person's progress in the cycle their status row names: one grouped query per chunk of people,
 * so a report page of 50 people costs one query.
 */
export async function lessonProgressOf<R extends { userId: number; cycle: string; status: TrainingStatus }>(
  db: Kysely<DB>, course: Course, rows: readonly R[],
): Promise<(R & { progress: LessonProgress })[]> {
  const lessonIds = course.lessons.map((l) => l.id);
  const ids = [...new Set(rows.map((r) => r.userId))];
  const counts = await inChunks(ids, (chunk) => progressStore(db).lessonsDone(course.id, lessonIds, chunk));
  const done = new Map(counts.map((c) => [`${c.user_id} ${c.cycle}`, Number(c.n)]));
  return rows.map((r) => ({ ...r, progress: lessonProgress(r.status, done.get(`${r.userId} ${r.cycle}`) ?? 0, lessonIds.length) }));
}
