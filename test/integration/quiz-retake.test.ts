import fs from 'node:fs';
import type { Course, QuizQuestion } from '../../server/content/catalogue';
import { buildTestApp, type TestApp } from '../helpers/app';
import { copyFixture, mutateYaml } from '../helpers/content';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, html, newAgent, signIn, type Agent } from '../helpers/http';
import { playLesson, quizAnswers, servedOn } from '../helpers/learner';

// Issue 15, "retakes that teach instead of leak", played over HTTP on a bank built for the test: two
// lessons of seven questions each and eight questions per attempt, so a retake can avoid all but two
// (a quarter) of the last attempt's questions and no more. A draw that ignored the last attempt would
// repeat about four. Half the questions carry a concept; the others fall back to the lesson (and the
// scene, when they name one).

const PER_LESSON = 7;
const SCENES: Record<string, string[]> = { one: ['start', 'follow-up', 'middle'], two: ['only'] };

function bankQuestion(lesson: string, i: number): Record<string, unknown> {
  const id = `${lesson}-q${i}`;
  const two = i % 3 === 0;
  const multiple = !two && i % 4 === 0;
  const choices = two
    ? [{ id: 'a', text: `Keyed ${id} alpha`, correct: true }, { id: 'b', text: `Decoy ${id} beta`, correct: false }]
    : [
      { id: 'a', text: `Keyed ${id} alpha`, correct: true },
      { id: 'b', text: `${multiple ? 'Keyed' : 'Decoy'} ${id} beta`, correct: multiple },
      { id: 'c', text: `Decoy ${id} gamma`, correct: false },
    ];
  return {
    id, lesson, type: multiple ? 'multiple' : 'single', prompt: `Question ${id}: which applies here?`, choices,
    explanation: `Explained ${id}: the answer is alpha.`, reference: '45 CFR 164.530(c)(2)',
    ...(i % 2 === 1 ? { concept: `Concept ${id}: who could recognise the patient from this?` } : {}),
    ...(i % 4 === 2 ? { scene: SCENES[lesson]![i % SCENES[lesson]!.length] } : {}),
  };
}

let t: TestApp;
let dir: string;
let course: Course;
let agent: Agent;

