import { Router } from 'express';
import { can } from '../http/guards';
import type { AppDeps } from '../deps';
import { fail } from '../errors';
import { parseQuery } from '../http/validate';
import type { AuditFilter } from './log';
import { auditLogQuery } from './requests';

const PAGE_SIZE = 100;

export function auditRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get('/admin/audit', can('see-audit'), async (req, res) => {
    const query = parseQuery(auditLogQuery, req.query);
    if (!query.ok) fail('invalid', query.message);
    const { action, actor, user: subject, from, to, page } = query.data;
    const filter: AuditFilter = {
      action,
      actorId: actor,
      ...(subject ? { subjectType: 'user', subjectId: String(subject) } : {}),
      from: from ? `${from}T00:00:00.000Z` : undefined,
      to: to ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString() : undefined,
    };
    const { rows, total } = await deps.auditLog.page(filter, PAGE_SIZE, (page - 1) * PAGE_SIZE);
    res.render('audit/list', {
      title: 'Audit log', rows, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      query: { action: filter.action ?? '', actor: actor ? String(actor) : '', user: subject ? String(subject) : '', from: from ?? '', to: to ?? '' },
    });
  });

  return router;
}
