import { Router } from 'express';
import type { AppDeps } from '../deps';
import { fail } from '../errors';
import { actorOf } from '../http/actor';
import { can } from '../http/guards';
import { idParam, parseForm } from '../http/validate';
import { OUTBOX_STATES, STATE_WORDS } from './service';
import { outboxQuery } from './admin-requests';

const STATE_CHOICES = [{ value: '', label: 'Any state' }, ...OUTBOX_STATES.map((s) => ({ value: s, label: STATE_WORDS[s] }))];

/** The outbox page (issue 17): every e-mail the app has queued, its state and last SMTP error, and Retry. */
export function outboxAdminRoutes(deps: AppDeps): Router {
  const { outbox } = deps;
  const router = Router();
  const admins = can('manage-settings');

  router.get('/admin/outbox', admins, async (req, res) => {
    const form = parseForm(outboxQuery, req.query);
    const query = new URLSearchParams();
    for (const k of ['state', 'stage', 'person'] as const) if (form.values[k]?.trim()) query.set(k, form.values[k].trim());
    const common = { title: 'Outbox', values: form.values, states: STATE_CHOICES, smtpConfigured: deps.config.mail.smtpUrl !== undefined, qs: query.toString() };
    if (!form.ok) {
      const stages = (await outbox.page({}, 1)).stages;
      return res.status(400).render('notifications/outbox', { ...common, rows: [], total: 0, page: 1, pages: 1, stages: stageChoices(stages, undefined), errors: form.errors });
    }
    const q = form.data;
    const result = await outbox.page({ state: q.state, stage: q.stage, person: q.person }, q.page);
    res.render('notifications/outbox', { ...common, ...result, page: q.page, stages: stageChoices(result.stages, q.stage), errors: {} });
  });

  router.post('/admin/outbox/:id/retry', admins, async (req, res) => {
    const id = idParam(req.params.id) ?? fail('not-found', 'No message with that number is in the outbox.');
    await outbox.retry(actorOf(req.user!, req.ip), id);
    req.session.flash = { kind: 'success', message: `Message ${id} will be sent again${deps.config.mail.smtpUrl ? ' within a minute' : ' once SMTP_URL is set'}.` };
    res.redirect(303, `/admin/outbox#message-${id}`);
  });

  return router;
}

/** The stages that have messages, plus the one asked for (a link from elsewhere), so the form shows what is applied. */
function stageChoices(stages: string[], given: string | undefined) {
  const all = given && !stages.includes(given) ? [...stages, given] : stages;
  return [{ value: '', label: 'Any stage' }, ...all.map((s) => ({ value: s, label: s }))];
}
