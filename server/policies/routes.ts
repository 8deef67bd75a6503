import { Router, type Response } from 'express';
import type { AppDeps } from '../deps';
import { fail, RuleError } from '../errors';
import { actorOf } from '../http/actor';
import { requireUser } from '../http/guards';
import { parseForm, type FormErrors } from '../http/validate';
import { SLUG } from './admin-requests';
import { acknowledgeForm } from './requests';
import { minutesAndSeconds, type ReadingPage } from './service';

/** A slug from the path, checked before any look-up: anything else is simply not a policy. */
export function slugParam(value: unknown): string {
  const s = typeof value === 'string' ? value : '';
  if (s.length > 60 || !SLUG.test(s)) fail('not-found', 'There is no such policy.');
  return s;
}

/** The learner's read-and-sign page for a policy (issue 16). */
export function policyRoutes(deps: AppDeps): Router {
  const { policies } = deps;
  const router = Router();

  const render = (res: Response, status: number, page: ReadingPage, typed: string, errors: FormErrors) =>
    res.status(status).render('policies/read', { title: `Read and sign: ${page.title}`, page, readTime: minutesAndSeconds, values: { typed_name: typed }, errors });

  router.get('/policies/:slug', requireUser, async (req, res) => {
    const page = await policies.readingPage(req.user!, slugParam(req.params.slug));
    render(res, 200, page, '', {});
  });

  router.post('/policies/:slug/acknowledge', requireUser, async (req, res) => {
    const slug = slugParam(req.params.slug);
    const form = parseForm(acknowledgeForm, req.body);
    const typed = form.ok ? form.data.typed_name : form.values.typed_name.slice(0, 300);
    const again = async (errors: FormErrors) => render(res, 400, await policies.readingPage(req.user!, slug), typed, errors);
    if (!form.ok) return again(form.errors);
    try {
      const r = await policies.acknowledge(actorOf(req.user!, req.ip), req.user!, slug, form.data.version_id, typed);
      req.session.flash = { kind: r.created ? 'success' : 'info', message: r.created ? 'Signed. Your acknowledgement is kept with your training record.' : 'You had already signed this policy.' };
      res.redirect(303, '/');
    } catch (e) {
      if (e instanceof RuleError && e.problems) return again({ ...e.problems });
      throw e;
    }
  });

  return router;
}
