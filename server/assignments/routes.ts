import { Router, type Response } from 'express';
import type { AppDeps } from '../deps';
import { fail, RuleError } from '../errors';
import crypto from 'node:crypto';
import { actorOf } from '../http/actor';
import { acceptUpload } from '../http/csrf';
import { hasControlChars } from '../text';
import { attachment } from '../http/content-disposition';
import { can } from '../http/guards';
import { idParam, parseForm, type FormErrors } from '../http/validate';
import { exemptionRequest, moveRequest, ruleRequest } from './requests';
import type { AssignmentRule, TargetRef } from './rules';
import type { RuleValues } from './service';

type RuleForm = { name: string; target: TargetRef; department: number | null; role: '' | AssignmentRule['audience']['roles'][number]; job_codes: string[]; starts_on: string; rollout_days: number; ends_on: string | null };

/** The rule the form describes: with no department, role or job code, everyone. */
function ruleValuesOf(f: RuleForm): RuleValues {
  return {
    name: f.name, target: f.target, startsOn: f.starts_on, rolloutDays: f.rollout_days, endsOn: f.ends_on,
    audience: {
      everyone: f.department === null && f.role === '' && f.job_codes.length === 0,
      departmentIds: f.department === null ? [] : [f.department], roles: f.role ? [f.role] : [], jobCodes: f.job_codes,
    },
  };
}

/** The form's fields for a saved rule (the edit page's starting values). */
function formValuesOf(r: AssignmentRule): Record<string, string> {
  return {
    action: 'preview', name: r.name, target: `${r.target.type}:${r.target.id}`, department: r.audience.departmentIds[0] === undefined ? '' : String(r.audience.departmentIds[0]),
    role: r.audience.roles[0] ?? '', job_codes: r.audience.jobCodes.join(', '), starts_on: r.startsOn, rollout_days: String(r.rolloutDays), ends_on: r.endsOn ?? '',
  };
}

