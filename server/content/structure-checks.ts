import type { Course, Lesson } from './catalogue';

// Course-wide rules an author can only meet by looking across scenes, lessons and the quiz (issue 15):
// a quiz item points at the scene that teaches it, every objective is taught on the path a good learner
// takes, and nobody is both staff and a patient. They run on the loaded catalogue, after the per-file
// rules in checks.ts have passed.

/** A problem in one course file (relative to the content folder), like the loader's. */
export interface StructureFinding {
  file: string;
  path: string;
  reason: string;
}

const lessonFile = (course: Course, lesson: Lesson) => `courses/${course.id}/lessons/${lesson.id}.yaml`;
const quizFile = (course: Course) => `courses/${course.id}/quiz.yaml`;

/** The scenes a learner sees by always taking a `best` choice (and a spot-the-PHI scene's `next`). */
export function bestPathScenes(lesson: Lesson): Set<string> {
  const first = lesson.scenes[0];
  const seen = new Set<string>();
  if (!first) return seen;
  const byId = new Map(lesson.scenes.map((s) => [s.id, s]));
  const queue = [first.id];
  seen.add(first.id);
  while (queue.length) {
    const scene = byId.get(queue.pop()!);
    if (!scene) continue;
    const nexts = scene.spot ? [scene.spot.next] : scene.choices.filter((c) => c.outcome === 'best').map((c) => c.next);
    for (const n of nexts) if (n !== 'end' && byId.has(n) && !seen.has(n)) { seen.add(n); queue.push(n); }
  }
  return seen;
}

/** Every question names a scene of its own lesson (the one that teaches it) and states its concept. */
export function checkQuestionLinks(course: Course): StructureFinding[] {
  const out: StructureFinding[] = [];
  const lessons = new Map(course.lessons.map((l) => [l.id, l]));
  course.questions.forEach((q, qi) => {
    const at = (field: string, reason: string) => out.push({ file: quizFile(course), path: `questions[${qi}].${field}`, reason });
    const lesson = lessons.get(q.lesson);
    if (!q.scene) at('scene', `question "${q.id}" names no scene: add \`scene:\` with the id of the scene of lesson "${q.lesson}" that teaches it`);
    else if (lesson && !lesson.scenes.some((s) => s.id === q.scene)) {
      at('scene', `question "${q.id}": "${q.scene}" is not a scene of lesson "${q.lesson}" (scenes: ${lesson.scenes.map((s) => s.id).join(', ')})`);
    }
    if (!q.conceptHtml.trim()) at('concept', `question "${q.id}" has no \`concept:\` (the idea it tests, shown without the answer after a failed attempt)`);
  });
  return out;
}

/** Every learning objective of a lesson is named by a scene on its best path. */
export function checkObjectivesOnBestPath(course: Course): StructureFinding[] {
  const out: StructureFinding[] = [];
  for (const lesson of course.lessons) {
    const best = bestPathScenes(lesson);
    const taught = new Set(lesson.scenes.filter((s) => best.has(s.id)).flatMap((s) => s.objectives));
    lesson.objectiveIds.forEach((id, oi) => {
      if (taught.has(id)) return;
      const elsewhere = lesson.scenes.filter((s) => !best.has(s.id) && s.objectives.includes(id)).map((s) => s.id);
      const hint = elsewhere.length ? ` (only off the best path, in ${elsewhere.join(', ')})` : '';
      out.push({
        file: lessonFile(course, lesson), path: `objectives[${oi}]`,
        reason: `objective "${id}" is taught by no scene on the best path${hint}: name it in the \`objectives\` of a scene a learner reaches by best choices (${[...best].join(', ')})`,
      });
    });
  }
  return out;
}

const wordsOf = (text: string): string[] => text.replace(/<[^>]*>/g, ' ').replace(/&[a-z#0-9]+;/gi, ' ').toLowerCase().normalize('NFKC')
  .replace(/[’‘]/g, "'").split(/[^\p{L}\p{N}']+/u).filter(Boolean);

/** Runs of `n` consecutive words, joined: the unit for "the concept repeats the key". */
function runs(words: string[], n: number): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + n <= words.length; i += 1) out.add(words.slice(i, i + n).join(' '));
  return out;
}

/** Words in a row that a concept may share with a key before it reads as the key itself. */
export const CONCEPT_KEY_RUN = 5;

/**
 * A concept is shown after a failed attempt precisely because it does not give the answer away: one that
 * repeats a right choice's wording (five words in a row, or the whole of a shorter choice) is the key.
 */
export function checkConceptLeaks(course: Course): StructureFinding[] {
  const out: StructureFinding[] = [];
  course.questions.forEach((q, qi) => {
    if (!q.conceptHtml.trim()) return;
    const concept = wordsOf(q.conceptHtml);
    const joined = ` ${concept.join(' ')} `;
    const conceptRuns = runs(concept, CONCEPT_KEY_RUN);
    for (const c of q.choices.filter((x) => x.correct)) {
      const key = wordsOf(c.text);
      const leaks = key.length < CONCEPT_KEY_RUN ? key.length >= 2 && joined.includes(` ${key.join(' ')} `) : [...runs(key, CONCEPT_KEY_RUN)].some((r) => conceptRuns.has(r));
      if (leaks) out.push({ file: quizFile(course), path: `questions[${qi}].concept`, reason: `question "${q.id}": the concept repeats the right choice "${c.text}" — state the idea without the answer's wording` });
    }
  });
  return out;
}

const NAME_SUFFIXES = new Set(['jr', 'sr', 'ii', 'iii', 'iv']);

/** The last word of a name, without accents, case or a suffix ("José Núñez Jr." → "nunez"). */
export function surnameKey(name: string): string {
  const words = name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().split(/\s+/).map((w) => w.replace(/[^\p{L}\p{N}'-]/gu, '')).filter(Boolean);
  while (words.length > 1 && NAME_SUFFIXES.has(words[words.length - 1]!)) words.pop();
  return words[words.length - 1] ?? '';
}

/**
 * No surname is used for both a staff member and a patient anywhere in the course: a learner who meets
 * "Nurse Okafor" and "patient Okafor" cannot tell who is who. A patient's family may share the surname.
 */
export function checkCast(course: Course): StructureFinding[] {
  const out: StructureFinding[] = [];
  const staff = new Map<string, { lesson: Lesson; name: string }[]>();
  for (const lesson of course.lessons) {
    for (const person of lesson.cast) {
      if (person.role !== 'staff') continue;
      const key = surnameKey(person.name);
      staff.set(key, [...(staff.get(key) ?? []), { lesson, name: person.name }]);
    }
  }
  for (const lesson of course.lessons) {
    lesson.cast.forEach((person, ci) => {
      if (person.role !== 'patient') return;
      for (const s of staff.get(surnameKey(person.name)) ?? []) {
        out.push({
          file: lessonFile(course, lesson), path: `cast[${ci}].name`,
          reason: `patient "${person.name}" (lesson ${lesson.id}) shares a surname with staff member "${s.name}" (lesson ${s.lesson.id}): give one of them another surname`,
        });
      }
    });
  }
  return out;
}

export function checkStructure(course: Course): StructureFinding[] {
  return [...checkQuestionLinks(course), ...checkConceptLeaks(course), ...checkObjectivesOnBestPath(course), ...checkCast(course)];
}

/** The findings as the loader prints problems: "file: path: reason". */
export function structureProblems(course: Course): string[] {
  return checkStructure(course).map((f) => `${f.file}: ${f.path}: ${f.reason}`);
}
