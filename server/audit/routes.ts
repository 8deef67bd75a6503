import { Router } from 'express';
import { can } from '../http/guards';
import type { AppDeps } from '../deps';
import { idParam, pageNumber, queryString } from '../http/validate';
import { isRealDate } from '../dates';
import type { AuditFilter } from './log';

const PAGE_SIZE = 100;

export function auditRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get('/admin/audit', can('see-audit'), async (req, res) => {
    const action = queryString(req.query.action, 100);
    const actor = idParam(queryString(req.query.actor));
    const subject = idParam(queryString(req.query.user));
    const from = queryString(req.query.from, 10);
    const to = queryString(req.query.to, 10);
    const filter: AuditFilter = {
      action: action && /^[a-z._]+$/.test(action) ? action : undefined,
      actorId: actor,
      ...(subject ? { subjectType: 'user', subjectId: String(subject) } : {}),
      from: from && isRealDate(from) ? `${from}T00:00:00.000Z` : undefined,
      to: to && isRealDate(to) ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString() : undefined,
    };
    const page = pageNumber(req.query.page);
    const { rows, total } = await deps.auditLog.page(filter, PAGE_SIZE, (page - 1) * PAGE_SIZE);
    res.render('audit/list', {
      title: 'Audit log', rows, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      query: { action: filter.action ?? '', actor: actor ? String(actor) : '', user: subject ? String(subject) : '', from: filter.from ? from : '', to: filter.to ? to : '' },
    });
  });

  return router;
}
