import { Router, type Request } from 'express';
import { can } from '../http/guards';
import type { AppDeps } from '../deps';
import { parseForm } from '../http/validate';
import { addDays, startOfDayInZone } from '../dates';
import type { AuditFilter } from './log';
import { ACTION_WORDS } from './present';
import { auditQuery, type AuditQuery } from './requests';

/** A fixed page size: the page stays a screen or two tall however many events there are. */
export const AUDIT_PAGE_SIZE = 50;

/** The action filter's choices: each family ("auth." matches every sign-in event) and every action the app writes. */
const ACTIONS: readonly { value: string; label: string }[] = (() => {
  const actions = Object.keys(ACTION_WORDS).sort();
  const families = [...new Set(actions.map((a) => `${a.split('.')[0]}.`))];
  return [{ value: '', label: 'Any action' }, ...families.map((f) => ({ value: f, label: `${f}* (all)` })), ...actions.map((a) => ({ value: a, label: a }))];
})();

/** The choices, plus the action given when it is not one of them (a link from elsewhere), so the form shows what is applied. */
const actionChoices = (given: string | undefined) =>
  (given && !ACTIONS.some((a) => a.value === given) ? [...ACTIONS, { value: given, label: given }] : ACTIONS);

export function auditRoutes(deps: AppDeps): Router {
  const { config } = deps;
  const router = Router();

  const toFilter = (q: AuditQuery): AuditFilter => ({
    action: q.action, actorText: q.actor, subjectPersonText: q.subject,
    // Days are the organisation's: "from 1 Dec" starts at its midnight, not UTC's.
    from: q.from ? startOfDayInZone(q.from, config.timeZone) : undefined,
    to: q.to ? startOfDayInZone(addDays(q.to, 1), config.timeZone) : undefined,
  });

  const wantsJson = (req: Request, q: { format?: string }) => q.format === 'json' || req.accepts(['html', 'json']) === 'json';

  router.get('/admin/audit', can('see-audit'), async (req, res) => {
    // A filter form sent by GET: its schema reads only its own keys, and a repeated one is a message.
    const form = parseForm(auditQuery, req.query);
    const query = new URLSearchParams();
    for (const k of ['actor', 'action', 'subject', 'from', 'to'] as const) if (form.values[k]?.trim()) query.set(k, form.values[k].trim());
    if (!form.ok) {
      if (wantsJson(req, { format: form.values.format })) return res.status(400).json({ errors: form.errors });
      return res.status(400).render('audit/list', {
        title: 'Audit log', events: [], total: 0, page: 1, pages: 1, values: form.values, errors: form.errors, actions: ACTIONS, qs: query.toString(),
      });
    }
    const q = form.data;
    const { events, total } = await deps.auditLog.describedPage(toFilter(q), AUDIT_PAGE_SIZE, (q.page - 1) * AUDIT_PAGE_SIZE);
    const pages = Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE));
    if (wantsJson(req, q)) {
      return res.json({ total, page: q.page, pages, pageSize: AUDIT_PAGE_SIZE, timeZone: config.timeZone, events });
    }
    res.render('audit/list', { title: 'Audit log', events, total, page: q.page, pages, values: form.values, errors: {}, actions: actionChoices(q.action), qs: query.toString() });
  });

  return router;
}
