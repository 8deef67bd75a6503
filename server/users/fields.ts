import { z } from 'zod';
import { isRealDate } from '../dates';
import { ROLES } from '../db/schema';

export { ROLES };
import { hasControlChars } from '../text';
import { splitDepartmentPath } from './departments';

// Shared by the admin form and the CSV import, so both accept and refuse exactly the same values.

const line = (label: string, max: number) => z.string()
  .transform((s) => s.trim())
  .refine((s) => !hasControlChars(s), `${label} contains control characters.`)
  .refine((s) => [...s].length <= max, `${label} is longer than ${max} characters.`);

/** Empty means "not given" (null); anything else must pass the inner schema, whose messages are kept. */
const optional = (inner: z.ZodType<string, string>) => z.string().transform((s, ctx): string | null => {
  const trimmed = s.trim();
  if (trimmed === '') return null;
  const r = inner.safeParse(trimmed);
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
  return z.NEVER;
});

export const userFields = z.object({
  employee_id: optional(line('Employee ID', 64)
    .refine((s) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s), 'Employee ID may use letters, digits, ".", "_" and "-" only.')),
  email: line('Email', 254).pipe(z.email('Enter a valid email address, like name@hospital.org.')),
  name: line('Name', 200).refine((s) => s.length > 0, 'Enter the person\'s full name.'),
  role: z.string().transform((s) => s.trim().toLowerCase() || 'learner')
    .pipe(z.enum(ROLES, `Role must be one of: ${ROLES.join(', ')}.`)),
  department: optional(line('Department', 900).transform((s, ctx) => {
    const parts = splitDepartmentPath(s);
    if (typeof parts === 'string') {
      ctx.addIssue({ code: 'custom', message: parts });
      return z.NEVER;
    }
    return parts.join('/');
  })),
  manager_email: optional(line('Manager email', 254).pipe(z.email('Manager email is not a valid email address.'))),
  hire_date: optional(z.string().refine(isRealDate, 'Hire date must be a real date written YYYY-MM-DD.')),
  // Issue 16: assignment rules can name job codes; the title is shown beside it.
  job_code: optional(line('Job code', 64)
    .refine((s) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s), 'Job code may use letters, digits, ".", "_" and "-" only.')),
  job_title: optional(line('Job title', 200)),
});

export type UserFields = z.output<typeof userFields>;
export const USER_FIELD_NAMES = Object.keys(userFields.shape) as (keyof UserFields)[];

/**
 * The admin person form: the shared fields plus an accessibility accommodation (no minimum lesson
 * time). The accommodation is not a CSV import column: it is health-related and set one person at a
 * time, by an admin, with an audit event.
 */
export const personFormFields = userFields.extend({
  untimed_lessons: z.enum(['', 'yes'], 'Tick the box or leave it empty.').transform((v) => v === 'yes'),
});
export type PersonFormFields = z.output<typeof personFormFields>;
