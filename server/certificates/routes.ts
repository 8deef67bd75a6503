import { Router } from 'express';
import { can, requireUser } from '../http/guards';
import type { AppDeps } from '../deps';
import { fail } from '../errors';
import { idParam, parseForm, parseQuery } from '../http/validate';
import { attachment } from '../http/content-disposition';
import { actorOf } from '../http/actor';
import { normalizeCode } from './codes';
import { REVOKE_REASON_PROBLEM, revokeForm, verifyQuery } from './requests';
import { reissueCertificate, revokeCertificate } from './service';

/** pdfkit and the fonts load on the first download, not at start-up (cold start and memory). */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately loaded on first use
const loadRender = (): typeof import('./render') => require('./render') as typeof import('./render');

export function certificateRoutes(deps: AppDeps): Router {
  const { certificates } = deps;
  const { training } = deps;
  const router = Router();

  router.get('/certificates/:id.pdf', requireUser, async (req, res) => {
    const found = await certificates.load(idParam(req.params.id));
    // Not found and not yours look the same: a certificate id reveals nothing.
    if (!found || !(await certificates.mayDownload(req.user!, found.owner))) fail('not-found', 'There is no such certificate.');
    const data = await certificates.data(found.cert);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', attachment(`certificate-${found.cert.learner_name.replace(/\s+/g, '-')}-${found.cert.code}.pdf`));
    res.setHeader('Cache-Control', 'private, no-store');
    loadRender().renderCertificate(data, res);
  });

  const verifyLimiter = deps.limiter('certificate-verify', { windowMs: 60_000, limit: 60, standardHeaders: 'draft-8', legacyHeaders: false });

  router.get('/verify', verifyLimiter, (req, res) => {
    const query = parseQuery(verifyQuery, req.query);
    if (!query.ok) fail('invalid', query.message);
    const typed = query.data.code;
    if (typed !== undefined) {
      const code = normalizeCode(typed);
      if (code) return res.redirect(303, `/verify/${code}`);
      return res.status(400).render('certificates/verify', { title: 'Check a certificate', typed: typed.slice(0, 64), error: 'That is not a certificate code. Codes look like PR-7KQ4-M2XD-9WTA-H3NB.', result: undefined });
    }
    res.render('certificates/verify', { title: 'Check a certificate', typed: '', error: undefined, result: undefined });
  });

  router.get('/verify/:code', verifyLimiter, async (req, res) => {
    const result = await certificates.verify(String(req.params.code));
    res.status(result.state === 'not-found' ? 404 : 200).render('certificates/verify', {
      title: 'Certificate check', typed: String(req.params.code).slice(0, 64), error: undefined, result,
    });
  });

  const revokers = can('revoke-certificates');

  router.post('/admin/certificates/:id/revoke', revokers, async (req, res) => {
    const found = await certificates.load(idParam(req.params.id));
    if (!found) fail('not-found', 'There is no such certificate.');
    const form = parseForm(revokeForm, req.body);
    if (!form.ok) {
      req.session.flash = { kind: 'error', message: REVOKE_REASON_PROBLEM };
      return res.redirect(303, `/admin/users/${found.owner.id}`);
    }
    await revokeCertificate(training, actorOf(req.user!, req.ip), found.cert.id, form.data.reason);
    req.session.flash = { kind: 'success', message: `Certificate ${found.cert.code} was revoked.` };
    res.redirect(303, `/admin/users/${found.owner.id}`);
  });

  router.post('/admin/certificates/:id/reissue', revokers, async (req, res) => {
    const found = await certificates.load(idParam(req.params.id));
    if (!found) fail('not-found', 'There is no such certificate.');
    await reissueCertificate(training, actorOf(req.user!, req.ip), found.cert.id);
    req.session.flash = { kind: 'success', message: `A new certificate was issued for ${found.owner.name}; ${found.cert.code} now shows as replaced.` };
    res.redirect(303, `/admin/users/${found.owner.id}`);
  });

  return router;
}
