import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import { sceneOf, type Course, type Lesson, type Scene } from '../content/catalogue';
import type { DB, LessonProgress, User } from '../db/schema';
import { touch } from '../db/unit-of-work';
import { fail, RuleError } from '../errors';
import type { Training } from '../training/service';
import type { Assignment } from '../training/status';
import { durationInWords, lessonMinimumSeconds } from './pace';
import { checkMarks, reviewMarks, SPOT_RIGHT, SPOT_WRONG } from './spot';
import { ownAttempt } from './quiz';
import { answerStore, attemptStore, progressStore, type Track } from './store';

export type { Track };

/**
 * The last answer of a lesson came sooner than its minimum time: nothing was recorded. A RuleError of
 * its own kind because the lesson route shows the scene again with this message, while any other
 * conflict from answering goes to the error page.
 */
export class TooSoonError extends RuleError {
  constructor(readonly secondsLeft: number) {
    super('conflict', `You reached the end of this lesson sooner than it can be read. Spend about ${durationInWords(secondsLeft)} more with it `
      + '(the situations and the feedback), then choose your answer again. Lessons have a minimum time so that your record shows real training.');
  }
}

export type LessonStatus = 'locked' | 'not-started' | 'in-progress' | 'completed';

export interface LessonState {
  lesson: Lesson;
  status: LessonStatus;
  currentSceneId: string | null;
}

export interface CourseState {
  lessons: LessonState[];
  completedLessons: number;
  percent: number;
  allLessonsDone: boolean;
}

/** Where the learner stands in each lesson; with sequential lessons, lesson N+1 opens after lesson N. */
export function courseState(course: Course, rows: LessonProgress[], sequential: boolean): CourseState {
  const byLesson = new Map(rows.map((r) => [r.lesson_id, r]));
  let previousDone = true;
  const lessons = course.lessons.map((lesson) => {
    const row = byLesson.get(lesson.id);
    const status: LessonStatus = row?.completed_at ? 'completed' : !previousDone && sequential ? 'locked' : row ? 'in-progress' : 'not-started';
    previousDone = status === 'completed';
    return { lesson, status, currentSceneId: row?.completed_at ? null : row?.current_scene_id ?? null };
  });
  const completedLessons = lessons.filter((l) => l.status === 'completed').length;
  return {
    lessons, completedLessons, allLessonsDone: completedLessons === lessons.length,
    percent: Math.round((100 * completedLessons) / Math.max(1, lessons.length)),
  };
}

/** Lesson and quiz rules plus the assignment that says which training cycle is open. */
export class LearningDeps {
  /** `lessonWpm`: the reading speed behind each lesson's minimum time; 0 = no minimum. */
  constructor(readonly db: Kysely<DB>, readonly clock: Clock, readonly sequential: boolean, readonly training: Training, readonly lessonWpm = 0) {}

  /**
   * The learner's open cycle for a course; the assignment says whether there is anything to do. Pages
   * read it from the status index; a change that records progress passes `fromRecords` so its cycle is
   * decided from the records themselves.
   */
  async trackFor(user: User, course: Course, fromRecords = false): Promise<{ track: Track; assignment: Assignment }> {
    const assignment = fromRecords ? await this.training.assignment(user, course) : await this.training.currentAssignment(user, course);
    return { track: { userId: user.id, courseId: course.id, cycle: assignment.cycle }, assignment };
  }

  answer(id: number) {
    return answerStore(this.db).byId(id);
  }

  /** A learner's quiz attempts at a course, every cycle. */
  attempts(userId: number, courseId: string) {
    return attemptStore(this.db).forUser(userId, courseId);
  }

  /** When the track's graded attempts were submitted: what the attempt allowance counts. */
  submittedTimes(track: Track) {
    return attemptStore(this.db).submittedTimes(track);
  }

  /** The attempt, if it belongs to this learner and this course; otherwise not-found (whose it is stays private). */
  ownAttempt(userId: number, courseId: string, attemptId: number | undefined) {
    return ownAttempt(this.db, userId, courseId, attemptId);
  }
}

