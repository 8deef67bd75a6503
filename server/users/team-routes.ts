import { Router } from 'express';
import { auditStore } from '../audit/store';
import { requireRole } from '../auth/guards';
import type { AppDeps } from '../deps';
import { HttpError } from '../http/errors';
import { idParam, pageNumber, queryString } from '../http/validate';
import { departmentTree } from './departments';
import { inScope, scopeFor } from './scope';
import { allDepartments } from './service';
import { userStore } from './store';
import { personTraining } from '../training/summary';

const PAGE_SIZE = 50;

/** "My team": the people a manager is responsible for (admins and auditors see everyone). */
export function teamRoutes(deps: AppDeps): Router {
  const { db } = deps;
  const router = Router();
  const viewers = requireRole('manager', 'admin', 'auditor');

  router.get('/team', viewers, async (req, res) => {
    const scope = await scopeFor(db, req.user!);
    const search = queryString(req.query.q);
    const page = pageNumber(req.query.page);
    const filter = { search, status: 'active' as const, departmentIds: scope.kind === 'departments' ? scope.departmentIds : undefined };
    let rows = await userStore(db).page(filter, PAGE_SIZE, (page - 1) * PAGE_SIZE);
    let total = await userStore(db).count(filter);
    if (scope.kind === 'departments' && scope.directReportIds.length > 0 && page === 1) {
      // Direct reports outside the manager's departments are listed too.
      const extra = (await Promise.all(scope.directReportIds.map((id) => userStore(db).byId(id))))
        .filter((u) => u && u.status === 'active' && !rows.some((r) => r.id === u.id) && !(u.department_id && scope.departmentIds.includes(u.department_id)));
      rows = [...rows, ...extra.map((u) => ({ ...u!, department_key: null }))];
      total += extra.length;
    }
    const tree = departmentTree(await allDepartments(db));
    res.render('users/team', {
      title: 'My team', rows, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), query: { q: search ?? '' },
      departmentPath: (id: number | null) => (id ? tree.byId.get(id)?.path ?? '' : ''),
    });
  });

  router.get('/team/people/:id', viewers, async (req, res) => {
    const id = idParam(req.params.id);
    const person = id === undefined ? undefined : await userStore(db).byId(id);
    if (!person) throw new HttpError(404, 'No person with that id exists.');
    if (!inScope(await scopeFor(db, req.user!), person)) {
      throw new HttpError(403, 'This person is not in your team. Managers see their own department and its sub-departments.');
    }
    const tree = departmentTree(await allDepartments(db));
    const manager = person.manager_id ? await userStore(db).byId(person.manager_id) : undefined;
    const events = await auditStore(db).page({ subjectType: 'user', subjectId: String(person.id) }, 20, 0);
    res.render('users/person', {
      title: person.name, person, manager, department: person.department_id ? tree.byId.get(person.department_id)?.path : undefined, events,
      training: await personTraining(deps.training, deps.catalogue, person),
    });
  });

  return router;
}