const EVIDENCE_TYPES: Record<string, string> = { pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', txt: 'text/plain', csv: 'text/csv' };

/** The uploaded evidence (none when no file was chosen), or why it cannot be kept. */
function evidenceOf(file: Express.Multer.File | undefined): { name: string; mediaType: string; data: Buffer; sha256: string } | undefined | string {
  if (!file || file.size === 0) return undefined;
  const ext = /\.([A-Za-z0-9]{1,5})$/.exec(file.originalname)?.[1]?.toLowerCase() ?? '';
  const mediaType = EVIDENCE_TYPES[ext];
  if (!mediaType) return 'The evidence file must be a PDF, PNG, JPEG, text or CSV file.';
  // The name is kept for the download; control characters and path parts are dropped.
  const name = (file.originalname.split(/[\\/]/).pop() ?? 'evidence').split(/(?:)/u).filter((c) => !hasControlChars(c)).join('').slice(0, 200) || `evidence.${ext}`;
  return { name, mediaType, data: file.buffer, sha256: crypto.createHash('sha256').update(file.buffer).digest('hex') };
}

/**
 * How long saving a rule waits for everyone's due dates to be recomputed before answering: a small
 * organisation's are done by then; a large one's go on, a slice at a time, while the admin moves on.
 */
const SAVE_WAIT_MS = 2000;
const UP_TO_DATE = "Its people's due dates are up to date in the report.";
const UPDATING = "Its people's due dates are being updated; the report says so until they are all done.";

/** Admin screens for assignment rules (with a preview before saving) and a person's exemptions. */
export function assignmentRoutes(deps: AppDeps): Router {
  const { assignments, catalogue, training } = deps;
  const router = Router();
  const admins = can('manage-people');

  const departmentNames = async () => {
    const choices = await assignments.departmentChoices();
    const paths = new Map(choices.map((d) => [d.id, d.path]));
    return { choices, name: (id: number) => paths.get(id) };
  };

  /** The form's list of targets (courses, then published policies) and a title for any target, even one no longer offered. */
  const targetChoices = async () => {
    const policies = await assignments.policyChoices();
    const policyTitle = new Map(policies.map((p) => [p.slug, p.title]));
    return {
      options: [
        ...catalogue.courses.map((c) => ({ value: `course:${c.id}`, label: `Course: ${c.title}` })),
        ...policies.map((p) => ({ value: `policy:${p.slug}`, label: `Policy: ${p.title}` })),
      ],
      title: (t: TargetRef) => (t.type === 'course' ? catalogue.get(t.id)?.title ?? t.id : `Policy: ${policyTitle.get(t.id) ?? t.id}`),
    };
  };

  const renderList = async (res: Response, status: number, values: Record<string, string>, errors: FormErrors, preview?: string) => {
    const [{ choices, name }, targets] = await Promise.all([departmentNames(), targetChoices()]);
    const rules = (await assignments.list()).map((r) => ({
      ...r, audienceWords: assignments.audienceWords(r.audience, name), targetTitle: targets.title(r.target),
      ended: r.endsOn !== null && r.endsOn < training.today(),
      // A course rule's people are in the course report; a policy's signers on the policy's page.
      href: r.target.type === 'course' ? `/reports?course=${encodeURIComponent(r.target.id)}&assignment=${r.id}` : `/admin/policies/${encodeURIComponent(r.target.id)}`,
    }));
    res.status(status).render('assignments/index', {
      title: 'Assignments', rules, values, errors, preview, targets: targets.options, departments: choices, today: training.today(),
    });
  };

  const renderEdit = async (res: Response, rule: AssignmentRule, status: number, values: Record<string, string>, errors: FormErrors, preview?: string) => {
    const [{ choices, name }, targets, versions] = await Promise.all([departmentNames(), targetChoices(), assignments.versionsOf(rule.id)]);
    const a = rule.audience;
    res.status(status).render('assignments/edit', {
      title: `Edit ${rule.name}`, rule, values, errors, preview, targets: targets.options, departments: choices,
      audienceWords: assignments.audienceWords(a, name), targetTitle: targets.title(rule.target), createdOn: rule.createdAt ? training.dayOf(rule.createdAt) : rule.startsOn,
      narrowed: a.departmentIds.length > 1 || a.roles.length > 1,
      versions: versions.map((v) => ({ ...v, audienceWords: assignments.audienceWords(v.audience, name), targetTitle: targets.title(v.target) })),
    });
  };

  const blank = () => ({
    action: 'preview', name: '', target: catalogue.courses[0] ? `course:${catalogue.courses[0].id}` : '', department: '', role: '', job_codes: '',
    starts_on: training.today(), rollout_days: String(deps.config.rolloutDays), ends_on: '',
  });

  router.get('/admin/assignments', admins, async (_req, res) => {
    await renderList(res, 200, blank(), {});
  });

  router.post('/admin/assignments', admins, async (req, res) => {
    const form = parseForm(ruleRequest, req.body);
    if (!form.ok) return renderList(res, 400, form.values, form.errors);
    const f = form.data;
    const v = ruleValuesOf(f);
    let upToDate: boolean;
    try {
      if (f.action === 'preview') return await renderList(res, 200, form.values, {}, (await assignments.preview(v)).sentence);
      upToDate = (await assignments.createWithStatus(actorOf(req.user!, req.ip), v, { waitMs: SAVE_WAIT_MS })).upToDate;
    } catch (e) {
      if (!(e instanceof RuleError && e.problems)) throw e;
      return renderList(res, 400, form.values, e.problems);
    }
    req.session.flash = { kind: 'success', message: `The assignment "${f.name}" was saved. ${upToDate ? UP_TO_DATE : UPDATING}` };
    res.redirect(303, '/admin/assignments');
  });

  router.get('/admin/assignments/:id/edit', admins, async (req, res) => {
    const rule = await assignments.get(idParam(req.params.id) ?? fail('not-found', 'There is no such assignment.'));
    await renderEdit(res, rule, 200, formValuesOf(rule), {});
  });

  // The same fields as a new rule, previewed before saving; the change takes effect today, audited with before and after.
  router.post('/admin/assignments/:id/edit', admins, async (req, res) => {
    const rule = await assignments.get(idParam(req.params.id) ?? fail('not-found', 'There is no such assignment.'));
    const form = parseForm(ruleRequest, req.body);
    if (!form.ok) return renderEdit(res, rule, 400, form.values, form.errors);
    const v = ruleValuesOf(form.data);
    try {
      if (form.data.action === 'preview') return await renderEdit(res, rule, 200, form.values, {}, (await assignments.preview(v)).sentence);
      await assignments.edit(actorOf(req.user!, req.ip), rule.id, v);
    } catch (e) {
      if (!(e instanceof RuleError && e.problems)) throw e;
      return renderEdit(res, rule, 400, form.values, e.problems);
    }
    req.session.flash = { kind: 'success', message: `The assignment "${v.name}" was changed from today. Its people's due dates are up to date in the report; reports as of earlier days keep its earlier values.` };
    res.redirect(303, '/admin/assignments');
  });

  router.post('/admin/assignments/:id/end', admins, async (req, res) => {
    const id = idParam(req.params.id) ?? fail('not-found', 'There is no such assignment.');
    const rule = await assignments.get(id);
    if (rule.endsOn !== null && rule.endsOn <= training.today()) fail('conflict', 'That assignment has already ended.');
    const upToDate = await assignments.end(actorOf(req.user!, req.ip), id, undefined, { waitMs: SAVE_WAIT_MS });
    req.session.flash = { kind: 'success', message: `The assignment "${rule.name}" ends today. People keep their records. ${upToDate ? UP_TO_DATE : UPDATING}` };
    res.redirect(303, '/admin/assignments');
  });

  const renderPerson = async (id: number, res: Response, status: number, values: Record<string, string>, errors: FormErrors, moveValues?: Record<string, string>, moveErrors: FormErrors = {}) => {
    const person = await deps.people.byId(id) ?? fail('not-found', 'That person does not exist.');
    const move = moveValues ?? {
      department: person.department_id === null ? '' : String(person.department_id), role: person.role, job_code: person.job_code ?? '', job_title: person.job_title ?? '', effective_on: training.today(),
    };
    const [all, exemptions, rules, policyDue, policyStates] = await Promise.all([
      assignments.obligationsOf(id, undefined, 'their'), assignments.exemptionsOf(id), assignments.list(), deps.policies.obligationsFor(person, 'their'), deps.policies.states(),
    ]);
    // A policy's due date counts from the version to sign too (a material change gives a fresh window): the policies feature says it.
    const obligations = all.map((o) => {
      const p = o.target.type === 'policy' ? policyDue.get(o.target.id) : undefined;
      return p ? { ...o, since: p.since, dueOn: p.dueOn, reason: p.reason } : o;
    });
    const ruleName = new Map(rules.map((r) => [r.id, r.name]));
    const today = training.today();
    res.status(status).render('assignments/person', {
      title: `Assignments of ${person.name}`, person, values, errors, move, moveErrors, departments: await assignments.departmentChoices(), rules: rules.filter((r) => r.endsOn === null || r.endsOn >= today),
      obligations: obligations.map((o) => ({ ...o, names: o.assignmentIds.map((a) => ruleName.get(a) ?? '').join('; '), title: o.target.type === 'course' ? catalogue.get(o.target.id)?.title ?? o.target.id : `Policy: ${policyStates.get(o.target.id)?.current.title ?? o.target.id}` })),
      exemptions: exemptions.map((e) => ({ ...e, assignmentName: ruleName.get(e.assignment_id) ?? '', current: e.ended_at === null && (e.until === null || e.until >= today) })),
    });
  };

  router.get('/admin/users/:id/assignments', admins, async (req, res) => {
    await renderPerson(idParam(req.params.id) ?? fail('not-found', 'That person does not exist.'), res, 200, { assignment: '', reason: '', until: '' }, {});
  });

  router.post('/admin/exemptions', admins, acceptUpload(deps.config), async (req, res) => {
    const form = parseForm(exemptionRequest, req.body);
    // Without a person there is no page to show the form again on: the refusal is the error page's sentence.
    const id = form.ok ? form.data.person! : idParam(form.values.person) ?? fail('invalid', 'The exemption names no person; open it from the person\'s page.');
    if (!form.ok) return renderPerson(id, res, 400, form.values, form.errors);
    const evidence = evidenceOf(req.file);
    if (typeof evidence === 'string') return renderPerson(id, res, 400, form.values, { file: evidence });
    try {
      await assignments.grantExemption(actorOf(req.user!, req.ip), req.user!.name, {
        userId: id, assignmentId: form.data.assignment!, reason: form.data.reason, until: form.data.until, ...(evidence ? { evidence } : {}),
      });
    } catch (e) {
      if (!(e instanceof RuleError && e.problems)) throw e;
      return renderPerson(id, res, 400, form.values, e.problems);
    }
    req.session.flash = { kind: 'success', message: 'The exemption was granted. Reports show the person as exempt, with the reason.' };
    res.redirect(303, `/admin/users/${id}/assignments`);
  });

  // The evidence file as it was uploaded, as a download only: never shown inline, so nothing in it runs.
  router.get('/admin/exemptions/:id/evidence', admins, async (req, res) => {
    const e = await assignments.exemption(idParam(req.params.id) ?? fail('not-found', 'There is no such exemption.'));
    if (!e.evidence_data || !e.evidence_name) fail('not-found', 'That exemption has no evidence file.');
    res.setHeader('Content-Type', e.evidence_type ?? 'application/octet-stream');
    res.setHeader('Content-Disposition', attachment(e.evidence_name));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(Buffer.from(e.evidence_data, 'base64'));
  });

  router.post('/admin/users/:id/move', admins, async (req, res) => {
    const id = idParam(req.params.id) ?? fail('not-found', 'That person does not exist.');
    const form = parseForm(moveRequest, req.body);
    const blank = { assignment: '', reason: '', until: '' };
    if (!form.ok) return renderPerson(id, res, 400, blank, {}, form.values, form.errors);
    const f = form.data;
    try {
      await assignments.move(actorOf(req.user!, req.ip), id, { departmentId: f.department, role: f.role, jobCode: f.job_code, jobTitle: f.job_title, effectiveOn: f.effective_on });
    } catch (e) {
      if (!(e instanceof RuleError && e.problems)) throw e;
      return renderPerson(id, res, 400, blank, {}, form.values, e.problems);
    }
    req.session.flash = { kind: 'success', message: `The move was recorded from ${f.effective_on}. Their assignments follow from that day; their records stay.` };
    res.redirect(303, `/admin/users/${id}/assignments`);
  });

  router.post('/admin/exemptions/:id/end', admins, async (req, res) => {
    const id = idParam(req.params.id) ?? fail('not-found', 'There is no such exemption.');
    const e = await assignments.exemption(id);
    await assignments.endExemption(actorOf(req.user!, req.ip), id);
    req.session.flash = { kind: 'success', message: 'The exemption ends today; from tomorrow the training is due again, with a fresh due date.' };
    res.redirect(303, `/admin/users/${e.user_id}/assignments`);
  });

  return router;
}
