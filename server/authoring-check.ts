import type { Course, Lesson } from './content/catalogue';
import { lengthCues, markerRows, outcomeTexts, percent, quizTexts, type MarkerRow, type Share } from './content/cues';
import { markersIn } from './content/markers';
import { lessonReading } from './content/readability';
import { simulateTestWise, type TestWiseResult } from './learning/test-wise';

// The authoring limits of content:check (issue 15): answer cues, a simulated test-wise learner and
// reading level. They are figures for authors, not load errors: loadCatalogue (start-up, tests) does
// not apply them, so a course that reads too hard still runs; content:check prints every figure and
// fails on the limits.

export const AUTHORING_LIMITS = {
  /** Percent of single-answer items whose key is strictly the longest choice (at most). */
  longestKeyShare: 35,
  /** Key length over the next-longest choice, for any single-answer item (at most). */
  keyRatio: 1.25,
  /** Percentage points between the share of right and wrong choices holding a marker word (at most). */
  markerGap: 10,
  /** Percent of drawn quizzes the test-wise non-reader passes (less than). */
  testWisePass: 5,
  /** Flesch-Kincaid grade of each lesson's intro, narrative and feedback (at most). */
  readingGrade: 9,
} as const;

export interface AuthoringOptions {
  /** Quizzes the test-wise learner takes, and the seed of their draws. */
  quizzes: number;
  seed: number;
  /** Also list every quiz item's cues (for authors fixing items one by one). */
  items?: boolean;
}

export const DEFAULT_AUTHORING_OPTIONS: AuthoringOptions = { quizzes: 2000, seed: 1 };

export interface AuthoringReport {
  /** Every figure, for the course and per lesson, in words. */
  lines: string[];
  /** One line per limit broken, naming the figure, the limit and the worst items; empty when all hold. */
  failures: string[];
}

// Figures are compared with their limits as printed (one decimal; ratios two), so a line never reads
// "9.0 [≤ 9.0] FAIL".
const round = (x: number, places: number): number => Math.round(x * 10 ** places) / 10 ** places;
const pct = (s: Share): string => `${percent(s).toFixed(1)}%`;
const times = (r: number): string => `${r.toFixed(2)}×`;
const verdict = (ok: boolean): string => (ok ? 'ok' : 'FAIL');
const NAMED = 8;
const some = (names: readonly string[]): string => (names.length > NAMED ? `${names.slice(0, NAMED).join(', ')} and ${names.length - NAMED} more` : names.join(', '));

function markerLine(label: string, rows: MarkerRow[], sides: [string, string]): string[] {
  const [overall, ...words] = rows;
  if (!overall) return [];
  const detail = words.map((r) => `${r.marker} ${percent(r.right).toFixed(0)}/${percent(r.wrong).toFixed(0)}`).join(', ');
  return [
    `  ${label} — any marker in ${pct(overall.right)} of ${sides[0]} (${overall.right.count} of ${overall.right.of}) vs ${pct(overall.wrong)} of ${sides[1]} (${overall.wrong.count} of ${overall.wrong.of}), gap ${overall.gap.toFixed(1)} points [≤ ${AUTHORING_LIMITS.markerGap}]  ${verdict(rows.every((r) => round(r.gap, 1) <= AUTHORING_LIMITS.markerGap))}`,
    ...(detail ? [`      per word, % of ${sides[0]}/${sides[1]}: ${detail}`] : []),
  ];
}

function markerFailures(course: string, what: string, rows: MarkerRow[], sides: [string, string]): string[] {
  return rows.filter((r) => round(r.gap, 1) > AUTHORING_LIMITS.markerGap).map((r) => `${course}: "${r.marker}" appears in ${pct(r.right)} of ${sides[0]} but ${pct(r.wrong)} of ${sides[1]} — ${what} ${r.gap.toFixed(1)} points apart (limit ${AUTHORING_LIMITS.markerGap}); most in: ${some(r.owners)}`);
}

