import { Router, type Response } from 'express';
import type { AppDeps } from '../deps';
import { fail, RuleError } from '../errors';
import { actorOf } from '../http/actor';
import { attachment } from '../http/content-disposition';
import { can } from '../http/guards';
import { idParam, parseForm, parseQuery, type FormErrors } from '../http/validate';
import { newPolicyQuery, publishForm, signersQuery } from './admin-requests';
import { writeVersionsCsv } from './export';
import { slugParam } from './routes';
import { minutesAndSeconds } from './service';

type PublishValues = Record<'slug' | 'title' | 'label' | 'text' | 'change_kind' | 'change_note' | 'min_read_seconds', string>;

const SIGNERS_PAGE = 200;

const EMPTY: PublishValues = { slug: '', title: '', label: '', text: '', change_kind: '', change_note: '', min_read_seconds: '' };

/**
 * The admin's policy pages (issue 16): the list, publishing a version (with a preview first), one
 * policy's versions and who has signed, and every version's exact text. Auditors read; admins publish.
 */
export function policyAdminRoutes(deps: AppDeps): Router {
  const { policies } = deps;
  const router = Router();
  const readers = can('see-audit');
  const publishers = can('manage-settings');

  const renderForm = (res: Response, status: number, values: PublishValues, errors: FormErrors, preview: string | null) =>
    res.status(status).render('policies/new', { title: 'Publish a policy version', values, errors, preview });

  router.get('/admin/policies', readers, async (_req, res) => {
    const [states, chain] = await Promise.all([policies.states(), policies.verify()]);
    res.render('policies/list', { title: 'Policies', states: [...states.values()], chain });
  });

  router.get('/admin/policies/new', publishers, async (req, res) => {
    const query = parseQuery(newPolicyQuery, req.query);
    const values = { ...EMPTY };
    const slug = query.ok ? query.data.slug : undefined;
    if (slug) {
      const state = (await policies.states()).get(slug);
      // A new version of an existing policy starts from the current text, so an edit is all it takes.
      if (state) Object.assign(values, { slug, title: state.current.title, text: state.current.text, min_read_seconds: state.current.min_read_seconds?.toString() ?? '' });
    }
    renderForm(res, 200, values, {}, null);
  });

  router.post('/admin/policies', publishers, async (req, res) => {
    const form = parseForm(publishForm, req.body);
    const values = { ...EMPTY, ...form.values };
    if (!form.ok) return renderForm(res, 400, values, form.errors, null);
    // The preview shows the text exactly as people will read it; nothing is saved.
    if (form.data.intent === 'preview') return renderForm(res, 200, values, {}, policies.preview(form.data.text));
    const d = form.data;
    let upToDate: boolean;
    try {
      // The page waits a moment for everyone's rows; a large organisation's finish after the redirect.
      upToDate = (await policies.publish(actorOf(req.user!, req.ip), {
        slug: d.slug, title: d.title, label: d.label, text: d.text, kind: d.change_kind, note: d.change_note, minReadSeconds: d.min_read_seconds,
      }, { waitMs: 2000 })).upToDate;
    } catch (e) {
      if (e instanceof RuleError && e.problems) return renderForm(res, 400, values, { ...e.problems }, null);
      throw e;
    }
    req.session.flash = {
      kind: 'success',
      message: d.change_kind === 'material'
        ? `Version ${d.label} of ${d.title} is published. Everyone must read and sign it.`
        : `Version ${d.label} of ${d.title} is published as a correction. Signatures of earlier versions still count.`,
    };
    if (!upToDate) req.session.flash.message += ' Who must sign is still being updated for everyone; the figures below will follow in a moment.';
    res.redirect(303, `/admin/policies/${d.slug}`);
  });

  router.get('/admin/policies/:slug', readers, async (req, res) => {
    const slug = slugParam(req.params.slug);
    const state = await policies.state(slug);
    const signers = await policies.signers(slug);
    const signed = signers.filter((s) => s.signed).length;
    // A page of people at a time (unsigned first): a whole hospital on one page was megabytes of HTML.
    const query = parseQuery(signersQuery, req.query);
    const pages = Math.max(1, Math.ceil(signers.length / SIGNERS_PAGE));
    const page = Math.min(query.ok ? query.data.page : 1, pages);
    res.render('policies/show', {
      title: state.current.title, state, signers: signers.slice((page - 1) * SIGNERS_PAGE, page * SIGNERS_PAGE), signed, unsigned: signers.length - signed, page, pages,
      versions: [...state.versions].reverse(), readTime: (n: number | null) => (n ? minutesAndSeconds(n) : 'none'),
    });
  });

  router.get('/admin/policies/:slug/versions/:id', readers, async (req, res) => {
    const slug = slugParam(req.params.slug);
    const v = await policies.version(slug, idParam(req.params.id) ?? fail('not-found', 'This policy has no such version.'));
    // The exact text as published, byte for byte: what its hash covers (with the title and label).
    res.setHeader('Content-Type', 'text/markdown; charset=utf-8');
    res.setHeader('Content-Disposition', attachment(`${slug}-v${v.label}.md`));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(v.text);
  });

  router.get('/admin/policies/:slug/export.csv', readers, async (req, res) => {
    const slug = slugParam(req.params.slug);
    const versions = await policies.exportVersions(actorOf(req.user!, req.ip), slug);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', attachment(`${slug}-policy-versions.csv`));
    await writeVersionsCsv(versions, res);
    res.end();
  });

  return router;
}
