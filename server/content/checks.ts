import type { CourseFile, LessonFile, QuestionFile, SceneFile } from './schema';

/** A problem found in one file: the path inside it (e.g. scenes[2].choices[1].next) and the reason. */
export interface Finding {
  path: string;
  reason: string;
}

function duplicates(ids: string[]): string[] {
  return ids.filter((x, i) => ids.indexOf(x) !== i);
}

/** Where a scene can lead: each choice's `next`, or a spot-the-PHI scene's one `next`. */
function exits(scene: SceneFile): { next: string; violation: boolean; at: string }[] {
  if (scene.type === 'spot-phi') return [{ next: scene.next, violation: false, at: 'next' }];
  return scene.choices.map((c, ci) => ({ next: c.next, violation: c.outcome === 'violation', at: `choices[${ci}].next` }));
}

function checkSpotScene(scene: Extract<SceneFile, { type: 'spot-phi' }>, si: number): Finding[] {
  const out: Finding[] = [];
  const phrases = scene.parts.flatMap((p, pi) => (typeof p === 'string' ? [] : [{ p, pi }]));
  const ids = phrases.map(({ p }) => p.id);
  for (const d of new Set(duplicates(ids))) out.push({ path: `scenes[${si}].parts`, reason: `duplicate phrase id "${d}"` });
  if (!phrases.some(({ p }) => p.identifies)) out.push({ path: `scenes[${si}].parts`, reason: 'no phrase identifies the patient, so there is nothing to spot' });
  if (!phrases.some(({ p }) => !p.identifies)) out.push({ path: `scenes[${si}].parts`, reason: 'every phrase identifies the patient: add phrases that do not, so marking everything is not an answer' });
  for (const { p, pi } of phrases) {
    if (p.identifies && !p.reason) out.push({ path: `scenes[${si}].parts[${pi}].reason`, reason: 'a phrase that identifies the patient needs a reason (name, date, place, ...)' });
    if (!p.identifies && p.reason) out.push({ path: `scenes[${si}].parts[${pi}].reason`, reason: 'a phrase that does not identify the patient has no identifier reason' });
  }
  return out;
}

/** Graph rules of a lesson: targets exist, violations loop back, every scene reachable and able to finish. */
export function checkLesson(lesson: LessonFile): Finding[] {
  const out: Finding[] = [];
  const ids = lesson.scenes.map((s) => s.id);
  for (const d of new Set(duplicates(ids))) out.push({ path: `scenes[${ids.lastIndexOf(d)}].id`, reason: `duplicate scene id "${d}"` });
  const objectiveIds = lesson.objectives.map((o) => o.id);
  for (const d of new Set(duplicates(objectiveIds))) out.push({ path: `objectives[${objectiveIds.lastIndexOf(d)}].id`, reason: `duplicate objective id "${d}"` });
  const known = new Set(ids);
  lesson.scenes.forEach((scene, si) => {
    scene.objectives.forEach((o, oi) => {
      if (!objectiveIds.includes(o)) out.push({ path: `scenes[${si}].objectives[${oi}]`, reason: `unknown objective "${o}" (use an id from this lesson's objectives)` });
    });
    if (scene.type === 'spot-phi') out.push(...checkSpotScene(scene, si));
    else {
      const choiceIds = scene.choices.map((c) => c.id);
      for (const d of new Set(duplicates(choiceIds))) out.push({ path: `scenes[${si}].choices[${choiceIds.lastIndexOf(d)}].id`, reason: `duplicate choice id "${d}"` });
      if (!scene.choices.some((c) => c.outcome === 'best')) out.push({ path: `scenes[${si}].choices`, reason: 'no choice has outcome "best"' });
    }
    for (const e of exits(scene)) {
      const at = `scenes[${si}].${e.at}`;
      if (e.next !== 'end' && !known.has(e.next)) out.push({ path: at, reason: `unknown scene "${e.next}" (use a scene id of this lesson or "end")` });
      else if (e.violation && e.next !== scene.id) out.push({ path: at, reason: `a violation choice must send the learner back to choose again: set next to "${scene.id}"` });
    }
  });
  if (out.length) return out;

  const edges = new Map(lesson.scenes.map((s) => [s.id, exits(s).map((e) => e.next).filter((n) => n !== 'end')]));
  const reached = new Set<string>([ids[0]!]);
  const queue = [ids[0]!];
  while (queue.length) {
    for (const n of edges.get(queue.pop()!) ?? []) if (!reached.has(n)) { reached.add(n); queue.push(n); }
  }
  // Scenes that can finish: those with an "end" exit, then anything leading to one, until stable.
  const finishes = new Set(lesson.scenes.filter((s) => exits(s).some((e) => e.next === 'end')).map((s) => s.id));
  for (let changed = true; changed;) {
    changed = false;
    for (const s of lesson.scenes) {
      if (!finishes.has(s.id) && exits(s).some((e) => !e.violation && finishes.has(e.next))) { finishes.add(s.id); changed = true; }
    }
  }
  lesson.scenes.forEach((s, si) => {
    if (!reached.has(s.id)) out.push({ path: `scenes[${si}]`, reason: `scene "${s.id}" cannot be reached from the first scene` });
    if (!finishes.has(s.id)) out.push({ path: `scenes[${si}]`, reason: `scene "${s.id}" has no way to the end of the lesson` });
  });
  return out;
}

