import { z } from 'zod';
import type { Catalogue } from '../content/catalogue';
import { ROLES } from '../db/schema';
import { fail } from '../errors';
import { STATUS_LABEL, type TrainingStatus } from '../training/status';
import { isRealDate } from '../dates';
import { SORTS, type SortKey } from './store';

const STATUSES = Object.keys(STATUS_LABEL) as TrainingStatus[];

const one = (v: unknown) => (Array.isArray(v) ? v[0] : v);
const optionalText = (max: number) => z.preprocess(one, z.string().trim().max(max).optional()).transform((s) => s || undefined);
const optionalDate = z.preprocess(one, z.string().trim().optional())
  .transform((s) => s || undefined)
  .refine((s) => s === undefined || isRealDate(s), 'Dates are written YYYY-MM-DD.');

/** The report's query string: every field optional; nonsense is a 400 with a message, never a crash. */
export const reportQuery = z.object({
  course: optionalText(64),
  assignment: optionalText(12).refine((s) => s === undefined || /^[1-9]\d{0,11}$/.test(s), 'Unknown assignment.'),
  department: optionalText(12).refine((s) => s === undefined || /^[1-9]\d{0,11}$/.test(s), 'Unknown department.'),
  status: z.preprocess((v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(z.enum(STATUSES, 'Unknown status.')).max(6)),
  role: optionalText(20).refine((s) => s === undefined || (ROLES as readonly string[]).includes(s), 'Unknown role.'),
  cycle: optionalText(20).refine((s) => s === undefined || /^(onboarding|annual-\d{4})$/.test(s), 'Cycle is "onboarding" or "annual-YYYY".'),
  due_from: optionalDate,
  due_to: optionalDate,
  as_of: optionalDate,
  // Refused here, before an export starts streaming: no database stores or searches a NUL (PostgreSQL refuses it).
  q: optionalText(200).refine((s) => s === undefined || !s.includes('\u0000'), 'The search text contains a NUL character (\\0); remove it.'),
  sort: optionalText(20).refine((s) => s === undefined || Object.hasOwn(SORTS, s), 'Unknown sort.'),
  dir: optionalText(4).refine((s) => s === undefined || s === 'asc' || s === 'desc', 'Sort direction is asc or desc.'),
  page: optionalText(9).refine((s) => s === undefined || /^[1-9]\d*$/.test(s), 'Page is a whole number.'),
});

export type ReportQuery = z.output<typeof reportQuery>;

export interface ParsedReportQuery {
  courseId: string;
  /** Only obligations this assignment rule gives. */
  assignmentId?: number;
  departmentId?: number;
  statuses: TrainingStatus[];
  role?: string;
  cycle?: string;
  dueFrom?: string;
  dueTo?: string;
  asOf?: string;
  search?: string;
  sort: SortKey;
  dir: 'asc' | 'desc';
  page: number;
  /** The filters as they were given, for links, the form and the audit log. */
  raw: Record<string, string | string[]>;
}

export function parseReportQuery(query: unknown, catalogue: Catalogue, today: string): ParsedReportQuery {
  const r = reportQuery.safeParse(query ?? {});
  if (!r.success) fail('invalid', `The report filters could not be used: ${r.error.issues.map((i) => i.message).join(' ')}`);
  const q = r.data;
  const courseId = q.course ?? catalogue.courses[0]?.id ?? '';
  if (!catalogue.get(courseId)) fail('invalid', 'The report filters could not be used: unknown course.');
  if (q.as_of && q.as_of > today) fail('invalid', 'The report filters could not be used: "compliant as of" must be today or earlier.');
  if (q.due_from && q.due_to && q.due_from > q.due_to) fail('invalid', 'The report filters could not be used: "due from" is after "due to".');
  const raw: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(q)) if (v !== undefined && !(Array.isArray(v) && v.length === 0)) raw[k] = v;
  return {
    courseId, assignmentId: q.assignment ? Number(q.assignment) : undefined, departmentId: q.department ? Number(q.department) : undefined, statuses: q.status, role: q.role, cycle: q.cycle,
    dueFrom: q.due_from, dueTo: q.due_to, asOf: q.as_of, search: q.q, sort: (q.sort as SortKey | undefined) ?? 'name',
    dir: q.dir === 'desc' ? 'desc' : 'asc', page: q.page ? Number(q.page) : 1, raw,
  };
}

/** The filters back as a query string (without paging), for export links and the pager. */
export function queryString(raw: Record<string, string | string[]>, omit: string[] = ['page']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(raw)) {
    if (omit.includes(k)) continue;
    for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
  }
  return params.toString();
}
