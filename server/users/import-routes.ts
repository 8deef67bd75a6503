import { Router } from 'express';
import { can } from '../http/guards';
import type { AppDeps } from '../deps';
import { acceptUpload } from '../http/csrf';
import { csvFromRequest } from '../http/upload';
import { heavy } from '../http/heavy-work';
import { IMPORT_COLUMNS, parseUserCsv } from './import';
import { actorOf } from '../http/actor';
import { renderSlices } from '../http/render-slices';

export function importRoutes(deps: AppDeps): Router {
  const { config } = deps;
  const router = Router();
  const importers = can('import-people');

  router.get('/admin/import', importers, (_req, res) => {
    res.render('users/import', { title: 'Import people', columns: IMPORT_COLUMNS, errors: [], message: undefined });
  });

  router.post('/admin/import', importers, heavy(deps.heavyWork, 'import'), acceptUpload(config), async (req, res) => {
    const input = csvFromRequest(req.file, req.body);
    if ('error' in input) {
      return res.status(400).render('users/import', { title: 'Import people', columns: IMPORT_COLUMNS, errors: [], message: input.error });
    }
    const parsed = await parseUserCsv(input.text);
    // The new people's invitations are queued in the import's own unit of work (no link in them: the sender makes it).
    const invite = await deps.notifications.inviter();
    const result = await deps.peopleImporter.run(actorOf(req.user!, req.ip), parsed, input.source, invite);
    if (!result.ok) {
      return res.status(400).render('users/import', {
        title: 'Import people', columns: IMPORT_COLUMNS, errors: result.errors,
        message: `Nothing was imported: ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'} found. Fix ${result.errors.length === 1 ? 'it' : 'them'} and upload the whole file again.`,
      });
    }
    const s = result.summary;
    const { baseUrl } = await deps.settings.current();
    // The links are shown in this answer only (see showLinks in routes.ts): never kept for a redirect.
    res.locals.flash = { kind: 'success', message: `Import done: ${s.created} added, ${s.updated} updated, ${s.unchanged} unchanged.` };
    const links = s.links.map((l) => ({ name: l.name, email: l.email, url: `${baseUrl}/password/${l.token}` }));
    // Thousands of links: their rows are rendered a slice at a time, so other requests are answered meanwhile.
    const linkRows = await renderSlices(req.app, 'users/link-rows', 'links', links);
    res.render('users/import-done', { title: 'Import finished', links, linkRows, invited: invite !== undefined, mailConfigured: config.mail.smtpUrl !== undefined });
  });

  return router;
}
