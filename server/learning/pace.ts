import type { Course, Lesson, Scene } from '../content/catalogue';

// Minimum lesson time: the words a learner must read on the shortest way through a lesson, at a
// reading speed. Scripted answers finish a lesson in milliseconds; a reader cannot.

const words = (s: string): number => {
  const text = s.replace(/<[^>]*>/g, ' ').replace(/&[a-z#0-9]+;/gi, ' ').trim();
  return text === '' ? 0 : text.split(/\s+/).length;
};

/** What a scene asks the learner to read: narrative and prompt, plus the options or the whole draft. */
function sceneWords(scene: Scene): number {
  const own = words(scene.narrativeHtml) + words(scene.prompt);
  // The draft is read as one text (its phrases included); the tick boxes repeat the phrases and are not counted twice.
  if (scene.spot) return own + words(scene.spot.parts.map((p) => ('phrase' in p ? p.phrase.text : p.text)).join(''));
  return own + scene.choices.reduce((n, c) => n + words(c.text), 0);
}

/** Where a scene leads on: each option, or a spot-the-PHI scene's `next` once every phrase is marked right. */
function exits(scene: Scene): { next: string; feedbackHtml: string }[] {
  return scene.spot ? [{ next: scene.spot.next, feedbackHtml: scene.spot.feedbackHtml }] : scene.choices;
}

/**
 * Words on the cheapest path from the first scene to the end: each scene's narrative, prompt and
 * options (or draft), plus the feedback read after every answer but the last (the timer stops at the
 * last answer). The intro is left out: it is read on the lesson page before the lesson is opened.
 */
export function lessonWords(lesson: Lesson): number {
  const sceneWordsById = new Map(lesson.scenes.map((s) => [s.id, sceneWords(s)]));
  const best = new Map<string, number>([[lesson.scenes[0]!.id, sceneWordsById.get(lesson.scenes[0]!.id)!]]);
  const done = new Set<string>();
  let endCost = Infinity;
  // Dijkstra over a handful of scenes: costs are word counts, never negative.
  for (;;) {
    let current: string | undefined;
    for (const [id, cost] of best) if (!done.has(id) && (current === undefined || cost < best.get(current)!)) current = id;
    if (current === undefined) break;
    done.add(current);
    const cost = best.get(current)!;
    const scene = lesson.scenes.find((s) => s.id === current)!;
    for (const c of exits(scene)) {
      if (c.next === 'end') { endCost = Math.min(endCost, cost); continue; }
      const via = cost + words(c.feedbackHtml) + (sceneWordsById.get(c.next) ?? 0);
      if (via < (best.get(c.next) ?? Infinity)) best.set(c.next, via);
    }
  }
  return Number.isFinite(endCost) ? endCost : 0;
}

const cache = new WeakMap<Lesson, number>();

/** Seconds a lesson takes at least at `wpm` words per minute; 0 when wpm is 0 (no minimum). */
export function lessonMinimumSeconds(lesson: Lesson, wpm: number): number {
  if (wpm <= 0) return 0;
  let n = cache.get(lesson);
  if (n === undefined) {
    n = lessonWords(lesson);
    cache.set(lesson, n);
  }
  return Math.ceil((60 * n) / wpm);
}

export function courseMinimumSeconds(course: Course, wpm: number): number {
  return course.lessons.reduce((sum, l) => sum + lessonMinimumSeconds(l, wpm), 0);
}

/** "3 minutes", "1 minute", "40 seconds": how long is left, rounded up so the learner never waits twice. */
export function durationInWords(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

export type Pace = 'ok' | 'fast';

/**
 * A quiz completion's pace: from the first lesson opened to the passing quiz submitted, against the
 * summed minimum lesson time. Lessons taken in parallel tabs, an accommodation or timing switched off
 * can each finish every lesson sooner; the flag tells a reviewer where to look.
 */
export function paceOf(studySeconds: number, minimumSeconds: number): Pace {
  return studySeconds < minimumSeconds ? 'fast' : 'ok';
}
