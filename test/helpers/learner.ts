import { DEFAULT_LESSON_WPM } from '../../server/config';
import type { Course, Scene } from '../../server/content/catalogue';
import { lessonMinimumSeconds } from '../../server/learning/pace';
import type { TestClock } from './clock';
import { csrfFrom, type Agent } from './http';

/**
 * Lessons have a minimum time (server/learning/pace.ts). The helpers that play a lesson take the test
 * app's clock and move it on by that minimum once the lesson is open, as a reader would spend it.
 */
export type Reader = TestClock;

/** The scene id the player page is asking about, read from its form like a browser would submit it. */
export function sceneIdOn(html: string): string {
  // A spot-the-PHI scene's form posts to …/scenes/<id>/marks.
  const m = /action="\/courses\/[^/]+\/lessons\/[^/]+\/scenes\/([^"/]+)(?:\/marks)?"/.exec(html);
  if (!m?.[1]) throw new Error('no scene form on the page');
  return m[1];
}

export async function answer(agent: Agent, course: Course, lessonId: string, choiceId: string) {
  const page = await agent.get(`/courses/${course.id}/lessons/${lessonId}/play`);
  const sceneId = sceneIdOn(page.text);
  const res = await agent.post(`/courses/${course.id}/lessons/${lessonId}/scenes/${sceneId}`).type('form').send({ _csrf: csrfFrom(page.text), choice: choiceId });
  return { sceneId, res };
}

/**
 * The answer that moves a learner on, as a browser's form would send it after the CSRF token: a best
 * choice, or for a spot-the-PHI scene (posted to …/marks) a tick on exactly the phrases that identify.
 */
export function rightAnswer(scene: Scene): { path: string; body: string } {
  if (scene.spot) {
    const ticks = scene.spot.parts.flatMap((p) => ('phrase' in p && p.phrase.identifies ? [`&phrase=${encodeURIComponent(p.phrase.id)}`] : []));
    return { path: '/marks', body: ticks.join('') };
  }
  return { path: '', body: `&choice=${encodeURIComponent(scene.choices.find((c) => c.outcome === 'best')!.id)}` };
}

/** Plays a lesson to its end over HTTP, always taking a best choice; returns the scene ids visited. */
export async function playLesson(agent: Agent, course: Course, lessonId: string, clock: Reader): Promise<string[]> {
  const lesson = course.lessons.find((l) => l.id === lessonId)!;
  const visited: string[] = [];
  for (let guard = 0; guard < 50; guard += 1) {
    const page = await agent.get(`/courses/${course.id}/lessons/${lessonId}/play`);
    if (page.status === 303) return visited;
    if (guard === 0) clock.advance(lessonMinimumSeconds(lesson, DEFAULT_LESSON_WPM) * 1000);
    const sceneId = sceneIdOn(page.text);
    visited.push(sceneId);
    const { path, body } = rightAnswer(lesson.scenes.find((s) => s.id === sceneId)!);
    const res = await agent.post(`/courses/${course.id}/lessons/${lessonId}/scenes/${sceneId}${path}`).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(page.text))}${body}`);
    if (res.status !== 303) throw new Error(`answer refused with ${res.status}`);
  }
  throw new Error('lesson did not end');
}

/** Reads the served questions and choice values from the quiz page. */
export function servedOn(html: string): { question: string; choices: string[] }[] {
  const out = new Map<string, string[]>();
  for (const m of html.matchAll(/name="q_([^"]+)" value="([^"]+)"/g)) {
    const list = out.get(m[1]!) ?? [];
    list.push(m[2]!);
    out.set(m[1]!, list);
  }
  return [...out].map(([question, choices]) => ({ question, choices }));
}

/** Form fields answering each served question correctly (or wrongly), as a browser would send them. */
export function quizAnswers(course: Course, served: { question: string; choices: string[] }[], right: boolean | ((i: number) => boolean)): string {
  const parts: string[] = [];
  served.forEach((sq, i) => {
    const q = course.questions.find((x) => x.id === sq.question)!;
    const ok = typeof right === 'function' ? right(i) : right;
    const correct = q.choices.filter((c) => c.correct).map((c) => c.id);
    const wrong = q.choices.filter((c) => !c.correct).map((c) => c.id).slice(0, 1);
    for (const c of ok ? correct : wrong) parts.push(`q_${encodeURIComponent(sq.question)}=${encodeURIComponent(c)}`);
  });
  return parts.join('&');
}

/** Lessons and a passing quiz over HTTP, stopping before the attestation; returns the passing attempt's id. */
export async function passCourseQuiz(agent: Agent, course: Course, clock: Reader): Promise<number> {
  for (const l of course.lessons) await playLesson(agent, course, l.id, clock);
  const page = await agent.get(`/courses/${course.id}/quiz`);
  const start = await agent.post(`/courses/${course.id}/quiz/attempts`).type('form').send({ _csrf: csrfFrom(page.text) });
  const url = start.headers.location!;
  const quiz = await agent.get(url);
  const graded = await agent.post(url).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(quiz.text))}&${quizAnswers(course, servedOn(quiz.text), true)}`);
  if (graded.status !== 303) throw new Error(`quiz refused with ${graded.status}`);
  return Number(/attempts\/(\d+)/.exec(url)![1]);
}

/** Lessons, a passing quiz and the attestation, all over HTTP; returns the passing attempt's id. */
export async function completeCourse(agent: Agent, course: Course, fullName: string, clock: Reader): Promise<number> {
  const attemptId = await passCourseQuiz(agent, course, clock);
  const attest = await agent.get(`/courses/${course.id}/attest/${attemptId}`);
  const done = await agent.post(`/courses/${course.id}/attest/${attemptId}`).type('form').send({ _csrf: csrfFrom(attest.text), agree: 'yes', typed_name: fullName });
  if (done.status !== 303) throw new Error(`attestation refused with ${done.status}: ${done.text.slice(0, 2000)}`);
  return attemptId;
}
