import { Router } from 'express';
import { requireUser } from '../http/guards';
import type { AppDeps } from '../deps';
import { fail, RuleError } from '../errors';
import { idParam, parseForm } from '../http/validate';
import { actorOf } from '../http/actor';
import { finishWithAttestation, policyHash } from './finish';
import { sourceInWords } from './present';
import { obligatedCourses } from './obligations';
import { attestForm } from './requests';
import { STATUS_LABEL } from './status';

export function trainingRoutes(deps: AppDeps): Router {
  const { catalogue, learning } = deps;
  const { training } = deps;
  const router = Router();

  const loadPassed = async (userId: number, courseId: string, attemptId: unknown) => {
    const course = catalogue.get(courseId);
    if (!course) fail('not-found', 'There is no such course.');
    const attempt = await learning.ownAttempt(userId, course.id, idParam(attemptId));
    if (!attempt.passed) fail('conflict', 'This attempt did not pass, so there is nothing to attest yet. Retake the quiz first.');
    // The policy people sign: the latest version saved in settings, else the course file's (the view reads course.policy).
    const policy = await deps.settings.policyFor(course);
    // Names the text shown (title, version and text), so a course-file version and a settings version never look alike.
    const policyToken = policyHash(policy).slice(0, 16);
    return { course: { ...course, policy }, attempt, policy, policyToken };
  };

  router.get('/courses/:courseId/attest/:attemptId', requireUser, async (req, res) => {
    const { course, attempt, policyToken } = await loadPassed(req.user!.id, String(req.params.courseId), req.params.attemptId);
    const done = await training.completionOf(req.user!.id, course.id, attempt.cycle);
    if (done) return res.redirect(303, '/transcript');
    res.render('training/attest', { title: `Confirm the ${course.policy.title}`, course, attempt, policyToken, values: { typed_name: '' }, errors: {} });
  });

  router.post('/courses/:courseId/attest/:attemptId', requireUser, async (req, res) => {
    const { course, attempt, policy, policyToken } = await loadPassed(req.user!.id, String(req.params.courseId), req.params.attemptId);
    const form = parseForm(attestForm, req.body);
    const typed = form.ok ? form.data.typed_name : form.values.typed_name.slice(0, 300);
    const errors: Record<string, string> = form.ok ? {} : { ...form.errors };
    // The page names the policy version it showed: a person signs the text they read, never a newer
    // one an admin saved while the page was open (an older form without the field signs the current one).
    const shown = form.values.policy_shown;
    if (shown !== '' && shown !== policyToken) {
      errors.policy_shown = `The policy was changed (it is now version ${policy.version}) while this page was open. Read this version, then sign again.`;
    }
    const render400 = (e: Record<string, string>) => res.status(400).render('training/attest', {
      title: `Confirm the ${course.policy.title}`, course, attempt, policyToken, values: { typed_name: typed }, errors: e,
    });
    if (Object.keys(errors).length > 0) return render400(errors);
    try {
      const result = await finishWithAttestation(training, actorOf(req.user!, req.ip), req.user!, course, attempt.id, typed, policy);
      req.session.flash = { kind: 'success', message: result.created ? 'Training complete. Your certificate is ready.' : 'This training was already complete.' };
      res.redirect(303, '/transcript');
    } catch (e) {
      if (e instanceof RuleError && e.problems) return render400({ ...e.problems });
      throw e;
    }
  });

  router.get('/transcript', requireUser, async (req, res) => {
    const user = req.user!;
    const { completions, certificates } = await training.recordOf(user.id);
    const obligated = await obligatedCourses(training, catalogue, user, training.today());
    const assignments = await Promise.all(obligated.map(async (course) => ({ course, assignment: await training.currentAssignment(user, course) })));
    res.render('training/transcript', {
      title: 'Your training record', person: user, certificates, assignments, statusLabel: STATUS_LABEL,
      completions: completions.map((c) => ({ ...c, result: sourceInWords({ source: c.source, score: c.score }, 'result') })),
      courseTitle: (id: string) => catalogue.get(id)?.title ?? id, dayOf: (iso: string) => training.dayOf(iso),
    });
  });

  return router;
}
