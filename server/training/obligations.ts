import type { Catalogue, Course } from '../content/catalogue';
import type { User } from '../db/schema';
import type { Training } from './service';

// What "several courses" (dashboard, transcript, person pages, evidence packs) asks of the assignment
// rules of issue 16: which courses a person must take on a day. The rules decide
// (Training.personObligations, over server/assignments/); with no rules at all that is every course,
// as before issue 16.

/** The courses among a person's obligations on a day, in the order the obligations come (exempt ones included: they show as exempt). */
export async function obligatedCourses(training: Pick<Training, 'personObligations'>, catalogue: Catalogue, user: Pick<User, 'id'>, onDay: string): Promise<Course[]> {
  const out: Course[] = [];
  for (const { target } of await training.personObligations(user.id, onDay)) {
    const course = target.type === 'course' ? catalogue.get(target.id) : undefined;
    if (course && !out.includes(course)) out.push(course);
  }
  return out;
}
