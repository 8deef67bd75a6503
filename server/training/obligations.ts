import type { Catalogue, Course } from '../content/catalogue';
import type { User } from '../db/schema';

// THE ADAPTER between "several courses" (dashboard, evidence packs, certificate ZIP) and the assignment
// rules of issue 16, which another branch builds in server/assignments/ (s16-core). This is the one
// file to change when that branch is merged: replace the body of obligationsFor with the assignments
// service's obligationsOf(user.id, onDay) (its Obligation has the same `target`). Nothing else here
// knows how obligations are decided.

/** What an obligation is about: a course, or a policy to read and sign (policy id = policies.slug). */
export type TargetRef = { type: 'course'; id: string } | { type: 'policy'; id: string };

/** One thing a person must do; core's Obligation carries more (due date, reason, exemption). */
export interface ObligationTarget {
  target: TargetRef;
}

/**
 * The person's obligations on a day. Before assignment rules exist, every person is obligated to
 * every course of the catalogue, in catalogue order (the app's behaviour before issue 16).
 */
export async function obligationsFor(catalogue: Catalogue, _user: Pick<User, 'id'>, _onDay: string): Promise<ObligationTarget[]> {
  return catalogue.courses.map((c) => ({ target: { type: 'course', id: c.id } }));
}

/** The courses among a person's obligations, in the order the obligations come. */
export async function obligatedCourses(catalogue: Catalogue, user: Pick<User, 'id'>, onDay: string): Promise<Course[]> {
  const out: Course[] = [];
  for (const { target } of await obligationsFor(catalogue, user, onDay)) {
    const course = target.type === 'course' ? catalogue.get(target.id) : undefined;
    if (course) out.push(course);
  }
  return out;
}
