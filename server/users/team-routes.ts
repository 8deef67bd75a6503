import { Router } from 'express';
import { can } from '../http/guards';
import type { AppDeps } from '../deps';
import { fail } from '../errors';
import { idParam } from '../http/validate';
import { departmentTree } from './departments';
import { inScope } from './scope';


/** A person's page for their manager (and admins and auditors): training, attempts, audit trail. */
export function teamRoutes(deps: AppDeps): Router {
  const { people } = deps;
  const router = Router();
  const viewers = can('see-team');

  router.get('/team/people/:id', viewers, async (req, res) => {
    const id = idParam(req.params.id);
    const person = id === undefined ? undefined : await people.byId(id);
    // Someone outside the manager's scope answers exactly like an id nobody has: a 403 would confirm
    // that the id belongs to someone.
    if (!person || !inScope(await deps.people.scopeOf(req.user!), person)) fail('not-found', 'No person with that id exists.');
    const tree = departmentTree(await deps.people.departments());
    const manager = person.manager_id ? await people.byId(person.manager_id) : undefined;
    const events = await deps.auditLog.aboutPerson(person.id);
    res.render('users/person', {
      title: person.name, person, manager, department: person.department_id ? tree.byId.get(person.department_id)?.path : undefined, events,
      training: await deps.training.personTraining(deps.catalogue, person),
    });
  });

  return router;
}
