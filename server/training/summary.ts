import type { Catalogue } from '../content/catalogue';
import type { User } from '../db/schema';
import type { Training } from './service';
import { certificatesOf } from '../certificates/service';
import { reasonFor, sourceInWords } from './present';
import { completionStore } from './store';
import { lessonProgressOf } from './lesson-progress';
import { obligatedCourses } from './obligations';

/** A person's training as the transcript and the admin and manager person pages show it. */
export async function personTraining(training: Training, catalogue: Catalogue, user: User) {
  const [completions, certificates, attempts, assignments] = await Promise.all([
    completionStore(training.db).forUser(user.id),
    certificatesOf(training.db, user.id),
    training.db.selectFrom('quiz_attempts').select(['id', 'course_id', 'cycle', 'started_at', 'submitted_at', 'score', 'passed', 'content_hash'])
      .where('user_id', '=', user.id).orderBy('id', 'desc').execute(),
    obligatedCourses(training, catalogue, user, training.today()).then((courses) => Promise.all(courses.map(async (course) => {
      const assignment = await training.currentAssignment(user, course);
      const [row] = await lessonProgressOf(training.db, course, [{ userId: user.id, cycle: assignment.cycle, status: assignment.status }]);
      return { course, assignment, progress: row!.progress };
    }))),
  ]);
  return {
    // Said to the person's manager or an admin: "their start date".
    assignments: assignments.map(({ course, assignment, progress }) => ({
      course, assignment, progress, reason: reasonFor(training.policy(course), assignment, user.hire_date !== null, 'their'),
    })),
    attempts: attempts.map((a) => ({ ...a, courseTitle: catalogue.get(a.course_id)?.title ?? a.course_id })),
    completions: completions.map((c) => {
      const details = JSON.parse(c.details) as { trainer?: string; reason?: string; source?: string };
      return {
      ...c,
      courseTitle: catalogue.get(c.course_id)?.title ?? c.course_id,
      completedOn: training.dayOf(c.completed_at),
      details,
      how: sourceInWords({ source: c.source, score: c.score, details }, 'how'),
      certificates: certificates.filter((x) => x.completion_id === c.id),
      };
    }),
  };
}

export type PersonTraining = Awaited<ReturnType<typeof personTraining>>;
