import { Router } from 'express';
import { requireUser } from './http/guards';
import type { AppDeps } from './deps';
import { learnerCourseState } from './learning/progress';
import { obligatedCourses } from './training/obligations';

/** Mounted before sessions: a health probe must not create sessions or need a cookie. */
export function healthRoutes(deps: AppDeps): Router {
  const router = Router();
  // Health: 200 only when the database answers a query; it also says which engine and migration, so a
  // load balancer or an operator can tell instances that have not caught up with a new release.
  router.get('/healthz', async (_req, res) => {
    const health = await deps.databaseHealth();
    if (health.answers) res.json({ status: 'ok', database: health.engine, migration: health.migration ?? null });
    else res.status(503).json({ status: 'unavailable', reason: 'database not answering', database: health.engine });
  });

  return router;
}

export function homeRoutes(deps: AppDeps): Router {
  const router = Router();
  const { learning } = deps;
  router.get('/', requireUser, async (req, res) => {
    // One card per obligation, each with its status and the sentence saying why it is due when it is.
    const obligated = await obligatedCourses(deps.training, deps.catalogue, req.user!, deps.training.today());
    const courses = await Promise.all(obligated.map(async (course) => {
      const { track, assignment } = await learning.trackFor(req.user!, course);
      return { course, assignment, state: await learnerCourseState(learning, track, course) };
    }));
    // Issue 16: each policy the person must read and sign, beside the courses.
    const policyItems = await deps.policies.dashboardItems(req.user!);
    res.render('home', { title: 'Dashboard', user: req.user, courses, policyItems });
  });

  return router;
}