function rightShare(result: TestWiseResult, ids: readonly string[]): Share {
  return ids.reduce((s, id) => {
    const t = result.items.get(id);
    return t ? { count: s.count + t.right, of: s.of + t.served } : s;
  }, { count: 0, of: 0 });
}

function itemLines(course: Course, result: TestWiseResult): string[] {
  const ratios = new Map(lengthCues(course.questions).ratios.map((r) => [r.id, r.ratio]));
  const words = (texts: string[]) => texts.map((t) => markersIn(t).join('+') || '-').join(', ');
  return ['  Per item: type, key length ÷ next-longest choice, marker words in key(s) | in distractors, non-reader right:',
    ...course.questions.map((q) => {
      const t = result.items.get(q.id)!;
      const ratio = ratios.get(q.id);
      return `    ${q.id.padEnd(28)} ${q.type.padEnd(8)} ${(ratio === undefined ? '' : times(ratio)).padEnd(6)} `
        + `${words(q.choices.filter((c) => c.correct).map((c) => c.text))} | ${words(q.choices.filter((c) => !c.correct).map((c) => c.text))}  `
        + `${t.served ? `${((100 * t.right) / t.served).toFixed(0)}%` : 'not drawn'}`;
    })];
}

function lessonRow(course: Course, lesson: Lesson, result: TestWiseResult): string {
  const questions = course.questions.filter((q) => q.lesson === lesson.id);
  const length = lengthCues(questions);
  const quizAny = markerRows(quizTexts(questions))[0]!;
  const outcomeAny = markerRows(outcomeTexts([lesson]))[0]!;
  const worst = length.ratios[0];
  const cells = [
    lesson.id.padEnd(24),
    `${length.longest.length}/${length.singles}`.padEnd(8),
    (worst ? `${times(worst.ratio)} ${worst.id}` : '-').padEnd(28),
    `${percent(quizAny.right).toFixed(0)}% / ${percent(quizAny.wrong).toFixed(0)}%`.padEnd(13),
    `${percent(outcomeAny.right).toFixed(0)}% / ${percent(outcomeAny.wrong).toFixed(0)}%`.padEnd(13),
    pct(rightShare(result, questions.map((q) => q.id))).padEnd(8),
    lessonReading(lesson).grade.toFixed(1),
  ];
  return `    ${cells.join(' ')}`;
}

