import { checkAuthoring } from '../../server/authoring-check';
import { loadCatalogue } from '../../server/content/loader';
import { checkStructure } from '../../server/content/structure-checks';
import { contentDir } from '../../server/paths';

// The course we ship meets the authoring rules content:check enforces (issue 15): answer cues,
// reading level, structure. content:check runs them in CI too; this keeps them in `npm test`, where a
// content change that breaks one shows up beside the tests that play the course.
const courses = loadCatalogue(contentDir, { structure: true }).courses;

describe.each(courses.map((c) => [c.id, c] as const))('shipped course %s', (_id, course) => {
  test('passes every answer-cue and reading-level limit', () => {
    const report = checkAuthoring(course);
    expect(report.failures).toEqual([]);
  });

  test('passes the structure checks: scenes, concepts, objectives on the best path, cast', () => {
    expect(checkStructure(course)).toEqual([]);
  });

  test('has at least 8 quiz items per lesson, so a retake can draw mostly new questions', () => {
    for (const lesson of course.lessons) {
      expect(course.questions.filter((q) => q.lesson === lesson.id).length).toBeGreaterThanOrEqual(8);
    }
  });

  test('keeps each lesson about ten minutes', () => {
    for (const lesson of course.lessons) expect([lesson.id, lesson.minutes >= 8 && lesson.minutes <= 12]).toEqual([lesson.id, true]);
  });
});

test('the main course has at least three spot-the-PHI scenes', () => {
  const main = courses.find((c) => c.id === 'hipaa-social-media')!;
  expect(main.lessons.flatMap((l) => l.scenes).filter((s) => s.kind === 'spot-phi').length).toBeGreaterThanOrEqual(3);
});
