import { Router, type Request, type Response } from 'express';
import { appendAudit } from '../audit/service';
import { can } from '../http/guards';
import type { AppDeps } from '../deps';
import { fail } from '../errors';
import { heavy } from '../http/heavy-work';
import { parseQuery } from '../http/validate';
import { attachment } from '../http/content-disposition';
import { sourceInWords } from '../training/present';
import { STATUS_LABEL, type TrainingStatus } from '../training/status';
import { departmentTree, subtreeIds } from '../users/departments';
import { actorOf } from '../http/actor';
import { inScope } from '../users/scope';
import { writeCsv } from './csv-export';
import { certificatesZipScope, evidenceQuery } from './requests';
import type { EvidencePack } from './evidence';
import { certificatesZipFileName, evidenceFileName, reportCsvFileName, type ReportNameFacts } from './file-names';
import { parseReportQuery, queryString, type ParsedReportQuery } from './filters';
import { adminEmails, allRowBatches, courseSummaries, policySummaries, allRows, PAGE_SIZE, peopleInDepartments, reportCount, reportPage, scopedFilter, teamOverview, type ReportRow } from './service';

const STATUS_ORDER: TrainingStatus[] = ['completed', 'due-soon', 'in-progress', 'not-started', 'overdue', 'expired', 'exempt'];

// The export modules (archiver, pdfkit, fonts, render threads) load on first use: together they took
// about as long to load as the rest of the server, and a server starts more often than anyone
// downloads a ZIP or an evidence pack.
/* eslint-disable @typescript-eslint/no-require-imports -- deliberately loaded on first use */
const loadZipExport = (): typeof import('./zip-export') => require('./zip-export') as typeof import('./zip-export');
const loadEvidence = (): typeof import('./evidence') => require('./evidence') as typeof import('./evidence');
/* eslint-enable @typescript-eslint/no-require-imports */