export function checkQuiz(questions: QuestionFile[], course: CourseFile): Finding[] {
  const out: Finding[] = [];
  const ids = questions.map((q) => q.id);
  for (const d of new Set(duplicates(ids))) out.push({ path: `questions[${ids.lastIndexOf(d)}].id`, reason: `duplicate question id "${d}"` });
  questions.forEach((q, qi) => {
    if (!course.lessons.includes(q.lesson)) out.push({ path: `questions[${qi}].lesson`, reason: `"${q.lesson}" is not a lesson of course "${course.id}"` });
    const choiceIds = q.choices.map((c) => c.id);
    for (const d of new Set(duplicates(choiceIds))) out.push({ path: `questions[${qi}].choices[${choiceIds.lastIndexOf(d)}].id`, reason: `duplicate choice id "${d}"` });
    const correct = q.choices.filter((c) => c.correct).length;
    if (correct === 0) out.push({ path: `questions[${qi}].choices`, reason: 'no choice is marked correct' });
    else if (q.type === 'single' && correct > 1) out.push({ path: `questions[${qi}].choices`, reason: `a single-answer question has ${correct} correct choices (needs exactly 1)` });
    if (q.type === 'multiple' && correct === q.choices.length) out.push({ path: `questions[${qi}].choices`, reason: 'every choice is correct, so the question tests nothing' });
  });
  if (course.questionsPerAttempt > questions.length) {
    out.push({ path: 'questions', reason: `course.yaml asks for ${course.questionsPerAttempt} questions per attempt but the quiz has only ${questions.length}` });
  }
  return out;
}

export function checkCourse(course: CourseFile, folderName: string): Finding[] {
  const out: Finding[] = [];
  if (course.id !== folderName) out.push({ path: 'id', reason: `must match its folder name "${folderName}"` });
  for (const d of new Set(duplicates(course.lessons))) out.push({ path: `lessons[${course.lessons.lastIndexOf(d)}]`, reason: `lesson "${d}" is listed twice` });
  return out;
}

/**
 * Phrases of authoring notes ("the article behind this course", "applied reasoning, not HHS's
 * wording"): true and useful for reviewers, but not for learners. Such notes belong in YAML comments
 * beside the text; the citation stays in `reference`.
 */
const AUTHORING_NOTE = /\b(applied reasoning|reasoning applied|(is|this is) reasoning|not HHS'?s? (own )?wording|the article behind|behind this course|source article|secondary (sources?|summar)|in so many words)\b/i;

/** Every learner-visible string of a parsed file (all of them are shown somewhere) free of authoring notes. */
export function checkAuthoringNotes(file: unknown, at = ''): Finding[] {
  if (typeof file === 'string') {
    const m = AUTHORING_NOTE.exec(file);
    return m ? [{ path: at, reason: `reads as an authoring note ("${m[0]}"); move it to a YAML comment and keep learner text plain` }] : [];
  }
  if (Array.isArray(file)) return file.flatMap((v, i) => checkAuthoringNotes(v, `${at}[${i}]`));
  if (file && typeof file === 'object') return Object.entries(file).flatMap(([k, v]) => checkAuthoringNotes(v, at ? `${at}.${k}` : k));
  return [];
}