export async function learnerCourseState(deps: LearningDeps, track: Track, course: Course): Promise<CourseState> {
  return courseState(course, await progressStore(deps.db).forTrack(track), deps.sequential);
}

function requireOpen(state: CourseState, lessonId: string): LessonState {
  const ls = state.lessons.find((l) => l.lesson.id === lessonId);
  if (!ls) fail('not-found', 'There is no such lesson in this course.');
  if (ls.status === 'locked') fail('conflict', 'Finish the lessons before this one first; lessons open in order.');
  return ls;
}

type Placement = 'start' | 'restart' | null;

/**
 * Where the learner is in a lesson, without writing anything: the saved scene, or the first scene on a
 * first visit (`start`) or when the course content changed and the saved scene no longer exists
 * (`restart`). The caller makes that write (place()) when it shows or accepts the scene.
 */
export async function locateScene(deps: LearningDeps, track: Track, course: Course, lessonId: string): Promise<{ lesson: Lesson; scene: Scene | null; placement: Placement }> {
  const ls = requireOpen(await learnerCourseState(deps, track, course), lessonId);
  const first = ls.lesson.scenes[0]!;
  if (ls.status === 'completed') return { lesson: ls.lesson, scene: null, placement: null };
  if (ls.status === 'not-started') return { lesson: ls.lesson, scene: first, placement: 'start' };
  const saved = ls.currentSceneId ? sceneOf(ls.lesson, ls.currentSceneId) : undefined;
  return saved ? { lesson: ls.lesson, scene: saved, placement: null } : { lesson: ls.lesson, scene: first, placement: 'restart' };
}

/** Writes the learner's place at the lesson's first scene, inside the caller's transaction. */
async function place(db: Kysely<DB>, deps: LearningDeps, track: Track, course: Course, lesson: Lesson, placement: Placement): Promise<void> {
  if (placement === null) return;
  const now = deps.clock.now().toISOString();
  const first = lesson.scenes[0]!;
  if (placement === 'restart') {
    await progressStore(db).restart(track, lesson.id, first.id, course.contentHash, now);
    return;
  }
  await progressStore(db).start(track, lesson.id, first.id, course.contentHash, now);
  // The first lesson of a cycle moves the learner to "in progress".
  touch(db, track.userId);
}

/** The scene to show, recording the learner's place when the lesson is opened for the first time. */
export async function currentScene(deps: LearningDeps, track: Track, course: Course, lessonId: string): Promise<{ lesson: Lesson; scene: Scene | null }> {
  const { lesson, scene, placement } = await locateScene(deps, track, course, lessonId);
  if (placement === null) return { lesson, scene };
  await deps.training.uow((trx) => place(trx, deps, track, course, lesson, placement));
  if (placement === 'restart') return { lesson, scene };
  // A concurrent first visit keeps the first row written: show where that row says.
  const row = await progressStore(deps.db).get(track, lessonId);
  return { lesson, scene: sceneOf(lesson, row?.current_scene_id ?? lesson.scenes[0]!.id) ?? lesson.scenes[0]! };
}

/** Refuses the answer that would finish a lesson before its minimum time since it was opened. */
function requireMinimumTime(deps: LearningDeps, lesson: Lesson, startedAt: string | null): void {
  const minimum = lessonMinimumSeconds(lesson, deps.lessonWpm);
  if (minimum === 0) return;
  const spent = startedAt === null ? 0 : Math.floor((deps.clock.now().getTime() - Date.parse(startedAt)) / 1000);
  if (spent < minimum) throw new TooSoonError(minimum - spent);
}

/** By the kind of answer sent: its refusal at a scene of the other kind (an old page, a hand-made request). */
const WRONG_KIND: Record<Scene['kind'], string> = {
  'choice': 'This scene asks you to tick the phrases that identify the patient, not to choose an option. Reload the page and tick the phrases.',
  'spot-phi': 'This scene asks you to choose one option; it has no phrases to tick. Reload the page and choose an option.',
};

/** What an answer records: the choice (or, for spot-the-PHI, the marked phrases), its outcome and where it leads. */
interface Judged {
  choiceId: string;
  outcome: string;
  /** A scene id or "end"; a wrong answer names its own scene, so the scene repeats. */
  next: string;
  marks: string[] | null;
}

