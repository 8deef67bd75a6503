import { z } from 'zod';
import { PLACEHOLDERS, unknownPlaceholders } from '../content/placeholders';
import { hasControlChars } from '../text';
import { NO_FIELDS, queryText, rawFormValue, type RequestSchemas } from '../http/validate';

// The settings forms' request schemas (issue 14). Every value arrives as text (parseForm); each
// refusal is a sentence shown beside its field, and nothing is saved unless the whole form passes.

const line = (label: string, max: number) => z.string()
  .transform((s) => s.trim())
  .refine((s) => !hasControlChars(s), `${label} contains control characters.`)
  .refine((s) => [...s].length <= max, `${label} is longer than ${max} characters.`);

/** Empty, or the inner rule. */
const emptyOr = (inner: z.ZodType<string, string>) => z.string().transform((s, ctx) => {
  const trimmed = s.trim();
  if (trimmed === '') return '';
  const r = inner.safeParse(trimmed);
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
  return z.NEVER;
});

/** An http(s) address without credentials, query or fragment: certificate QR codes and links start with it. */
const baseUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password && !u.search && !u.hash && u.hostname !== '' && !/\s/.test(s);
  } catch {
    return false;
  }
}, 'Enter the address staff open, starting with https:// (such as https://training.example.org), without ?, # or a user name.')
  .transform((s) => s.replace(/\/+$/, ''))
  .refine((s) => s.length <= 300, 'The address is longer than 300 characters.');

export const settingsRequest = z.object({
  org_name: line('The organisation name', 200).refine((s) => s.length > 0, 'Enter the organisation\'s name, as certificates should print it.'),
  privacy_officer_name: line('The privacy officer\'s name', 200),
  privacy_officer_email: emptyOr(line('The email address', 254).pipe(z.email('Enter a valid email address, like privacy@hospital.org.'))),
  privacy_officer_phone: emptyOr(line('The phone number', 40)
    .refine((s) => /^\+?[0-9 ().-]{3,30}(?:\s*(?:x|ext\.?)\s*\d{1,6})?$/i.test(s), 'Enter a phone number using digits, spaces, +, -, ( ) and an optional extension (x123).')),
  hotline: line('The hotline', 200),
  base_url: emptyOr(line('The address', 300).pipe(baseUrl)),
});

/** The settings page: which course's attestation policy the policy form edits (an unknown one shows the first). */
export const settingsPageQuery = z.object({
  course: queryText(64),
});

export const policyRequest = z.object({
  // Which course's attestation shows this text (the route checks it is a course of the catalogue).
  course_id: line('The course', 64).refine((s) => s.length > 0, 'Choose the course whose policy this is.'),
  policy_title: line('The policy title', 200).refine((s) => s.length > 0, 'Enter the policy\'s title.'),
  policy_text: z.string().max(20_000, 'The policy text is longer than 20,000 characters.')
    .refine((s) => s.trim().length > 0, 'Enter the policy text people read and sign.')
    // Line breaks are the policy's paragraphs; other control characters have no place in it.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(s), 'The policy text contains control characters.')
    // A misspelt contact placeholder would reach every signer as typed.
    .superRefine((s, ctx) => {
      const unknown = unknownPlaceholders(s);
      if (unknown.length) ctx.addIssue({ code: 'custom', message: `Unknown placeholder ${unknown.map((n) => `{{${n}}}`).join(', ')}: use ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}.` });
    }),
});

/** The logo form: the file (`file`, the multipart part the upload parser reads; its content is checked by the service). */
export const logoRequest = z.object({
  file: rawFormValue(z.unknown()),
});

export const SETTINGS_REQUESTS = {
  'GET /admin/settings': settingsPageQuery,
  'POST /admin/settings': settingsRequest,
  'POST /admin/settings/policy': policyRequest,
  'POST /admin/settings/logo': logoRequest,
  'POST /admin/settings/logo/remove': NO_FIELDS,
  'GET /settings/logo': NO_FIELDS,
} satisfies RequestSchemas;
