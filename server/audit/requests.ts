import { z } from 'zod';
import { isRealDate } from '../dates';
import { type RequestSchemas } from '../http/validate';


const optionalText = (max: number, tooLong: string) => z.string().trim().max(max, tooLong).transform((s) => s || undefined);
const optionalDay = (label: string) => z.string().trim()
  .refine((s) => s === '' || isRealDate(s), `${label}: write a date as YYYY-MM-DD, for example 2026-12-01.`)
  .transform((s) => s || undefined);

/**
 * The audit log's filters (GET /admin/audit): who did it, which action (or the start of one, "auth."),
 * about whom, from and to which day in the organisation's time zone, the page, and "json" for the
 * same page as JSON. Every field may be empty; anything else that does not fit is a message, not a crash.
 */
export const auditQuery = z.object({
  actor: optionalText(200, 'Who: at most 200 characters.'),
  action: z.string().trim().max(100, 'Action: at most 100 characters.')
    .refine((s) => s === '' || /^[a-z][a-z._-]*$/.test(s), 'Action: choose one from the list.')
    .transform((s) => s || undefined),
  subject: optionalText(200, 'About: at most 200 characters.'),
  from: optionalDay('From'),
  to: optionalDay('To'),
  page: z.string().trim().refine((s) => s === '' || /^[1-9]\d{0,8}$/.test(s), 'Page: a whole number from 1.')
    .transform((s) => (s ? Number(s) : 1)),
  format: z.string().trim().refine((s) => s === '' || s === 'json' || s === 'html', 'Format: "json" or nothing.')
    .transform((s) => (s === 'json' ? 'json' as const : 'html' as const)),
}).refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'From is after To: swap the dates.', path: ['to'] });

export type AuditQuery = z.output<typeof auditQuery>;

export const AUDIT_REQUESTS = {
  'GET /admin/audit': auditQuery,
} satisfies RequestSchemas;
