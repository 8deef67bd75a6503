import { Router, type Response } from 'express';
import type { AppDeps } from '../deps';
import { fail, RuleError } from '../errors';
import { actorOf } from '../http/actor';
import { can } from '../http/guards';
import { parseForm, type FormErrors } from '../http/validate';
import { preferenceRequest, stagesRequest, templateRequest } from './requests';
import { STAGE_LABEL, STAGES, type Stage, type StageSettings } from './stages';
import { DEFAULT_TEMPLATES, PLACEHOLDERS_BY_STAGE, render, sampleFacts, type Template } from './templates';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const tickOf = (b: boolean) => (b ? 'yes' : '');

/** The stage settings as the form shows them. */
function formValues(s: StageSettings): Record<string, string> {
  return {
    send_from: String(s.sendFrom), send_until: String(s.sendUntil), invitation: tickOf(s.invitation), due_soon: tickOf(s.dueSoon),
    due_soon_days: s.dueSoonDays.join(', '), due_today: tickOf(s.dueToday), overdue: tickOf(s.overdue), overdue_every_days: String(s.overdueEveryDays),
    overdue_max: String(s.overdueMax), escalation: tickOf(s.escalation), escalate_from: String(s.escalateFrom), refresher_open: tickOf(s.refresherOpen),
    certificate_issued: tickOf(s.certificateIssued), lockout: tickOf(s.lockout), digest: tickOf(s.digest), digest_weekday: String(s.digestWeekday),
  };
}

const isStage = (s: unknown): s is Stage => typeof s === 'string' && (STAGES as readonly string[]).includes(s);

/** Admin pages for which messages go out when, and their words (issue 17). */
export function notificationRoutes(deps: AppDeps): Router {
  const { notificationSettings, notifications } = deps;
  const router = Router();
  const admins = can('manage-settings');

  const renderStages = async (res: Response, status: number, values?: Record<string, string>, errors: FormErrors = {}) => {
    const current = await notificationSettings.current();
    res.status(status).render('notifications/settings', {
      title: 'E-mail notifications', values: values ?? formValues(current.stages), errors, weekdays: WEEKDAYS,
      stages: STAGES.map((stage) => ({ stage, label: STAGE_LABEL[stage], overridden: current.templates[stage] !== undefined })),
    });
  };

  const renderTemplate = async (res: Response, status: number, stage: Stage, shown?: Template, errors: FormErrors = {}) => {
    const current = await notificationSettings.current();
    const template = shown ?? current.templates[stage] ?? DEFAULT_TEMPLATES[stage];
    const preview = render(sampleFacts(stage), await notifications.org(), template);
    res.status(status).render('notifications/template', {
      title: `Message: ${STAGE_LABEL[stage]}`, stage, label: STAGE_LABEL[stage], values: template, errors, preview,
      placeholders: PLACEHOLDERS_BY_STAGE[stage], overridden: current.templates[stage] !== undefined, previewing: shown !== undefined,
    });
  };

  router.get('/admin/notifications', admins, async (_req, res) => {
    await renderStages(res, 200);
  });

  router.post('/admin/notifications', admins, async (req, res) => {
    const form = parseForm(stagesRequest, req.body);
    if (!form.ok) return renderStages(res, 400, form.values, form.errors);
    const f = form.data;
    const changed = await notificationSettings.saveStages(actorOf(req.user!, req.ip), {
      sendFrom: f.send_from, sendUntil: f.send_until, invitation: f.invitation, dueSoon: f.due_soon, dueSoonDays: f.due_soon_days, dueToday: f.due_today,
      overdue: f.overdue, overdueEveryDays: f.overdue_every_days, overdueMax: f.overdue_max, escalation: f.escalation, escalateFrom: f.escalate_from,
      refresherOpen: f.refresher_open, certificateIssued: f.certificate_issued, lockout: f.lockout, digest: f.digest, digestWeekday: f.digest_weekday,
    });
    req.session.flash = changed.length ? { kind: 'success', message: 'The notification settings were saved.' } : { kind: 'info', message: 'Nothing was changed.' };
    res.redirect(303, '/admin/notifications');
  });

  router.get('/admin/notifications/templates/:stage', admins, async (req, res) => {
    const stage = req.params.stage;
    if (!isStage(stage)) fail('not-found', 'There is no such message.');
    await renderTemplate(res, 200, stage);
  });

  router.post('/admin/notifications/templates/:stage', admins, async (req, res) => {
    const stage = req.params.stage;
    if (!isStage(stage)) fail('not-found', 'There is no such message.');
    const form = parseForm(templateRequest, req.body);
    if (!form.ok) return renderTemplate(res, 400, stage, { subject: form.values.subject, body: form.values.body }, form.errors);
    const { intent, subject, body } = form.data;
    if (intent === 'preview') {
      res.locals.flash = { kind: 'info', message: 'This is a preview with sample data: nothing was saved.' };
      return renderTemplate(res, 200, stage, { subject, body });
    }
    try {
      const changed = await notificationSettings.saveTemplate(actorOf(req.user!, req.ip), stage, intent === 'reset' ? null : { subject, body });
      req.session.flash = !changed ? { kind: 'info', message: 'Nothing was changed.' }
        : { kind: 'success', message: intent === 'reset' ? `The message "${STAGE_LABEL[stage]}" is back to the default words.` : `The message "${STAGE_LABEL[stage]}" was saved.` };
      res.redirect(303, `/admin/notifications/templates/${stage}`);
    } catch (e) {
      if (!(e instanceof RuleError && e.problems)) throw e;
      await renderTemplate(res, 400, stage, { subject, body }, e.problems);
    }
  });

  router.post('/admin/notifications/templates/:stage/test', admins, async (req, res) => {
    const stage = req.params.stage;
    if (!isStage(stage)) fail('not-found', 'There is no such message.');
    const user = req.user!;
    await notifications.queueTest({ ...actorOf(user, req.ip), email: user.email }, stage);
    req.session.flash = { kind: 'success', message: `A test of this message, with sample data, was queued for ${user.email}. It goes out when e-mail sending is configured.` };
    res.redirect(303, `/admin/notifications/templates/${stage}`);
  });

  // A person's own choice: individual reminders, or one weekly summary instead (escalations to the manager still go).
  router.get('/account/email', can('learn'), async (req, res) => {
    const on = await notificationSettings.weeklySummary(req.user!.id);
    res.render('notifications/preference', { title: 'E-mail reminders', values: { weekly_summary: on ? 'yes' : '' }, errors: {} });
  });

  router.post('/account/email', can('learn'), async (req, res) => {
    const form = parseForm(preferenceRequest, req.body);
    if (!form.ok) return res.status(400).render('notifications/preference', { title: 'E-mail reminders', values: form.values, errors: form.errors });
    const changed = await notificationSettings.setWeeklySummary(actorOf(req.user!, req.ip), req.user!.id, form.data.weekly_summary);
    req.session.flash = !changed ? { kind: 'info', message: 'Nothing was changed.' }
      : { kind: 'success', message: form.data.weekly_summary ? 'You will get one weekly summary instead of individual reminders.' : 'You will get individual reminders again.' };
    res.redirect(303, '/account/email');
  });

  return router;
}
