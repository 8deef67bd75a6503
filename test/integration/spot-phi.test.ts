import { DEFAULT_LESSON_WPM } from '../../server/config';
import type { Course, Lesson, Phrase, Scene } from '../../server/content/catalogue';
import { lessonMinimumSeconds } from '../../server/learning/pace';
import { REASON_WORDS } from '../../server/learning/spot';
import { buildTestApp, type TestApp } from '../helpers/app';
import { SPOT_FIXTURE_CONTENT } from '../helpers/content';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { changedTables, snapshot } from '../helpers/forms/checks';
import { csrfFrom, html, newAgent, signIn, type Agent } from '../helpers/http';
import { playLesson, sceneIdOn } from '../helpers/learner';

// Issue 15, "Spot the PHI": the scene played over HTTP against the fixture course
// (test/fixtures/content-spot: caption [spot] → reply [choice] → photo [spot] → end).

let t: TestApp;
let agent: Agent;
let course: Course;
let lesson: Lesson;
let learnerId: number;

beforeEach(async () => {
  t = await buildTestApp({ CONTENT_DIR: SPOT_FIXTURE_CONTENT });
  course = t.catalogue.get('spot')!;
  lesson = course.lessons[0]!;
  learnerId = (await createPerson(t.db, t.clock, { email: 'learner@riverside.example', name: 'Lior Learner' })).id;
  agent = newAgent(t.app);
  await signIn(agent, 'learner@riverside.example', GOOD_PASSWORD);
});
afterEach(async () => { await t.close(); });

const play = () => `/courses/${course.id}/lessons/${lesson.id}/play`;
const marksUrl = (sceneId: string) => `/courses/${course.id}/lessons/${lesson.id}/scenes/${sceneId}/marks`;
const scene = (id: string): Scene => lesson.scenes.find((s) => s.id === id)!;
const phrases = (s: Scene): Phrase[] => s.spot!.parts.flatMap((p) => ('phrase' in p ? [p.phrase] : []));
const identifying = (s: Scene) => phrases(s).filter((p) => p.identifies).map((p) => p.id);

/** Ticks exactly `ids` on the open scene page and submits, as the browser's form would. */
async function mark(sceneId: string, ids: string[], extra = ''): Promise<{ res: Awaited<ReturnType<Agent['post']>>; token: string }> {
  const page = await agent.get(play());
  const token = csrfFrom(page.text);
  const body = `_csrf=${encodeURIComponent(token)}${ids.map((id) => `&phrase=${encodeURIComponent(id)}`).join('')}${extra}`;
  return { res: await agent.post(marksUrl(sceneId)).type('form').send(body), token };
}

const answers = () => t.db.selectFrom('scene_answers').selectAll().where('user_id', '=', learnerId).orderBy('id').execute();
const progress = () => t.db.selectFrom('lesson_progress').selectAll().where('user_id', '=', learnerId).executeTakeFirst();
/** The rows of the phrase-by-phrase feedback: phrase text and its verdict. */
const verdicts = (page: string) => [...page.matchAll(/<mark class="candidate">([^<]*)<\/mark><\/p>\s*<p><strong class="verdict">([^<]*)<\/strong>/g)].map((m) => [m[1], m[2]]);