export function reportRoutes(deps: AppDeps): Router {
  const { catalogue, training, certificates } = deps;
  const router = Router();
  const teamViewers = can('see-team');
  const viewers = can('see-reports');
  const exporting = heavy(deps.heavyWork, 'export');

  const context = async (req: Request) => {
    const today = training.today();
    const parsed = parseReportQuery(req.query, catalogue, today);
    const course = catalogue.get(parsed.courseId)!;
    const filter = await scopedFilter(deps.people, req.user!, parsed, today);
    const depts = departmentTree(await deps.people.departments());
    const departmentPath = (id: number | null) => (id ? depts.byId.get(id)?.path ?? '' : '');
    const nameFacts: ReportNameFacts = {
      courseId: catalogue.courses.length > 1 ? course.id : undefined, query: parsed, day: parsed.asOf ?? today,
      department: parsed.departmentId ? departmentPath(parsed.departmentId) : undefined,
    };
    return { today, parsed, course, filter, depts, departmentPath, nameFacts };
  };

  const exported = (req: Request, format: string, p: ParsedReportQuery, rows: number, complete: boolean) =>
    deps.uow((trx) => appendAudit(trx, training.clock, actorOf(req.user!, req.ip), {
      action: 'report.exported', subjectType: 'report', details: { format, filters: p.raw, rows, complete },
    }));

  /** Streams an export and audits it, whether or not the download finished. */
  const stream = async (req: Request, res: Response, format: string, p: ParsedReportQuery, run: () => Promise<number>) => {
    let rows = 0;
    let complete = false;
    try {
      rows = await run();
      complete = true;
    } finally {
      await exported(req, format, p, rows, complete);
    }
  };

  router.get('/team', teamViewers, async (req, res) => {
    const { filter, depts, course, today } = await context(req);
    const { groups, overdue, updating } = await teamOverview(training, course, filter);
    const byCourse = catalogue.courses.length > 1 ? await courseSummaries(training, catalogue.courses, filter) : [];
    const published = [...(await deps.policies.states()).values()].map((p) => ({ slug: p.slug, title: p.current.title }));
    const byPolicy = (await policySummaries(training, published, filter)).filter((p) => p.total > 0);
    const counts = Object.fromEntries(STATUS_ORDER.map((s) => [s, 0])) as Record<TrainingStatus, number>;
    const perDept = new Map<number | null, { departmentId: number | null; n: number; compliant: number }>();
    for (const g of groups) {
      counts[g.status] += g.n;
      const d = perDept.get(g.departmentId) ?? { departmentId: g.departmentId, n: 0, compliant: 0 };
      d.n += g.n;
      d.compliant += g.compliant;
      perDept.set(g.departmentId, d);
    }
    const total = groups.reduce((n, g) => n + g.n, 0);
    const bars = [...perDept.values()].map((d) => ({
      id: d.departmentId, name: d.departmentId ? depts.byId.get(d.departmentId)?.path ?? 'Unknown' : 'No department', total: d.n, compliant: d.compliant,
      percent: d.n ? Math.round((100 * d.compliant) / d.n) : 0,
    })).sort((a, b) => a.name.localeCompare(b.name));
    res.render('reports/team', {
      title: 'My team', course, courses: catalogue.courses, byCourse, byPolicy, total, counts, order: STATUS_ORDER, bars, today, updating,
      overdue: overdue.map((r) => ({ ...r, daysLate: Math.max(0, Math.round((Date.parse(today) - Date.parse(r.graceUntil)) / 86_400_000)) })),
      departmentPath: (id: number | null) => (id ? depts.byId.get(id)?.path ?? '' : ''),
    });
  });

  router.get('/reports', viewers, async (req, res) => {
    const { parsed, course, filter, depts, departmentPath } = await context(req);
    const page = await reportPage(training, course, filter, parsed);
    const scope = await deps.people.scopeOf(req.user!);
    const visible = scope.kind === 'departments' ? depts.ordered.filter((d) => scope.departmentIds.includes(d.id)) : depts.ordered;
    const qs = queryString(parsed.raw);
    res.render('reports/report', {
      title: 'Training report', course, courses: catalogue.courses, policies: [...(await deps.policies.states()).values()].map((p) => ({ slug: p.slug, title: p.current.title })), assignments: (await deps.assignments.list()).filter((a) => a.target.type === 'course' && a.target.id === course.id), parsed, page, departments: visible, departmentPath, qs,
      pages: Math.max(1, Math.ceil(page.total / PAGE_SIZE)), statuses: STATUS_ORDER, statusLabel: STATUS_LABEL,
      sortLink: (key: string) => `/reports?${queryString({ ...parsed.raw, sort: key, dir: parsed.sort === key && parsed.dir === 'asc' ? 'desc' : 'asc' })}`,
    });
  });

  const recordedByFor = async () => {
    const admins = await adminEmails(training);
    return (r: ReportRow) => sourceInWords({ source: r.source, recorder: admins.get(r.recordedBy ?? -1) }, 'recorded-by');
  };

  router.get('/reports/export.csv', viewers, exporting, async (req, res) => {
    const { parsed, course, filter, departmentPath, nameFacts } = await context(req);
    const recordedBy = await recordedByFor();
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', attachment(reportCsvFileName(nameFacts)));
    res.setHeader('Cache-Control', 'private, no-store');
    await stream(req, res, 'csv', parsed, () => writeCsv(allRowBatches(training, course, filter, parsed), { departmentPath, recordedBy }, res));
  });

  router.get('/reports/certificates.zip', viewers, exporting, async (req, res) => {
    const { writeCertificateZip, ZIP_MAX_CERTIFICATES } = loadZipExport();
    const { parsed, course, filter, nameFacts } = await context(req);
    const scope = parseQuery(certificatesZipScope, req.query);
    if (!scope.ok) fail('invalid', scope.message);
    // Every course: the same filters for each course of the catalogue, each course's certificates in a
    // folder named for it (one person may hold one of each).
    const every = scope.data.every_course && catalogue.courses.length > 1;
    const courses = every ? catalogue.courses : [course];
    const filterFor = (c: { id: string }) => ({ ...filter, courseId: c.id });
    let total: number | undefined;
    if (!parsed.asOf) {
      total = 0;
      for (const c of courses) total += await reportCount(training, filterFor(c));
    }
    if (total !== undefined && total > ZIP_MAX_CERTIFICATES) {
      fail('invalid', `That would be ${total} certificates; narrow the filters to at most ${ZIP_MAX_CERTIFICATES}, for example by department.`);
    }
    if (every) parsed.raw = { ...parsed.raw, every_course: '1' };
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', attachment(certificatesZipFileName(every ? { ...nameFacts, courseId: 'every-course' } : nameFacts)));
    res.setHeader('Cache-Control', 'private, no-store');
    async function* items() {
      let n = 0;
      for (const c of courses) {
        for await (const r of allRows(training, c, filterFor(c), parsed)) {
          if (!r.certificateId) continue;
          if ((n += 1) > ZIP_MAX_CERTIFICATES) return;
          const cert = (await certificates.byId(r.certificateId))!;
          const safe = `${r.employeeId ?? r.userId}-${r.name}`.replace(/[^\p{L}\p{N}._ -]+/gu, '_').slice(0, 100);
          yield { name: `${every ? `${c.id}/` : ''}${safe}-${cert.code}.pdf`, data: await certificates.data(cert) };
        }
      }
    }
    await stream(req, res, 'zip', parsed, () => writeCertificateZip(items(), res));
  });

  const evidence = async (req: Request): Promise<{ pack: EvidencePack; parsed: ParsedReportQuery; about: string }> => {
    const today = training.today();
    const parsed = parseReportQuery({}, catalogue, today);
    const query = parseQuery(evidenceQuery, req.query);
    if (!query.ok) fail('invalid', query.message);
    const { person: personId, department: departmentId } = query.data;
    const scope = await deps.people.scopeOf(req.user!);
    let ids: number[];
    let scopeLabel: string;
    let about: string;
    if (personId !== undefined) {
      const person = await deps.people.byId(personId);
      // Out of scope answers like missing, so the pack cannot be used to learn which ids exist.
      if (!person || !inScope(scope, person)) fail('not-found', 'No person with that id exists.');
      ids = [person.id];
      scopeLabel = `Person: ${person.name}${person.employee_id ? ` (${person.employee_id})` : ''}`;
      parsed.raw = { person: String(person.id) };
      about = person.name;
    } else if (departmentId !== undefined) {
      const all = await deps.people.departments();
      const dept = departmentTree(all).byId.get(departmentId);
      if (!dept) fail('not-found', 'There is no such department.');
      if (scope.kind === 'departments' && !scope.departmentIds.includes(departmentId)) fail('forbidden', 'That department is not in your team.');
      if (scope.kind === 'self') fail('forbidden', 'Reports are for managers, administrators and auditors.');
      const deptIds = subtreeIds(all, departmentId);
      ids = await peopleInDepartments(training, deptIds);
      scopeLabel = `Department: ${dept.path} (including sub-departments)`;
      parsed.raw = { department: String(departmentId) };
      about = dept.path;
    } else {
      fail('invalid', 'Choose a person or a department for the evidence pack.');
    }
    const lines = await loadEvidence().evidenceLines(training, catalogue, ids);
    return {
      parsed, about,
      pack: {
        title: 'HIPAA workforce training evidence', scope: scopeLabel, generatedAt: training.clock.now(), generatedBy: `${req.user!.name} <${req.user!.email}>`,
        ...(await deps.settings.organisation()), timeZone: deps.config.timeZone, people: ids.length, lines, policies: await deps.policies.evidence(ids),
      },
    };
  };

  router.get('/reports/evidence.pdf', viewers, exporting, async (req, res) => {
    const { pack, parsed, about } = await evidence(req);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', attachment(evidenceFileName(about, training.today(), 'pdf')));
    res.setHeader('Cache-Control', 'private, no-store');
    // The headers go now: the browser knows the download has started while the PDF is laid out.
    res.flushHeaders();
    await stream(req, res, 'evidence-pdf', parsed, async () => {
      // 'close' too: a download cancelled half-way must still settle (and be audited as an export).
      const finished = new Promise<void>((resolve) => { res.once('finish', resolve); res.once('close', resolve); });
      await loadEvidence().writeEvidencePdf(pack, res);
      await finished;
      return pack.lines.length;
    });
  });

  router.get('/reports/evidence.csv', viewers, exporting, async (req, res) => {
    const { pack, parsed, about } = await evidence(req);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', attachment(evidenceFileName(about, training.today(), 'csv')));
    res.setHeader('Cache-Control', 'private, no-store');
    await stream(req, res, 'evidence-csv', parsed, async () => { await loadEvidence().writeEvidenceCsv(pack, res); return pack.lines.length; });
  });

  return router;
}

