import { Router, type Request, type Response } from 'express';
import { can } from '../http/guards';
import type { User } from './service';
import type { AppDeps } from '../deps';
import { actorOf } from '../http/actor';
import { fail, RuleError } from '../errors';
import { idParam, parseForm, parseQuery, type FormErrors } from '../http/validate';
import { departmentTree, subtreeIds } from './departments';
import { ROLES } from './fields';
import { addPerson, createDepartment, editPerson, newPasswordLink, setUserStatus } from './service';
import { departmentForm, peopleListQuery, personForm } from './requests';

export const PAGE_SIZE = 50;

/** Form values for an existing person, as the edit form shows them. */
async function formValues(deps: AppDeps, user: User): Promise<Record<string, string>> {
  const depts = departmentTree(await deps.people.departments());
  const manager = user.manager_id ? await deps.people.byId(user.manager_id) : undefined;
  return {
    employee_id: user.employee_id ?? '', email: user.email, name: user.name, role: user.role,
    department: user.department_id ? depts.byId.get(user.department_id)?.path ?? '' : '',
    manager_email: manager?.email ?? '', hire_date: user.hire_date ?? '', job_code: user.job_code ?? '', job_title: user.job_title ?? '',
    untimed_lessons: user.untimed_lessons ? 'yes' : '',
  };
}

