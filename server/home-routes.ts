import { Router } from 'express';
import { sql } from 'kysely';
import { requireUser } from './auth/guards';
import type { AppDeps } from './deps';

/** Mounted before sessions: a health probe must not create sessions or need a cookie. */
export function healthRoutes(deps: AppDeps): Router {
  const router = Router();
  // Health: 200 only when the database answers a query.
  router.get('/healthz', async (_req, res) => {
    try {
      await sql`select 1`.execute(deps.db);
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'database not answering' });
    }
  });

  return router;
}

export function homeRoutes(): Router {
  const router = Router();
  router.get('/', requireUser, (req, res) => {
    res.render('home', { title: 'Dashboard', user: req.user });
  });

  return router;
}