/** The cue and reading-level figures of one course against AUTHORING_LIMITS. */
export function checkAuthoring(course: Course, options: AuthoringOptions = DEFAULT_AUTHORING_OPTIONS): AuthoringReport {
  const L = AUTHORING_LIMITS;
  const lines: string[] = [`Answer cues and reading level of ${course.id} [limits in brackets]:`];
  const failures: string[] = [];

  const length = lengthCues(course.questions);
  const longestShare = { count: length.longest.length, of: length.singles };
  const longestOk = round(percent(longestShare), 1) <= L.longestKeyShare;
  lines.push(`  Key strictly the longest choice: ${longestShare.count} of ${longestShare.of} single-answer items, ${pct(longestShare)} [≤ ${L.longestKeyShare}%]  ${verdict(longestOk)}`);
  if (!longestOk) failures.push(`${course.id}: the key is strictly the longest choice in ${pct(longestShare)} of single-answer items (limit ≤ ${L.longestKeyShare}%); longest keys by ratio: ${some(length.longest.map((r) => `${r.id} ${times(r.ratio)}`))}`);

  const over = length.ratios.filter((r) => round(r.ratio, 2) > L.keyRatio);
  const top = length.ratios[0];
  lines.push(`  Key length ÷ next-longest choice: largest ${top ? `${times(top.ratio)} (${some(length.ratios.slice(0, 3).map((r) => `${r.id} ${times(r.ratio)}`))})` : '-'}, ${over.length} items over [≤ ${times(L.keyRatio)}]  ${verdict(over.length === 0)}`);
  if (over.length) failures.push(`${course.id}: ${over.length} single-answer item${over.length === 1 ? '' : 's'} with a key longer than ${times(L.keyRatio)} the next-longest choice (largest ${times(over[0]!.ratio)}): ${some(over.map((r) => `${r.id} ${times(r.ratio)}`))}`);

  const quizSides: [string, string] = ['keys', 'distractors'];
  const quizRows = markerRows(quizTexts(course.questions));
  lines.push(...markerLine('Marker words in quiz choices', quizRows, quizSides));
  failures.push(...markerFailures(course.id, 'quiz keys and distractors', quizRows, quizSides));

  const outcomeSides: [string, string] = ['best/acceptable choices', 'violation choices'];
  const outcomeRows = markerRows(outcomeTexts(course.lessons));
  lines.push(...markerLine('Marker words in lesson choices', outcomeRows, outcomeSides));
  failures.push(...markerFailures(course.id, 'lesson outcomes', outcomeRows, outcomeSides));

  const result = simulateTestWise(course, options.quizzes, options.seed);
  const passShare = { count: result.passed, of: result.quizzes };
  const ids = (type: 'single' | 'multiple') => course.questions.filter((q) => q.type === type).map((q) => q.id);
  const passOk = round(percent(passShare), 1) < L.testWisePass;
  const gamed = [...result.items.entries()].filter(([, t]) => t.served > 0 && t.right / t.served >= 0.5)
    .sort((a, b) => b[1].right / b[1].served - a[1].right / a[1].served || a[0].localeCompare(b[0]))
    .map(([id, t]) => `${id} ${((100 * t.right) / t.served).toFixed(0)}%`);
  lines.push(`  Test-wise non-reader (longest choice, avoids marker words, odd one out): passes ${pct(passShare)} of ${result.quizzes} drawn quizzes of ${course.questionsPerAttempt} at ${course.passingScore}%; answers ${pct(rightShare(result, ids('single')))} of single-answer and ${pct(rightShare(result, ids('multiple')))} of multiple-answer questions right [< ${L.testWisePass}%]  ${verdict(passOk)}`);
  if (gamed.length) lines.push(`      right at least half the time: ${some(gamed)}`);
  if (!passOk) failures.push(`${course.id}: a test-wise non-reader passes ${pct(passShare)} of drawn quizzes (limit < ${L.testWisePass}%); items it gets right at least half the time: ${some(gamed)}`);

  const readings = course.lessons.map(lessonReading);
  const hardest = [...readings].sort((a, b) => b.grade - a.grade)[0];
  lines.push(`  Reading level (Flesch-Kincaid grade of intro, narrative and feedback), per lesson: ${readings.map((r) => `${r.lesson} ${r.grade.toFixed(1)}`).join(', ')} [≤ ${L.readingGrade.toFixed(1)}]  ${verdict(!hardest || round(hardest.grade, 1) <= L.readingGrade)}`);
  for (const r of readings.filter((x) => round(x.grade, 1) > L.readingGrade)) {
    failures.push(`${course.id}: lesson ${r.lesson} reads at Flesch-Kincaid grade ${r.grade.toFixed(1)} (limit ≤ ${L.readingGrade.toFixed(1)}); hardest parts: ${r.parts.slice(0, 3).map((p) => `${p.part} ${p.grade.toFixed(1)}`).join(', ')}`);
  }

  lines.push('  Per lesson:');
  lines.push(`    ${['lesson'.padEnd(24), 'longest'.padEnd(8), 'largest key ratio'.padEnd(28), 'quiz markers'.padEnd(13), 'lesson marks'.padEnd(13), 'gamed'.padEnd(8), 'grade'].join(' ')}`);
  lines.push(`    ${''.padEnd(24)} ${'key'.padEnd(8)} ${''.padEnd(28)} ${'key/distr.'.padEnd(13)} ${'ok/violation'.padEnd(13)} ${'right'.padEnd(8)}`);
  for (const lesson of course.lessons) lines.push(lessonRow(course, lesson, result));
  if (options.items) lines.push(...itemLines(course, result));
  return { lines, failures };
}