describe('spot-the-PHI scene', () => {
  test('the page shows the draft with its phrases highlighted and one labelled tick box per phrase, and never the answer', async () => {
    const page = await agent.get(play());
    expect(page.status).toBe(200);
    const caption = scene('caption');
    expect(sceneIdOn(page.text)).toBe('caption');
    expect(page.text).toContain(`action="${marksUrl('caption')}"`);
    expect(page.text).toContain(caption.narrativeHtml);
    expect(page.text).toContain(`<legend>${html(caption.prompt)}</legend>`);
    // The draft reads as one text, in order, with every phrase highlighted in place.
    const draft = /<blockquote class="draft"><p>([\s\S]*?)<\/p><\/blockquote>/.exec(page.text)![1]!;
    expect(draft.replace(/<\/?mark[^>]*>/g, '')).toBe(html(caption.spot!.parts.map((p) => ('phrase' in p ? p.phrase.text : p.text)).join('')));
    expect([...draft.matchAll(/<mark class="candidate">([^<]*)<\/mark>/g)].map((m) => m[1])).toEqual(phrases(caption).map((p) => html(p.text)));
    // A real tick box per phrase, each with its own label naming the phrase.
    for (const p of phrases(caption)) {
      expect(page.text).toContain(`<input type="checkbox" id="phrase-${p.id}" name="phrase" value="${p.id}">`);
      expect(page.text).toContain(`<label for="phrase-${p.id}">${html(p.text)}</label>`);
    }
    // Nothing on the page tells which phrases identify the patient.
    expect(page.text).not.toMatch(/identifies the patient:|does not identify|Not right|Right\./);
    expect(page.text).not.toMatch(/identif(ies|y)=|data-(identifies|reason|right)/);
    for (const p of phrases(caption)) expect(page.text).not.toContain(p.feedbackHtml);
  });

  test('wrong marks: feedback phrase by phrase with the reason in words, the attempt is recorded, and the scene repeats', async () => {
    const caption = scene('caption');
    // "our night team" ticked (does not identify), the name ticked (right), the date missed.
    const { res } = await mark('caption', ['team', 'name']);
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/\/answers\/\d+#feedback$/);
    const feedback = await agent.get(res.headers.location!.replace('#feedback', ''));
    expect(feedback.status).toBe(200);
    expect(feedback.text).toContain('Not yet: 2 of 4 phrases are marked wrong');
    expect(verdicts(feedback.text)).toEqual([
      ['our night team', 'Not right.'], ['Mo from Room 12', 'Right.'], ['on 3 March', 'Not right.'], ['a long stay', 'Right.'],
    ]);
    expect(feedback.text).toContain('<strong class="verdict">Not right.</strong> You ticked it; it does not identify the patient.');
    expect(feedback.text).toContain(`<strong class="verdict">Not right.</strong> You left it unticked; it identifies the patient: ${REASON_WORDS.date}.`);
    expect(feedback.text).toContain(`it identifies the patient: ${REASON_WORDS.name}.`);
    for (const p of phrases(caption)) expect(feedback.text).toContain(p.feedbackHtml);
    // The scene's own feedback is kept for the right answer; the way on is to try again.
    expect(feedback.text).not.toContain(caption.spot!.feedbackHtml);
    expect(feedback.text).toContain(`href="${play()}">Try again</a>`);

    const [row] = await answers();
    expect(row).toMatchObject({ scene_id: 'caption', choice_id: '', outcome: 'violation', next_scene_id: 'caption', marks: '["team","name"]', content_hash: course.contentHash });
    expect((await progress())!.current_scene_id).toBe('caption');
    const again = await agent.get(play());
    expect(sceneIdOn(again.text)).toBe('caption');
    // Ticking nothing is an answer too (nothing identifies, says the learner): recorded, and wrong.
    const none = await mark('caption', []);
    expect(none.res.status).toBe(303);
    expect((await answers()).map((a) => a.marks)).toEqual(['["team","name"]', '[]']);
    expect((await progress())!.current_scene_id).toBe('caption');
  });

  test('right marks: the scene feedback, then the next scene; a reload or a new sign-in resumes there', async () => {
    const caption = scene('caption');
    const { res } = await mark('caption', identifying(caption));
    expect(res.status).toBe(303);
    const feedback = await agent.get(res.headers.location!.replace('#feedback', ''));
    expect(feedback.text).toContain('Every phrase marked right');
    expect(feedback.text).toContain(caption.spot!.feedbackHtml);
    expect(feedback.text).toContain(html(caption.spot!.reference));
    expect(verdicts(feedback.text).map(([, v]) => v)).toEqual(['Right.', 'Right.', 'Right.', 'Right.']);
    expect(feedback.text).toContain(`href="${play()}">Continue</a>`);
    expect((await answers()).map((a) => [a.outcome, a.next_scene_id])).toEqual([['best', 'reply']]);
    expect((await progress())!.current_scene_id).toBe('reply');

    expect(sceneIdOn((await agent.get(play())).text)).toBe('reply');
    const later = newAgent(t.app);
    await signIn(later, 'learner@riverside.example', GOOD_PASSWORD);
    expect(sceneIdOn((await later.get(play())).text)).toBe('reply');
    // The old page's answer again changes nothing: the learner is no longer on that scene.
    const before = await snapshot(t, false);
    const stale = await mark('caption', identifying(caption));
    expect(stale.res.status).toBe(409);
    expect(changedTables(before, await snapshot(t, false))).toEqual([]);
  });

  test('a spot scene that ends the lesson keeps the minimum time; the lesson then counts as done for the learner and the admin', async () => {
    expect(lessonMinimumSeconds(lesson, DEFAULT_LESSON_WPM)).toBeGreaterThan(0);
    await mark('caption', identifying(scene('caption')));
    const reply = await agent.get(play());
    await agent.post(`/courses/${course.id}/lessons/${lesson.id}/scenes/reply`).type('form').send({ _csrf: csrfFrom(reply.text), choice: 'offline' });
    expect(sceneIdOn((await agent.get(play())).text)).toBe('photo');

    const photo = scene('photo');
    const before = await snapshot(t, false);
    const soon = await mark('photo', identifying(photo));
    expect(soon.res.status).toBe(409);
    expect(soon.res.text).toContain('sooner than it can be read');
    // The learner's ticks are kept on the page shown again.
    for (const id of identifying(photo)) expect(soon.res.text).toContain(`value="${id}" checked>`);
    expect(changedTables(before, await snapshot(t, false))).toEqual([]);

    t.clock.advance(lessonMinimumSeconds(lesson, DEFAULT_LESSON_WPM) * 1000);
    const done = await mark('photo', identifying(photo));
    expect(done.res.status).toBe(303);
    const feedback = await agent.get(done.res.headers.location!.replace('#feedback', ''));
    expect(feedback.text).toContain('>Finish the lesson</a>');
    expect((await progress())!.completed_at).not.toBeNull();
    expect(await t.db.selectFrom('audit_events').select('id').where('action', '=', 'lesson.completed').execute()).toHaveLength(1);
    expect((await agent.get(play())).status).toBe(303);
    expect((await agent.get('/')).text).toContain('1 of 1 lessons done');

    await createPerson(t.db, t.clock, { email: 'admin@riverside.example', name: 'Ada Admin', role: 'admin' });
    const admin = newAgent(t.app);
    await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
    const person = await admin.get(`/team/people/${learnerId}`);
    expect(person.status).toBe(200);
    expect(person.text).toContain('1 of 1 lesson');
  });

  test('the shared test helper plays a lesson with spot scenes to its end', async () => {
    expect(await playLesson(agent, course, lesson.id, t.clock)).toEqual(['caption', 'reply', 'photo']);
    expect((await answers()).map((a) => a.outcome)).toEqual(['best', 'best', 'best']);
  });

  describe('hostile input: a clear 400 (or 409) and nothing changes', () => {
    const cases: [string, () => Promise<Awaited<ReturnType<Agent['post']>>>, number, RegExp][] = [
      ['an unknown phrase id', async () => (await mark('caption', ['name', 'nobody'])).res, 400, /not in this draft/],
      ['a phrase of another scene', async () => (await mark('caption', ['sister'])).res, 400, /not in this draft/],
      ['the same phrase twice', async () => (await mark('caption', ['name', 'when', 'name'])).res, 400, /more than once/],
      ['an empty phrase id', async () => (await mark('caption', [''])).res, 400, /arrived empty/],
      ['an overlong phrase id', async () => (await mark('caption', ['x'.repeat(65)])).res, 400, /not one of this draft/],
      ['more ticks than a draft has', async () => (await mark('caption', Array.from({ length: 61 }, (_, i) => `p${i}`))).res, 400, /More phrases were sent/],
      ['marks for a choice scene', async () => (await mark('reply', ['name'])).res, 400, /choose one option/],
      ['a choice for a spot scene', async () => {
        const page = await agent.get(play());
        return agent.post(`/courses/${course.id}/lessons/${lesson.id}/scenes/caption`).type('form').send({ _csrf: csrfFrom(page.text), choice: 'offline' });
      }, 400, /tick the phrases/],
      ['no choice at all for a spot scene', async () => {
        const page = await agent.get(play());
        return agent.post(`/courses/${course.id}/lessons/${lesson.id}/scenes/caption`).type('form').send({ _csrf: csrfFrom(page.text) });
      }, 400, /tick the phrases/],
      ['marks for a scene the learner is not on', async () => (await mark('photo', ['sister'])).res, 409, /not the one you are on/],
      ['an unknown scene', async () => (await mark('nowhere', ['name'])).res, 409, /not the one you are on/],
      ['no CSRF token', async () => {
        await agent.get(play());
        return agent.post(marksUrl('caption')).type('form').send('phrase=name&phrase=when');
      }, 403, /./],
    ];
    test.each(cases)('%s', async (_name, send, status, message) => {
      await agent.get(play());
      const before = await snapshot(t, false);
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.text).toMatch(message);
      expect(changedTables(before, await snapshot(t, false))).toEqual([]);
      if (status === 400 && res.text.includes('<legend>')) {
        // The scene page again, with the message announced and tied to the tick boxes.
        expect(res.text).toContain('role="alert" id="spot-error"');
        expect(res.text).toContain('aria-describedby="spot-hint spot-error"');
      }
    });
  });
});
