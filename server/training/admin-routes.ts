import { Router } from 'express';
import { can } from '../http/guards';
import type { AppDeps } from '../deps';
import { acceptUpload } from '../http/csrf';
import { fail, RuleError } from '../errors';
import { heavy } from '../http/heavy-work';
import { idParam, parseForm } from '../http/validate';
import { actorOf } from '../http/actor';
import { csvFromRequest } from '../http/upload';
import { HISTORY_COLUMNS, HISTORY_OPTIONAL, importHistory, parseHistory, recordInPerson } from './record';
import { inPersonForm } from './admin-requests';

export function trainingAdminRoutes(deps: AppDeps): Router {
  const { catalogue, config } = deps;
  const { training } = deps;
  const router = Router();
  const recorders = can('record-training');

  router.post('/admin/users/:id/completions', recorders, async (req, res) => {
    const id = idParam(req.params.id);
    const user = id === undefined ? undefined : await deps.people.byId(id);
    if (!user) fail('not-found', 'No person with that id exists.');
    const form = parseForm(inPersonForm, req.body);
    const course = form.ok ? catalogue.get(form.data.course_id) : undefined;
    if (!form.ok || !course) {
      const first = form.ok ? 'Choose a course.' : Object.values(form.errors)[0];
      req.session.flash = { kind: 'error', message: `Nothing was recorded: ${first}` };
      return res.redirect(303, `/admin/users/${user.id}#training`);
    }
    try {
      await recordInPerson(training, actorOf(req.user!, req.ip), user, course, form.data);
      req.session.flash = { kind: 'success', message: `In-person completion recorded for ${user.name}; a certificate was issued.` };
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      req.session.flash = { kind: 'error', message: `Nothing was recorded: ${e.message}` };
    }
    res.redirect(303, `/admin/users/${user.id}#training`);
  });

  const columns = [...HISTORY_COLUMNS, ...HISTORY_OPTIONAL];
  router.get('/admin/completions/import', recorders, (_req, res) => {
    res.render('training/import', { title: 'Import earlier completions', columns, errors: [], message: undefined, courses: catalogue.courses });
  });

  router.post('/admin/completions/import', recorders, heavy(deps.heavyWork, 'import'), acceptUpload(config), async (req, res) => {
    const input = csvFromRequest(req.file, req.body);
    const refuse = (message: string, errors: { line: number; column: string; reason: string }[] = []) =>
      res.status(400).render('training/import', { title: 'Import earlier completions', columns, errors, message, courses: catalogue.courses });
    if ('error' in input) return refuse(input.error);
    const parsed = await parseHistory(training, catalogue, input.text);
    if (parsed.errors.length) {
      return refuse(`Nothing was imported: ${parsed.errors.length} problem${parsed.errors.length === 1 ? '' : 's'} found. Fix ${parsed.errors.length === 1 ? 'it' : 'them'} and upload the whole file again.`, parsed.errors);
    }
    const r = await importHistory(training, actorOf(req.user!, req.ip), parsed.rows, input.source);
    req.session.flash = { kind: 'success', message: `Import done: ${r.added} completions added, ${r.present} already present.` };
    res.redirect(303, '/admin/completions/import');
  });

  return router;
}
