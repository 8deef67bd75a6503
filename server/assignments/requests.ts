import { z } from 'zod';
import { isRealDate } from '../dates';
import { NO_FIELDS, rawFormValue, type RequestSchemas } from '../http/validate';
import { hasControlChars } from '../text';
import type { TargetRef } from './rules';

// The assignment (new and edit) and exemption forms (issue 16). Every value arrives as text; each refusal is a
// sentence beside its field and nothing is saved unless the whole form passes.

const line = (label: string, max: number) => z.string()
  .transform((s) => s.trim())
  .refine((s) => !hasControlChars(s), `${label} contains control characters.`)
  .refine((s) => [...s].length <= max, `${label} is longer than ${max} characters.`);
const day = (label: string) => z.string().trim().refine(isRealDate, `${label} must be a real date written YYYY-MM-DD.`);
const optionalDay = (label: string) => z.string().trim().refine((s) => s === '' || isRealDate(s), `${label} must be a real date written YYYY-MM-DD, or empty.`)
  .transform((s) => s || null);
const id = (message: string) => z.string().trim().refine((s) => s === '' || /^[1-9]\d{0,11}$/.test(s), message).transform((s) => (s ? Number(s) : null));

export const ruleRequest = z.object({
  action: z.enum(['preview', 'save'], 'Choose Preview or Save.'),
  name: line('The name', 200).refine((s) => s.length > 0, 'Name the assignment, as reports should show it.'),
  // "course:<id>" or "policy:<slug>": one list offers both (a policy's slug may equal a course's id).
  target: line('The course or policy', 200).refine((s) => s.length > 0, 'Choose a course or a policy.')
    .refine((s) => s === '' || /^(course|policy):[^\s:]+$/.test(s), 'Choose a course or a policy from the list.')
    .transform((s): TargetRef => (s.startsWith('policy:') ? { type: 'policy', id: s.slice(7) } : { type: 'course', id: s.slice(7) })),
  department: id('Choose a department from the list.'),
  role: z.enum(['', 'learner', 'manager', 'admin', 'auditor'], 'Role must be one of: learner, manager, admin, auditor, or empty.'),
  job_codes: line('Job codes', 500).transform((s) => s.split(',').map((c) => c.trim()).filter((c) => c.length > 0))
    .refine((codes) => codes.every((c) => /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(c)), 'Job codes use letters, digits, ".", "_" and "-", separated by commas.')
    .refine((codes) => codes.length <= 50, 'At most 50 job codes.'),
  starts_on: day('The start'),
  rollout_days: z.string().trim().refine((s) => /^\d{1,3}$/.test(s) && Number(s) >= 1 && Number(s) <= 730, 'Roll-out days are a whole number from 1 to 730.').transform(Number),
  ends_on: optionalDay('The end'),
});

/** Granting an exemption: multipart, as it may carry an evidence file (`file`, read from req.file by the route). */
export const exemptionRequest = z.object({
  person: id('That person does not exist.').refine((v) => v !== null, 'That person does not exist.'),
  assignment: id('Choose an assignment from the list.').refine((v) => v !== null, 'Choose the assignment the person is exempt from.'),
  reason: line('The reason', 500).refine((s) => s.length > 0, 'Give the reason, as reports should show it (for example "Trained at Lakeside General in October").'),
  until: optionalDay('The end date'),
  file: rawFormValue(z.unknown()),
});

/** A move to another department, role or job code from a day (today or earlier). */
export const moveRequest = z.object({
  department: id('Choose a department from the list.'),
  role: z.enum(['learner', 'manager', 'admin', 'auditor'], 'Role must be one of: learner, manager, admin, auditor.'),
  job_code: line('The job code', 64).refine((s) => s === '' || /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s), 'Job code may use letters, digits, ".", "_" and "-" only.').transform((s) => s || null),
  job_title: line('The job title', 200).transform((s) => s || null),
  effective_on: day('The day of the move'),
});

export const ASSIGNMENT_REQUESTS = {
  'GET /admin/assignments': NO_FIELDS,
  'POST /admin/assignments': ruleRequest,
  'GET /admin/assignments/:id/edit': NO_FIELDS,
  'POST /admin/assignments/:id/edit': ruleRequest,
  'POST /admin/assignments/:id/end': NO_FIELDS,
  'GET /admin/users/:id/assignments': NO_FIELDS,
  'POST /admin/exemptions': exemptionRequest,
  'GET /admin/exemptions/:id/evidence': NO_FIELDS,
  'POST /admin/exemptions/:id/end': NO_FIELDS,
  'POST /admin/users/:id/move': moveRequest,
} satisfies RequestSchemas;
