import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../deps';
import { RuleError } from '../errors';
import { actorOf } from '../http/actor';
import { acceptUpload } from '../http/csrf';
import { can } from '../http/guards';
import { parseForm, parseQuery, type FormErrors } from '../http/validate';
import { LOGO_MAX_BYTES } from './logo';
import { logoRequest, policyRequest, settingsPageQuery, settingsRequest } from './requests';
import { SETTING_LABELS, type SettingKey } from './service';

/** A served logo may be rendered as a document when opened directly: no script, no requests, no forms. */
const LOGO_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

interface PageState {
  values?: Record<string, string>;
  errors?: FormErrors;
  policy?: { policy_title: string; policy_text: string };
  /** The course whose attestation policy the policy form edits. */
  courseId?: string;
  policyErrors?: FormErrors;
  logoError?: string;
}

export function settingsRoutes(deps: AppDeps): Router {
  const { settings, config, catalogue } = deps;
  const router = Router();
  const admins = can('manage-settings');

  // Each course has its own policy; the page edits one course's at a time (the first, unless one is chosen).
  const courseFor = (id: string | undefined) => (id ? catalogue.get(id) : undefined) ?? catalogue.courses[0]!;

  const render = async (res: Response, status: number, state: PageState = {}) => {
    const current = await settings.current();
    const course = courseFor(state.courseId);
    const latest = await settings.latestPolicyText(course.id);
    // Before the first version is saved, the form starts from the course file's policy, which is what people sign now.
    const coursePolicy = course.policy;
    res.status(status).render('settings/edit', {
      policyCourse: course, courses: catalogue.courses,
      title: 'Settings', current, labels: SETTING_LABELS, envBaseUrl: config.baseUrl, logoMaxKb: LOGO_MAX_BYTES / 1024,
      values: state.values ?? current.values, errors: state.errors ?? {},
      policy: state.policy ?? { policy_title: latest?.title ?? coursePolicy?.title ?? '', policy_text: latest?.text ?? coursePolicy?.text ?? '' },
      policyErrors: state.policyErrors ?? {}, policyVersion: latest?.version ?? null, policyVersions: await settings.policyVersions(course.id),
      logoError: state.logoError, ssoWarning: await deps.ssoLinking.breakGlassWarning(),
    });
  };

  router.get('/admin/settings', admins, async (req, res) => {
    const query = parseQuery(settingsPageQuery, req.query);
    await render(res, 200, { courseId: query.ok ? query.data.course : undefined });
  });

  router.post('/admin/settings', admins, async (req, res) => {
    const form = parseForm(settingsRequest, req.body);
    if (!form.ok) return render(res, 400, { values: form.values, errors: form.errors });
    const changed = await settings.update(actorOf(req.user!, req.ip), form.data);
    req.session.flash = changed.length
      ? { kind: 'success', message: `Saved: ${changed.map((k: SettingKey) => SETTING_LABELS[k].toLowerCase()).join(', ')}.` }
      : { kind: 'info', message: 'Nothing was changed.' };
    res.redirect(303, '/admin/settings');
  });

  router.post('/admin/settings/policy', admins, async (req, res) => {
    const form = parseForm(policyRequest, req.body);
    const course = form.ok ? catalogue.get(form.data.course_id) : undefined;
    if (!form.ok || !course) {
      const errors: FormErrors = form.ok ? { course_id: 'Choose one of the courses listed; that course was not found.' } : form.errors;
      return render(res, 400, {
        policy: { policy_title: form.values.policy_title ?? '', policy_text: form.values.policy_text ?? '' }, policyErrors: errors, courseId: form.values.course_id,
      });
    }
    const version = await settings.savePolicy(actorOf(req.user!, req.ip), course.id, form.data.policy_title, form.data.policy_text);
    req.session.flash = version
      ? { kind: 'success', message: `Policy version ${version} saved for ${course.title}. People sign it from now on; earlier attestations keep the version they signed.` }
      : { kind: 'info', message: `The policy is the same as the latest version for ${course.title}; nothing was changed.` };
    res.redirect(303, `/admin/settings?course=${encodeURIComponent(course.id)}`);
  });

  router.post('/admin/settings/logo', admins, acceptUpload(config), async (req: Request, res: Response) => {
    const form = parseForm(logoRequest, req.body);
    if (!form.ok) return render(res, 400, { logoError: Object.values(form.errors)[0] });
    const actor = actorOf(req.user!, req.ip);
    if (!req.file) return render(res, 400, { logoError: 'Choose the logo file (PNG or SVG) to upload.' });
    try {
      const type = await settings.setLogo(actor, req.file.buffer);
      req.session.flash = { kind: 'success', message: `The logo was saved (${type.toUpperCase()}). It shows in the header, on certificates and on evidence packs.` };
      res.redirect(303, '/admin/settings');
    } catch (e) {
      if (!(e instanceof RuleError && e.problems)) throw e;
      await render(res, 400, { logoError: e.message });
    }
  });

  router.post('/admin/settings/logo/remove', admins, async (req, res) => {
    const removed = await settings.removeLogo(actorOf(req.user!, req.ip));
    req.session.flash = { kind: removed ? 'success' : 'info', message: removed ? 'The logo was removed.' : 'There was no logo to remove.' };
    res.redirect(303, '/admin/settings');
  });

  // Public, as the header shows it on the sign-in page too. The hash in the query names one version, so
  // it may be cached; the CSP keeps an SVG opened on its own from running anything.
  router.get('/settings/logo', async (_req, res) => {
    const logo = await settings.logoFile();
    if (!logo) return res.status(404).type('text/plain').send('There is no logo.');
    res.setHeader('Content-Type', logo.mediaType);
    res.setHeader('Content-Security-Policy', LOGO_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Disposition', `inline; filename="logo.${logo.mediaType === 'image/png' ? 'png' : 'svg'}"`);
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('ETag', `"${logo.sha256}"`);
    res.send(logo.data);
  });

  return router;
}