/**
 * Records one answer and moves the learner on, in one transaction. Answering a scene the learner is
 * not on (a second tab, a double click, an old page) changes nothing and answers 409. `judge` reads
 * the answer against the scene (and refuses one that does not fit it) before anything is written.
 */
async function recordAnswer(
  deps: LearningDeps, actor: Actor, track: Track, course: Course, lessonId: string, sceneId: string,
  kind: Scene['kind'], judge: (scene: Scene) => Judged, untimed: boolean,
): Promise<{ answerId: number; lessonCompleted: boolean }> {
  // Nothing is written until the answer is accepted: a refused answer (400, 409) changes nothing.
  const { lesson, scene, placement } = await locateScene(deps, track, course, lessonId);
  // An answer of the wrong kind for the scene it names is refused as such, wherever the learner is.
  const named = sceneOf(lesson, sceneId);
  if (named && named.kind !== kind) fail('invalid', WRONG_KIND[kind]);
  if (!scene || scene.id !== sceneId) {
    fail('conflict', 'That question was already answered, or is not the one you are on. Continue from where you are.');
  }
  const judged = judge(scene);
  const now = deps.clock.now().toISOString();
  const next = judged.next === 'end' ? null : judged.next;
  if (next === null && !untimed) {
    // A lesson not opened yet (placement 'start') has had no time at all.
    const row = placement === 'start' ? undefined : await progressStore(deps.db).get(track, lesson.id);
    requireMinimumTime(deps, lesson, row?.started_at ?? null);
  }
  return deps.training.uow(async (trx) => {
    await place(trx, deps, track, course, lesson, placement);
    const moved = await progressStore(trx).advance(track, lesson.id, scene.id, next, now);
    if (!moved) fail('conflict', 'That question was already answered. Continue from where you are.');
    const { id } = await answerStore(trx).insert(track, {
      lesson_id: lesson.id, scene_id: scene.id, choice_id: judged.choiceId, outcome: judged.outcome, next_scene_id: judged.next,
      content_hash: course.contentHash, answered_at: now, marks: judged.marks === null ? null : JSON.stringify(judged.marks),
    });
    if (next === null) {
      await appendAudit(trx, deps.clock, actor, {
        action: 'lesson.completed', subjectType: 'user', subjectId: track.userId,
        details: { course: course.id, cycle: track.cycle, lesson: lesson.id, content: course.contentHash },
      });
    }
    return { answerId: id, lessonCompleted: next === null };
  });
}

/** One option of a choice scene; a violation's `next` is its own scene, so the learner chooses again. */
export function answerScene(
  deps: LearningDeps, actor: Actor, track: Track, course: Course, lessonId: string, sceneId: string, choiceId: string, untimed = false,
): Promise<{ answerId: number; lessonCompleted: boolean }> {
  return recordAnswer(deps, actor, track, course, lessonId, sceneId, 'choice', (scene) => {
    const choice = scene.choices.find((c) => c.id === choiceId);
    if (!choice) fail('invalid', 'Choose one of the options shown, then select Continue.');
    return { choiceId: choice.id, outcome: choice.outcome, next: choice.next, marks: null };
  }, untimed);
}

/**
 * The phrases a learner ticked in a spot-the-PHI scene, graded here: all right moves on to the scene's
 * `next`; any wrong mark records the attempt and keeps the learner on the scene to try again.
 */
export function answerSpot(
  deps: LearningDeps, actor: Actor, track: Track, course: Course, lessonId: string, sceneId: string, marked: readonly string[], untimed = false,
): Promise<{ answerId: number; lessonCompleted: boolean }> {
  return recordAnswer(deps, actor, track, course, lessonId, sceneId, 'spot-phi', (scene) => {
    if (!scene.spot) fail('invalid', WRONG_KIND['spot-phi']);
    const marks = checkMarks(scene.spot, marked);
    const { allRight } = reviewMarks(scene.spot, marks);
    return { choiceId: '', outcome: allRight ? SPOT_RIGHT : SPOT_WRONG, next: allRight ? scene.spot.next : scene.id, marks };
  }, untimed);
}
