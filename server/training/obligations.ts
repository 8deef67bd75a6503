import type { Catalogue, Course } from '../content/catalogue';
import type { User } from '../db/schema';
import type { PersonObligation } from '../assignments/obligations';
import type { Training } from './service';

// What "several courses" (dashboard, transcript, person pages, evidence packs) asks of the assignment
// rules of issue 16: which courses a person must take on a day. The rules decide
// (Training.personObligations, over server/assignments/); with no rules at all that is every course,
// as before issue 16.

/** The courses among obligations, in the order the obligations come (exempt ones included: they show as exempt). */
function coursesAmong(catalogue: Catalogue, obligations: readonly PersonObligation[]): Course[] {
  const out: Course[] = [];
  for (const { target } of obligations) {
    const course = target.type === 'course' ? catalogue.get(target.id) : undefined;
    if (course && !out.includes(course)) out.push(course);
  }
  return out;
}

/** The courses among a person's obligations on a day. */
export async function obligatedCourses(training: Pick<Training, 'personObligations'>, catalogue: Catalogue, user: Pick<User, 'id'>, onDay: string): Promise<Course[]> {
  return coursesAmong(catalogue, await training.personObligations(user.id, onDay));
}

/**
 * obligatedCourses for a slice of people at a time (evidence packs): the rules read once for all the
 * slices, each slice's people in a few queries.
 */
export function obligatedCoursesReader(
  training: Pick<Training, 'obligationsReader'>, catalogue: Catalogue, onDay: string,
): (userIds: readonly number[]) => Promise<Map<number, { course: Course; assignment: string }[]>> {
  const read = training.obligationsReader(onDay);
  return async (userIds) => new Map([...await read(userIds)].map(([id, obligations]) => [id, coursesAmong(catalogue, obligations).map((course) => ({
    course,
    // The rules that give it, as the report CSV's `assignment` column names them.
    assignment: obligations.find((o) => o.target.type === 'course' && o.target.id === course.id)?.assignmentNames.join('; ') ?? '',
  }))]));
}
