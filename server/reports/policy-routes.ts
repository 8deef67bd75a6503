import { Router } from 'express';
import { appendAudit } from '../audit/service';
import type { AppDeps } from '../deps';
import { fail } from '../errors';
import { actorOf } from '../http/actor';
import { attachment } from '../http/content-disposition';
import { can } from '../http/guards';
import { heavy } from '../http/heavy-work';
import { parseQuery } from '../http/validate';
import { sourceInWords } from '../training/present';
import { STATUS_LABEL, type TrainingStatus } from '../training/status';
import { departmentTree } from '../users/departments';
import { writeCsv } from './csv-export';
import { parseReportQuery, queryString } from './filters';
import { policyReportQuery } from './requests';
import { adminEmails, currentRowBatches, PAGE_SIZE, policyReportPage, scopedFilter } from './service';

const STATUS_ORDER: TrainingStatus[] = ['completed', 'in-progress', 'not-started', 'overdue', 'exempt'];
const SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * A policy's report: who the rules oblige to sign it and where each person stands (signed the version
 * that counts, opened it, overdue, exempt), with the same filters, scope and CSV columns as a course's.
 */
export function policyReportRoutes(deps: AppDeps): Router {
  const { training, policies } = deps;
  const router = Router();
  const viewers = can('see-reports');

  const context = async (slug: string, checked: ReturnType<typeof parseQuery<typeof policyReportQuery>>, user: Express.User) => {
    if (!SLUG.test(slug)) fail('not-found', 'There is no such policy.');
    const state = await policies.state(slug);
    if (!checked.ok) fail('invalid', `The report filters could not be used: ${checked.message}`);
    const today = training.today();
    const parsed = { ...parseReportQuery(checked.data, deps.catalogue, today), courseId: slug };
    const filter = { ...(await scopedFilter(deps.people, user, parsed, today)), courseId: slug, targetType: 'policy' as const };
    const depts = departmentTree(await deps.people.departments());
    return { state, parsed, filter, depts, departmentPath: (id: number | null) => (id ? depts.byId.get(id)?.path ?? '' : '') };
  };

  router.get('/reports/policies/:slug', viewers, async (req, res) => {
    const { state, parsed, filter, depts, departmentPath } = await context(String(req.params.slug), parseQuery(policyReportQuery, req.query), req.user!);
    const page = await policyReportPage(training, filter, parsed);
    const qs = queryString(parsed.raw);
    const scope = await deps.people.scopeOf(req.user!);
    const visible = scope.kind === 'departments' ? depts.ordered.filter((d) => scope.departmentIds.includes(d.id)) : depts.ordered;
    res.render('reports/policy', {
      title: `Policy report: ${state.current.title}`, state, parsed, page, qs, departmentPath, departments: visible,
      pages: Math.max(1, Math.ceil(page.total / PAGE_SIZE)), statuses: STATUS_ORDER, statusLabel: STATUS_LABEL,
      assignments: (await deps.assignments.list()).filter((a) => a.target.type === 'policy' && a.target.id === state.slug),
    });
  });

  router.get('/reports/policies/:slug/export.csv', viewers, heavy(deps.heavyWork, 'export'), async (req, res) => {
    const { state, parsed, filter, departmentPath } = await context(String(req.params.slug), parseQuery(policyReportQuery, req.query), req.user!);
    const admins = await adminEmails(training);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', attachment(`policy-${state.slug}-${training.today()}.csv`));
    res.setHeader('Cache-Control', 'private, no-store');
    let rows = 0;
    let complete = false;
    try {
      rows = await writeCsv(currentRowBatches(training, filter, parsed), {
        departmentPath, recordedBy: (r) => sourceInWords({ source: r.source, recorder: admins.get(r.recordedBy ?? -1) }, 'recorded-by'),
      }, res);
      complete = true;
    } finally {
      await deps.uow((trx) => appendAudit(trx, training.clock, actorOf(req.user!, req.ip), {
        action: 'report.exported', subjectType: 'report', details: { format: 'csv', policy: state.slug, filters: parsed.raw, rows, complete },
      }));
    }
  });

  return router;
}
