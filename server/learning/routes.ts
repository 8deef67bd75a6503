import { Router, type Request } from 'express';
import { requireUser } from '../http/guards';
import type { Course, Lesson, Scene } from '../content/catalogue';
import type { AppDeps } from '../deps';
import { fail, RuleError } from '../errors';
import { idParam, parseForm, parseQuery } from '../http/validate';
import { actorOf } from '../http/actor';
import { allowance } from './attempt-limit';
import { answerScene, answerSpot, currentScene, learnerCourseState, locateScene, TooSoonError, type Track } from './progress';
import { answersFromBody, QUIZ_INPUT_PROBLEM, servedOf, startAttempt, submitAttempt, type Answers, type QuizSettings } from './quiz';
import { formatDay } from '../dates';
import { mergeAnswers, progressText, quizItems } from './quiz-view';
import { attemptReview } from './review';
import { questionPageQuery, saveAnswerRequest, sceneAnswerForm, spotMarksForm } from './requests';
import { phrasesOf, reviewMarks, storedMarks } from './spot';
import { savedAnswers, saveAnswers } from './saved-answers';

export function learningRoutes(deps: AppDeps): Router {
  const { clock, config, catalogue } = deps;
  const { learning } = deps;
  const quizSettings: QuizSettings = { maxAttempts: config.quizMaxAttempts, cooldownMs: config.quizCooldownMs, timeZone: config.timeZone };
  const attemptLocals = async (track: Track) => ({
    allowance: allowance(quizSettings, await learning.submittedTimes(track), clock.now()),
    maxAttempts: config.quizMaxAttempts, cooldownHours: Math.round(config.quizCooldownMs / 3_600_000),
  });
  const router = Router();
  router.use('/courses', requireUser);

  const courseOf = (req: Request): Course => {
    const course = catalogue.get(String(req.params.courseId));
    if (!course) fail('not-found', 'There is no such course.');
    return course;
  };
  const me = (req: Request) => actorOf(req.user!, req.ip);
  const base = (course: Course) => `/courses/${course.id}`;
  /** The spot-the-PHI page: the draft with its phrases marked as candidates, and one tick box per phrase. */
  const spotLocals = (course: Course, lesson: Lesson, scene: Scene, error: string | undefined, marked: readonly string[]) => ({
    title: `${lesson.title}: ${scene.prompt}`, course, lesson, scene, error, position: lesson.scenes.indexOf(scene) + 1,
    parts: scene.spot!.parts, phrases: phrasesOf(scene.spot!), marked: new Set(marked),
    action: `${base(course)}/lessons/${lesson.id}/scenes/${scene.id}/marks`,
  });
  /** The open cycle; when the learner is up to date there is nothing to take until the next window. */
  const openTrack = async (req: Request, course: Course) => {
    const { track, assignment } = await learning.trackFor(req.user!, course, req.method !== 'GET');
    if (assignment.status === 'completed') {
      fail('conflict', `You are up to date with this training. Your next refresher opens on ${formatDay(assignment.opensOn)}.`);
    }
    return track;
  };

  router.get('/courses/:courseId', async (req, res) => {
    const course = courseOf(req);
    const { track, assignment } = await learning.trackFor(req.user!, course);
    const state = await learnerCourseState(learning, track, course);
    res.render('learning/course', { title: course.title, course, state, assignment });
  });

  router.get('/courses/:courseId/lessons/:lessonId', async (req, res) => {
    const course = courseOf(req);
    const state = await learnerCourseState(learning, await openTrack(req, course), course);
    const ls = state.lessons.find((l) => l.lesson.id === req.params.lessonId);
    if (!ls) fail('not-found', 'There is no such lesson in this course.');
    const index = state.lessons.indexOf(ls);
    const nextLesson = state.lessons[index + 1]?.lesson;
    res.render('learning/lesson', { title: ls.lesson.title, course, ls, index, count: state.lessons.length, nextLesson, allDone: state.allLessonsDone });
  });

  router.get('/courses/:courseId/lessons/:lessonId/play', async (req, res) => {
    const course = courseOf(req);
    const { lesson, scene } = await currentScene(learning, await openTrack(req, course), course, String(req.params.lessonId));
    if (!scene) return res.redirect(303, `${base(course)}/lessons/${lesson.id}`);
    if (scene.kind === 'spot-phi') return res.render('learning/spot', spotLocals(course, lesson, scene, undefined, []));
    res.render('learning/scene', { title: `${lesson.title}: ${scene.prompt}`, course, lesson, scene, error: undefined, chosen: undefined, position: lesson.scenes.indexOf(scene) + 1 });
  });

  router.post('/courses/:courseId/lessons/:lessonId/scenes/:sceneId', async (req, res) => {
    const course = courseOf(req);
    const track = await openTrack(req, course);
    const form = parseForm(sceneAnswerForm, req.body);
    const choice = form.ok ? form.data.choice : '';
    if (!choice) {
      const { lesson, scene } = await locateScene(learning, track, course, String(req.params.lessonId));
      if (!scene || scene.id !== req.params.sceneId) return res.redirect(303, `${base(course)}/lessons/${lesson.id}/play`);
      if (scene.kind === 'spot-phi') {
        return res.status(400).render('learning/spot', spotLocals(course, lesson, scene, 'This scene asks you to tick the phrases that identify the patient, then select Check my marks.', []));
      }
      return res.status(400).render('learning/scene', {
        title: `${lesson.title}: ${scene.prompt}`, course, lesson, scene, position: lesson.scenes.indexOf(scene) + 1,
        error: 'Choose one of the options, then select Continue.', chosen: undefined,
      });
    }
    let answerId: number;
    try {
      ({ answerId } = await answerScene(learning, me(req), track, course, String(req.params.lessonId), String(req.params.sceneId), choice, req.user!.untimed_lessons === 1));
    } catch (e) {
      if (!(e instanceof TooSoonError)) throw e;
      const { lesson, scene } = await locateScene(learning, track, course, String(req.params.lessonId));
      if (!scene) throw e;
      return res.status(409).render('learning/scene', {
        title: `${lesson.title}: ${scene.prompt}`, course, lesson, scene, position: lesson.scenes.indexOf(scene) + 1, error: e.message, chosen: choice,
      });
    }
    res.redirect(303, `${base(course)}/lessons/${req.params.lessonId}/answers/${answerId}#feedback`);
  });

  router.post('/courses/:courseId/lessons/:lessonId/scenes/:sceneId/marks', async (req, res) => {
    const course = courseOf(req);
    const track = await openTrack(req, course);
    const lessonId = String(req.params.lessonId);
    const sceneId = String(req.params.sceneId);
    const form = parseForm(spotMarksForm, req.body);
    const marked = form.ok ? form.data.phrase : [];
    let answerId: number;
    try {
      if (!form.ok) fail('invalid', Object.values(form.errors)[0] ?? 'Tick the phrases that identify the patient, then select Check my marks.');
      ({ answerId } = await answerSpot(learning, me(req), track, course, lessonId, sceneId, marked, req.user!.untimed_lessons === 1));
    } catch (e) {
      const tooSoon = e instanceof TooSoonError;
      if (!tooSoon && !(e instanceof RuleError && e.code === 'invalid')) throw e;
      // The scene page again with the message, when the learner is on this spot scene; else the error page.
      const { lesson, scene } = await locateScene(learning, track, course, lessonId);
      if (!scene || scene.id !== sceneId || scene.kind !== 'spot-phi') throw e;
      return res.status(tooSoon ? 409 : 400).render('learning/spot', spotLocals(course, lesson, scene, e.message, tooSoon ? marked : []));
    }
    res.redirect(303, `${base(course)}/lessons/${lessonId}/answers/${answerId}#feedback`);
  });

  router.get('/courses/:courseId/lessons/:lessonId/answers/:answerId', async (req, res) => {
    const course = courseOf(req);
    const id = idParam(req.params.answerId);
    const answer = id === undefined ? undefined : await learning.answer(id);
    if (!answer || answer.user_id !== req.user!.id || answer.course_id !== course.id || answer.lesson_id !== req.params.lessonId) {
      fail('not-found', 'There is no such answer for you.');
    }
    const lesson = course.lessons.find((l) => l.id === answer.lesson_id);
    const scene = lesson?.scenes.find((s) => s.id === answer.scene_id);
    const gone = 'The course has been updated since you answered this; continue with the lesson.';
    const finished = answer.next_scene_id === 'end';
    const marks = storedMarks(answer.marks);
    if (lesson && scene?.spot && marks) {
      // Read against the draft as it is now, like a choice's feedback; a phrase since removed means the draft changed.
      if (!marks.every((id) => phrasesOf(scene.spot!).some((p) => p.id === id))) fail('gone', gone);
      return res.render('learning/spot-feedback', {
        title: `Feedback: ${scene.prompt}`, course, lesson, scene, spot: scene.spot, review: reviewMarks(scene.spot, marks), finished,
        continueUrl: finished ? `${base(course)}/lessons/${lesson.id}` : `${base(course)}/lessons/${lesson.id}/play`,
      });
    }
    const choice = scene?.choices.find((c) => c.id === answer.choice_id);
    if (!lesson || !scene || !choice) fail('gone', gone);
    res.render('learning/feedback', {
      title: `Feedback: ${scene.prompt}`, course, lesson, scene, choice, finished,
      continueUrl: finished ? `${base(course)}/lessons/${lesson.id}` : `${base(course)}/lessons/${lesson.id}/play`,
    });
  });

  router.get('/courses/:courseId/quiz', async (req, res) => {
    const course = courseOf(req);
    const { track, assignment } = await learning.trackFor(req.user!, course);
    const state = await learnerCourseState(learning, track, course);
    const attempts = (await learning.attempts(req.user!.id, course.id)).filter((a) => a.cycle === track.cycle);
    const used = attempts.filter((a) => a.submitted_at).length;
    res.render('learning/quiz-start', { title: `${course.title}: quiz`, course, state, attempts, used, assignment, ...await attemptLocals(track) });
  });

  router.post('/courses/:courseId/quiz/attempts', async (req, res) => {
    const course = courseOf(req);
    const id = await startAttempt(learning, quizSettings, await openTrack(req, course), course);
    res.redirect(303, `${base(course)}/quiz/attempts/${id}`);
  });

  const attemptUrl = (course: Course, attemptId: number) => `${base(course)}/quiz/attempts/${attemptId}`;
  const renderQuiz = (course: Course, attemptId: number, served: ReturnType<typeof servedOf>, answers: Answers, problems: Record<string, string>) => {
    const items = quizItems(course, served);
    return { title: `${course.title}: quiz`, course, attemptId, items, answers, problems, progress: progressText(items, answers), url: attemptUrl(course, attemptId) };
  };
  /** The learner's open attempt of the current content, or the error page that says why not. */
  const openAttempt = async (req: Request, course: Course) => {
    const attempt = await learning.ownAttempt(req.user!.id, course.id, idParam(req.params.attemptId));
    if (!attempt.submitted_at && attempt.content_hash !== course.contentHash) {
      fail('conflict', 'The course was updated after this quiz was given to you. Start a new attempt from the quiz page.');
    }
    return attempt;
  };

  router.get('/courses/:courseId/quiz/attempts/:attemptId', async (req, res) => {
    const course = courseOf(req);
    const attempt = await openAttempt(req, course);
    if (attempt.submitted_at) return res.redirect(303, `${attemptUrl(course, attempt.id)}/result`);
    const view = renderQuiz(course, attempt.id, servedOf(attempt), await savedAnswers(learning, attempt.id), {});
    const page = parseQuery(questionPageQuery, req.query);
    const q = page.ok ? page.data.q : undefined;
    if (q === undefined) return res.render('learning/quiz', view);
    const index = Math.min(q, view.items.length) - 1;
    res.render('learning/quiz-question', { ...view, index, item: view.items[index]!, error: undefined });
  });

  router.post('/courses/:courseId/quiz/attempts/:attemptId/answers', async (req, res) => {
    const course = courseOf(req);
    const attempt = await openAttempt(req, course);
    const wantsJson = req.accepts(['html', 'json']) === 'json';
    const form = parseForm(saveAnswerRequest, req.body);
    const served = servedOf(attempt);
    const index = served.findIndex((sq) => form.ok && sq.question === form.data.question);
    const answer = () => {
      const { answers, problems } = answersFromBody(req.body, served.filter((_, i) => i === index));
      if (problems[served[index]!.question]) fail('invalid', problems[served[index]!.question]!);
      return answers;
    };
    try {
      if (!form.ok || index < 0) fail('invalid', 'This answer is not for a question of your attempt. Reload the quiz and answer the questions shown.');
      const saved = await saveAnswers(learning, course, attempt, answer());
      const progress = progressText(served.map((sq) => ({ id: sq.question })), saved);
      if (wantsJson) return res.json({ saved: true, answered: progress.answered, total: progress.total, progress: progress.text });
      const go = form.data.go;
      const to = go === 'review' || (go === 'next' && index === served.length - 1) ? attemptUrl(course, attempt.id)
        : `${attemptUrl(course, attempt.id)}?q=${go === 'next' ? index + 2 : go === 'back' ? Math.max(1, index) : index + 1}`;
      res.redirect(303, to);
    } catch (e) {
      if (!(e instanceof RuleError) || e.code !== 'invalid') throw e;
      if (wantsJson) return res.status(400).json({ error: e.problems ? Object.values(e.problems)[0] : e.message });
      if (index < 0) throw e;
      const view = renderQuiz(course, attempt.id, served, await savedAnswers(learning, attempt.id), {});
      res.status(400).render('learning/quiz-question', { ...view, index, item: view.items[index]!, error: e.problems ? Object.values(e.problems)[0] : e.message });
    }
  });

  router.post('/courses/:courseId/quiz/attempts/:attemptId', async (req, res) => {
    const course = courseOf(req);
    const attempt = await learning.ownAttempt(req.user!.id, course.id, idParam(req.params.attemptId));
    const served = servedOf(attempt);
    const posted = answersFromBody(req.body, served);
    const problemsIn = posted.problems;
    // Answers saved while answering count too: a question left blank on this form keeps its saved answer.
    const answers = attempt.submitted_at ? posted.answers : mergeAnswers(await savedAnswers(learning, attempt.id), posted.answers);
    try {
      if (Object.keys(problemsIn).length) fail('invalid', QUIZ_INPUT_PROBLEM, problemsIn);
      await submitAttempt(learning, quizSettings, me(req), await openTrack(req, course), course, attempt, answers);
    } catch (e) {
      if (!(e instanceof RuleError && e.problems)) throw e;
      // A refused submit changes nothing; the page shows every answer again (saved ones included).
      return res.status(400).render('learning/quiz', renderQuiz(course, attempt.id, served, answers, e.problems));
    }
    res.redirect(303, `${attemptUrl(course, attempt.id)}/result`);
  });

  router.get('/courses/:courseId/quiz/attempts/:attemptId/result', async (req, res) => {
    const course = courseOf(req);
    const attempt = await learning.ownAttempt(req.user!.id, course.id, idParam(req.params.attemptId));
    if (!attempt.submitted_at) return res.redirect(303, `${base(course)}/quiz/attempts/${attempt.id}`);
    const completion = await deps.training.completionOf(req.user!.id, course.id, attempt.cycle);
    const track = { userId: req.user!.id, courseId: course.id, cycle: attempt.cycle };
    res.render('learning/result', {
      title: `${course.title}: quiz result`, course, attempt, review: attemptReview(course, attempt), passingScore: course.passingScore, completion,
      ...await attemptLocals(track),
    });
  });

  return router;
}