beforeAll(async () => {
  dir = copyFixture();
  mutateYaml(dir, 'quiz.yaml', (doc) => {
    doc.questions = ['one', 'two'].flatMap((l) => Array.from({ length: PER_LESSON }, (_, i) => bankQuestion(l, i + 1)));
  });
  mutateYaml(dir, 'course.yaml', (doc) => { doc.questionsPerAttempt = 8; doc.passingScore = 75; });
  t = await buildTestApp({ CONTENT_DIR: dir });
  course = t.catalogue.get('mini')!;
  await createPerson(t.db, t.clock, { email: 'retake@riverside.example' });
  agent = newAgent(t.app);
  await signIn(agent, 'retake@riverside.example', GOOD_PASSWORD);
  for (const l of course.lessons) await playLesson(agent, course, l.id, t.clock);
});
afterAll(async () => {
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const question = (id: string): QuizQuestion => course.questions.find((q) => q.id === id)!;
const lessonOf = (id: string) => question(id).lesson;

async function attempt(rightFor: (i: number) => boolean) {
  const page = await agent.get(`/courses/${course.id}/quiz`);
  const start = await agent.post(`/courses/${course.id}/quiz/attempts`).type('form').send({ _csrf: csrfFrom(page.text) });
  expect(start.status).toBe(303);
  const url = start.headers.location!;
  const quiz = await agent.get(url);
  const served = servedOn(quiz.text);
  const graded = await agent.post(url).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(quiz.text))}&${quizAnswers(course, served, rightFor)}`);
  expect(graded.status).toBe(303);
  const result = await agent.get(`${url}/result`);
  expect(result.status).toBe(200);
  return { url, ids: served.map((s) => s.question), result, csrf: csrfFrom(result.text) };
}

/** Nothing of a failed attempt's key: no choice (right or the learner's own), no explanation. */
function expectNoKey(page: string, ids: readonly string[]) {
  for (const id of ids) {
    const q = question(id);
    for (const c of q.choices.filter((x) => x.correct)) expect(page).not.toContain(html(c.text));
    for (const c of q.choices) expect(page).not.toContain(html(c.text));
    expect(page).not.toContain('Explained ');
  }
  expect(page).not.toMatch(/>right answer<|<em>your answer<|result-right|You answered this/);
}

function expectSpread(ids: readonly string[]) {
  expect(new Set(ids.map(lessonOf))).toEqual(new Set(['one', 'two']));
}

describe('a quiz retake', () => {
  const overlaps: number[] = [];
  const seen = { concept: 0, scene: 0, lessonOnly: 0 };
  let first: Awaited<ReturnType<typeof attempt>>;
  let second: Awaited<ReturnType<typeof attempt>>;

  function expectTeaching(page: string, wrong: readonly string[]) {
    for (const id of wrong) {
      const q = question(id);
      const number = course.lessons.findIndex((l) => l.id === q.lesson) + 1;
      expect(page).toContain(html(q.prompt));
      expect(page).toContain(`Review lesson ${number}:</strong> <a href="/courses/${course.id}/lessons/${q.lesson}">${html(course.lessons[number - 1]!.title)}</a>`);
      if (q.conceptHtml) {
        expect(page).toContain(`Concept ${id}: who could recognise the patient from this?`);
        seen.concept += 1;
      } else if (q.scene) {
        const scenes = course.lessons[number - 1]!.scenes;
        const at = scenes.findIndex((s) => s.id === q.scene);
        expect(page).toContain(`scene ${at + 1}: “${html(scenes[at]!.prompt)}”`);
        seen.scene += 1;
      } else {
        seen.lessonOnly += 1;
      }
    }
  }

  test('a failed attempt lists the wrong questions with their concepts or the lesson and scene to review, and none of the key', async () => {
    first = await attempt(() => false);
    const page = first.result.text;
    expect(page).toContain('Your score: 0%');
    expect(page).toContain('Questions to study again');
    expectSpread(first.ids);
    expectTeaching(page, first.ids);
    expectNoKey(page, first.ids);
    expect(first.result.headers['cache-control']).toBe('no-store');
  });

  test('nothing else reveals the failed key: the attempt page, saving an answer (JSON), the quiz and course pages', async () => {
    const again = await agent.get(first.url);
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe(`${first.url}/result`);
    const save = await agent.post(`${first.url}/answers`).set('Accept', 'application/json').type('form')
      .send(`_csrf=${encodeURIComponent(first.csrf)}&question=${first.ids[0]}&q_${first.ids[0]}=a`);
    expect(save.status).toBe(409);
    expectNoKey(save.text, first.ids);
    const resubmit = await agent.post(first.url).type('form').send(`_csrf=${encodeURIComponent(first.csrf)}&${quizAnswers(course, first.ids.map((q) => ({ question: q, choices: ['a', 'b', 'c'] })), true)}`);
    expect(resubmit.status).toBe(409);
    expectNoKey(resubmit.text, first.ids);
    for (const url of ['/', `/courses/${course.id}`, `/courses/${course.id}/quiz`, '/transcript']) {
      const res = await agent.get(url);
      expect(res.status).toBe(200);
      expectNoKey(res.text, first.ids);
    }
    // The saved answers of a graded attempt are gone; only the grade's own record keeps them.
    expect(await t.db.selectFrom('quiz_saved_answers').selectAll().execute()).toHaveLength(0);
  });

  test('the retake repeats at most a quarter of the last attempt, still across both lessons; a second fail lists only its wrong questions', async () => {
    // Right on the first five of eight (63%): a fail.
    second = await attempt((i) => i < 5);
    const repeated = second.ids.filter((id) => first.ids.includes(id)).length;
    overlaps.push(repeated);
    expect(repeated).toBeLessThanOrEqual(Math.floor(8 / 4));
    expectSpread(second.ids);
    const page = second.result.text;
    expect(page).toContain('Your score: 63%');
    const wrong = second.ids.slice(5);
    expectTeaching(page, wrong);
    for (const id of second.ids.slice(0, 5)) expect(page).not.toContain(html(question(id).prompt));
    expectNoKey(page, second.ids);
    expect(seen.concept).toBeGreaterThan(0);
    expect(seen.scene + seen.lessonOnly).toBeGreaterThan(0);
  });

  test('a pass shows the full review: every question, the learner\'s answer, the right answer and the explanation; failed attempts stay closed', async () => {
    // Seven of eight right (88%): a pass, with one wrong answer to show in the review.
    const third = await attempt((i) => i !== 2);
    const repeated = third.ids.filter((id) => second.ids.includes(id)).length;
    overlaps.push(repeated);
    expect(repeated).toBeLessThanOrEqual(2);
    expectSpread(third.ids);
    const page = third.result.text;
    expect(page).toContain('You passed.');
    expect(page).toContain('Review your answers');
    const items = page.split('<li class="result ').slice(1);
    expect(items).toHaveLength(8);
    for (const [i, id] of third.ids.entries()) {
      const q = question(id);
      const item = items.find((it) => it.includes(html(q.prompt)))!;
      expect(item).toBeDefined();
      expect(item).toContain(`Explained ${id}: the answer is alpha.`);
      for (const c of q.choices) {
        const marked = new RegExp(`${html(c.text)}[^<]*(<strong class="outcome-best">right answer</strong>)?`).exec(item)!;
        expect(marked).not.toBeNull();
        expect(Boolean(marked[1])).toBe(c.correct);
      }
      const chosen = i === 2 ? q.choices.filter((c) => !c.correct).slice(0, 1) : q.choices.filter((c) => c.correct);
      for (const c of chosen) expect(item).toMatch(new RegExp(`${html(c.text)}[^<]*(<strong[^>]*>right answer</strong>)? <em>your answer</em>`));
      expect(item).toContain(i === 2 ? 'You answered this wrong.' : 'You answered this right.');
    }
    // The failed attempts' pages still show no key, even now that the learner has passed.
    for (const earlier of [first, second]) expectNoKey((await agent.get(`${earlier.url}/result`)).text, earlier.ids);
    expect(overlaps).toHaveLength(2);
  });
});
