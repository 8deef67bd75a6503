import { z } from 'zod';
import { hasControlChars } from '../text';
import { NO_FIELDS, type RequestSchemas } from '../http/validate';

// The notification settings forms (issue 17). Every value arrives as text; each refusal is a sentence
// shown beside its field, and nothing is saved unless the whole form passes.

const tick = z.enum(['', 'yes'], 'Tick the box or leave it empty.').transform((v) => v === 'yes');
const whole = (label: string, min: number, max: number) => z.string().trim()
  .refine((s) => /^\d{1,3}$/.test(s) && Number(s) >= min && Number(s) <= max, `${label} must be a whole number from ${min} to ${max}.`)
  .transform(Number);

export const stagesRequest = z.object({
  send_from: whole('The first send hour', 0, 23),
  send_until: whole('The last send hour', 1, 24),
  invitation: tick,
  due_soon: tick,
  due_soon_days: z.string().trim()
    .refine((s) => /^\d{1,3}(\s*,\s*\d{1,3}){0,4}$/.test(s) && s.split(',').every((d) => Number(d) >= 1 && Number(d) <= 180),
      'Enter up to 5 numbers of days from 1 to 180, separated by commas (such as 14, 3).')
    .transform((s) => [...new Set(s.split(',').map((d) => Number(d.trim())))].sort((a, b) => b - a)),
  due_today: tick,
  overdue: tick,
  overdue_every_days: whole('Days between overdue reminders', 1, 90),
  overdue_max: whole('The number of overdue reminders', 1, 52),
  escalation: tick,
  escalate_from: whole('The reminder that copies the manager', 1, 52),
  refresher_open: tick,
  certificate_issued: tick,
  lockout: tick,
  digest: tick,
  digest_weekday: whole('The weekday', 1, 7),
}).refine((f) => f.send_from < f.send_until, { message: 'The send hours must end after they start.', path: ['send_until'] });

export const templateRequest = z.object({
  intent: z.enum(['save', 'preview', 'reset'], 'Choose save, preview or reset.'),
  subject: z.string()
    .refine((s) => !hasControlChars(s), 'The subject contains control characters.')
    .refine((s) => [...s].length <= 200, 'The subject is longer than 200 characters.')
    .transform((s) => s.trim()),
  body: z.string().max(10_000, 'The text is longer than 10,000 characters.')
    // Line breaks are the message's paragraphs; other control characters have no place in it.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(s), 'The text contains control characters.')
    .transform((s) => s.replace(/\r\n?/g, '\n').trim()),
}).superRefine((f, ctx) => {
  if (f.intent === 'reset') return;
  if (f.subject === '') ctx.addIssue({ code: 'custom', message: 'Enter the subject.', path: ['subject'] });
  if (f.body === '') ctx.addIssue({ code: 'custom', message: 'Enter the text of the message.', path: ['body'] });
});

export const preferenceRequest = z.object({
  weekly_summary: tick,
});

export const NOTIFICATION_REQUESTS = {
  'GET /account/email': NO_FIELDS,
  'POST /account/email': preferenceRequest,
  'GET /admin/notifications': NO_FIELDS,
  'POST /admin/notifications': stagesRequest,
  'GET /admin/notifications/templates/:stage': NO_FIELDS,
  'POST /admin/notifications/templates/:stage': templateRequest,
  'POST /admin/notifications/templates/:stage/test': NO_FIELDS,
} satisfies RequestSchemas;
