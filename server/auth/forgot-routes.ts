import { Router, type Response } from 'express';
import type { AppDeps } from '../deps';
import { parseForm, type FormErrors } from '../http/validate';
import { forgotPasswordForm } from './forgot-requests';
import { RESET_LIMITS } from './password-reset';

/**
 * "Forgot password?" (linked from the sign-in page). The answer to a request is the same page, the same
 * status and the same words for every well-formed address, known or not, active or not, over its limit
 * or not: the e-mail is made off the request path (notifications/reset-mail.ts). Only a client over its
 * own limit is told so (429), which says nothing about the address.
 */
export function forgotPasswordRoutes(deps: AppDeps): Router {
  const { auth } = deps;
  const router = Router();
  const hours = RESET_LIMITS.windowMs / 3_600_000;
  const sentNotice = 'If an active account has that email address, an email with a link to choose a new password is on its way. ' +
    'The link works once, for 1 hour. Nothing within a few minutes? Check your junk mail folder, or ask your administrator. ' +
    `At most ${RESET_LIMITS.perAddress} emails are sent per address per hour.`;

  const page = (res: Response, status: number, extra: { errors?: FormErrors; notice?: string; message?: string; email?: string } = {}) =>
    res.status(status).render('auth/forgot', { title: 'Forgot your password?', values: { email: extra.email ?? '' }, errors: extra.errors ?? {}, notice: extra.notice, message: extra.message });

  router.get('/password/forgot', (_req, res) => {
    page(res, 200);
  });

  router.post('/password/forgot', async (req, res) => {
    const form = parseForm(forgotPasswordForm, req.body);
    if (!form.ok) return page(res, 400, { errors: form.errors, email: form.values.email });
    const answer = await auth.requestPasswordReset(form.data.email, req.ip ?? null);
    if (answer === 'ip-limited') {
      return page(res, 429, {
        message: `Too many password-reset requests from your network: at most ${RESET_LIMITS.perIp} an hour. Wait ${hours === 1 ? 'an hour' : `${hours} hours`} and try again, or ask your administrator for a new password link.`,
      });
    }
    // Never the typed address: the page must read the same whatever was typed.
    page(res, 200, { notice: sentNotice });
  });

  return router;
}
