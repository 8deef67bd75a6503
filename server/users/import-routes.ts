import { Router } from 'express';
import { requireRole } from '../auth/guards';
import { decodeUtf8 } from '../csv';
import type { AppDeps } from '../deps';
import { acceptUpload } from '../http/csrf';
import { IMPORT_COLUMNS, importUsers, parseUserCsv } from './import';
import { actorOf } from './routes';

const TEXT_MAX = 5 * 1024 * 1024;

/** The uploaded file, or the pasted text; never both. Invalid UTF-8 is refused rather than guessed at. */
export function csvFromRequest(file: Express.Multer.File | undefined, body: unknown): { text: string; source: string } | { error: string } {
  const pasted = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).csv : undefined;
  if (file && file.size > 0) {
    const text = decodeUtf8(file.buffer);
    if (text === undefined) return { error: 'The file is not UTF-8 text. Save it from your spreadsheet as "CSV UTF-8" and try again.' };
    return { text, source: `upload: ${file.originalname.slice(0, 200)}` };
  }
  if (typeof pasted === 'string' && pasted.trim()) {
    if (pasted.length > TEXT_MAX) return { error: 'The pasted text is too large.' };
    return { text: pasted, source: 'pasted text' };
  }
  return { error: 'Choose a CSV file to upload, or paste the CSV text.' };
}

export function importRoutes(deps: AppDeps): Router {
  const { db, clock, config } = deps;
  const router = Router();
  const admins = requireRole('admin');

  router.get('/admin/import', admins, (_req, res) => {
    res.render('users/import', { title: 'Import people', columns: IMPORT_COLUMNS, errors: [], message: undefined });
  });

  router.post('/admin/import', admins, acceptUpload(config), async (req, res) => {
    const input = csvFromRequest(req.file, req.body);
    if ('error' in input) {
      return res.status(400).render('users/import', { title: 'Import people', columns: IMPORT_COLUMNS, errors: [], message: input.error });
    }
    const parsed = parseUserCsv(input.text);
    const result = parsed.errors.length > 0 ? { ok: false as const, errors: parsed.errors }
      : await importUsers(db, deps.uow, clock, actorOf(req.user!, req.ip), parsed.rows, input.source);
    if (!result.ok) {
      return res.status(400).render('users/import', {
        title: 'Import people', columns: IMPORT_COLUMNS, errors: result.errors,
        message: `Nothing was imported: ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'} found. Fix ${result.errors.length === 1 ? 'it' : 'them'} and upload the whole file again.`,
      });
    }
    const s = result.summary;
    // The links are shown in this answer only (see showLinks in routes.ts): never kept for a redirect.
    res.locals.flash = { kind: 'success', message: `Import done: ${s.created} added, ${s.updated} updated, ${s.unchanged} unchanged.` };
    res.render('users/import-done', {
      title: 'Import finished',
      links: s.links.map((l) => ({ name: l.name, email: l.email, url: `${config.baseUrl}/password/${l.token}` })),
    });
  });

  return router;
}