export function adminUserRoutes(deps: AppDeps): Router {
  const { clock } = deps;
  const router = Router();
  const readers = can('see-people');
  const managers = can('manage-people');
  /**
   * A new link is shown in the answer to the POST that made it, and nowhere else: keeping it in the
   * session for a redirect would leave a working link in the sessions table (and in the database's
   * free pages and WAL) for as long as the link lives. The page is no-store like every page.
   */
  const showLinks = async (res: Response, status: number, user: User, token: string, message: string, invited = false) => {
    const { baseUrl } = await deps.settings.current();
    res.locals.flash = { kind: 'success', message };
    res.status(status).render('users/link-issued', {
      title: `Set-password link for ${user.name}`, user, invited, mailConfigured: deps.config.mail.smtpUrl !== undefined,
      links: [{ name: user.name, email: user.email, url: `${baseUrl}/password/${token}` }],
    });
  };
  // With the single sign-on accounts linked to the person (issue 18), shown beside the password state.
  const signInOf = async (user: User) => ({ ...await deps.auth.signInState(user), sso: await deps.ssoLinking.identitiesOf(user.id) });
  const { training } = deps;

  const loadUser = async (raw: unknown): Promise<User> => {
    const id = idParam(raw);
    const user = id === undefined ? undefined : await deps.people.byId(id);
    if (!user) fail('not-found', 'No person with that id exists.');
    return user;
  };

  router.get('/admin/users', readers, async (req, res) => {
    const query = parseQuery(peopleListQuery, req.query);
    if (!query.ok) fail('invalid', query.message);
    const { q: search, role, status, department: deptId, page } = query.data;
    const deptRows = await deps.people.departments();
    const filter = { search, role, status, departmentIds: deptId ? subtreeIds(deptRows, deptId) : undefined };
    const { rows, total } = await deps.people.page(filter, PAGE_SIZE, (page - 1) * PAGE_SIZE);
    const tree = departmentTree(deptRows);
    res.render('users/list', {
      title: 'People', rows, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      query: { q: search ?? '', role: role ?? '', status: status ?? '', department: deptId ? String(deptId) : '' },
      departments: tree.ordered, departmentPath: (id: number | null) => (id ? tree.byId.get(id)?.path ?? '' : ''), roles: ROLES,
    });
  });

  const renderForm = async (res: Response, status: number, values: Record<string, string>, errors: FormErrors, user?: User) => {
    res.status(status).render('users/form', {
      title: user ? `Edit ${user.name}` : 'Add a person', values, errors, user, roles: ROLES,
      departments: departmentTree(await deps.people.departments()).ordered,
    });
  };

  router.get('/admin/users/new', managers, async (_req, res) => {
    await renderForm(res, 200, { role: 'learner' }, {});
  });

  router.post('/admin/users', managers, async (req, res) => {
    const form = parseForm(personForm, req.body);
    if (!form.ok) return renderForm(res, 400, form.values, form.errors);
    const actor = actorOf(req.user!, req.ip);
    try {
      const invite = await deps.notifications.inviter();
      const { user, token } = await addPerson(deps.uow, clock, actor, form.data, invite);
      await showLinks(res, 201, user, token, `${user.name} was added.`, invite !== undefined);
    } catch (e) {
      if (!(e instanceof RuleError && e.problems)) throw e;
      await renderForm(res, 400, form.values, e.problems);
    }
  });

  router.get('/admin/users/:id', readers, async (req, res) => {
    const user = await loadUser(req.params.id);
    const events = await deps.auditLog.aboutPerson(user.id);
    res.render('users/show', {
      title: user.name, user, values: await formValues(deps, user), errors: {}, roles: ROLES, signIn: await signInOf(user),
      departments: departmentTree(await deps.people.departments()).ordered, events, training: await training.personTraining(deps.catalogue, user),
      mailProblem: await deps.outbox.addressProblem(user.email),
    });
  });

  router.post('/admin/users/:id', managers, async (req, res) => {
    const user = await loadUser(req.params.id);
    const form = parseForm(personForm, req.body);
    const refuse = async (errors: FormErrors) => res.status(400).render('users/show', {
      title: user.name, user, values: form.values, errors, roles: ROLES, links: undefined, signIn: await signInOf(user),
      departments: departmentTree(await deps.people.departments()).ordered,
      events: await deps.auditLog.aboutPerson(user.id),
      training: await training.personTraining(deps.catalogue, user),
      mailProblem: await deps.outbox.addressProblem(user.email),
    });
    if (!form.ok) return refuse(form.errors);
    try {
      const change = await editPerson(deps.uow, clock, actorOf(req.user!, req.ip), user, form.data, deps.config.timeZone);
      req.session.flash = { kind: 'success', message: change === 'unchanged' ? 'Nothing was changed.' : 'Changes saved.' };
      res.redirect(303, `/admin/users/${user.id}`);
    } catch (e) {
      if (!(e instanceof RuleError && e.problems)) throw e;
      await refuse(e.problems);
    }
  });

  const statusChange = (status: 'active' | 'deactivated') => async (req: Request, res: Response) => {
    const user = await loadUser(req.params.id);
    try {
      await setUserStatus(deps.uow, clock, actorOf(req.user!, req.ip), user.id, status);
      if (status === 'deactivated') await deps.sessions.destroyForUser(user.id);
      req.session.flash = { kind: 'success', message: status === 'deactivated'
        ? `${user.name} was deactivated. Their training records are kept.` : `${user.name} was reactivated.` };
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      req.session.flash = { kind: 'error', message: e.message };
    }
    res.redirect(303, `/admin/users/${user.id}`);
  };
  router.post('/admin/users/:id/deactivate', managers, statusChange('deactivated'));
  router.post('/admin/users/:id/reactivate', managers, statusChange('active'));

  router.post('/admin/users/:id/password-link', managers, async (req, res) => {
    const user = await loadUser(req.params.id);
    if (user.status !== 'active') {
      req.session.flash = { kind: 'error', message: 'Reactivate this person before issuing a password link.' };
      return res.redirect(303, `/admin/users/${user.id}`);
    }
    const token = await newPasswordLink(deps.uow, clock, actorOf(req.user!, req.ip), user.id);
    await showLinks(res, 200, user, token, `A new set-password link was issued for ${user.name}; any earlier link stops working.`);
  });

  router.post('/admin/users/:id/unlock', managers, async (req, res) => {
    const user = await loadUser(req.params.id);
    const unlocked = await deps.auth.unlock(actorOf(req.user!, req.ip), user);
    req.session.flash = unlocked
      ? { kind: 'success', message: `Sign-in for ${user.name} is unlocked: they can sign in now, from any device.` }
      : { kind: 'info', message: `Sign-in for ${user.name} was not locked; nothing was changed.` };
    res.redirect(303, `/admin/users/${user.id}`);
  });

  // Issue 18: removes a single sign-on link (the provider account was replaced); the next sign-in links again.
  router.post('/admin/users/:id/sso/:identity/unlink', managers, async (req, res) => {
    const user = await loadUser(req.params.id);
    const identity = idParam(req.params.identity);
    const removed = identity !== undefined && await deps.ssoLinking.unlink(actorOf(req.user!, req.ip), user.id, identity);
    req.session.flash = removed
      ? { kind: 'success', message: `The single sign-on link of ${user.name} is removed: their next sign-in with the identity provider links again.` }
      : { kind: 'info', message: `${user.name} has no such single sign-on link; nothing was changed.` };
    res.redirect(303, `/admin/users/${user.id}`);
  });

  router.get('/admin/departments', readers, async (_req, res) => {
    const rows = await deps.people.departments();
    res.render('users/departments', { title: 'Departments', departments: departmentTree(rows).ordered, values: { path: '' }, errors: {} });
  });

  router.post('/admin/departments', managers, async (req, res) => {
    const form = parseForm(departmentForm, req.body);
    if (!form.ok) {
      return res.status(400).render('users/departments', {
        title: 'Departments', departments: departmentTree(await deps.people.departments()).ordered,
        values: { path: form.values.path.slice(0, 1000) }, errors: form.errors,
      });
    }
    const created = await createDepartment(deps.uow, clock, actorOf(req.user!, req.ip), form.data.path);
    req.session.flash = { kind: 'success', message: created.length ? `Created ${created.join(', ')}.` : 'That department already exists.' };
    res.redirect(303, '/admin/departments');
  });

  return router;
}

