import { z } from 'zod';
import { NO_FIELDS, queryPage, queryText, type RequestSchemas } from '../http/validate';
import { hasControlChars } from '../text';

// The admin's policy forms (issue 16). Every value arrives as text; each refusal is a sentence shown
// beside its field, and nothing is published unless the whole form passes.

const line = (label: string, max: number) => z.string()
  .transform((s) => s.trim())
  .refine((s) => !hasControlChars(s), `${label} contains control characters.`)
  .refine((s) => [...s].length <= max, `${label} is longer than ${max} characters.`);

export const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A policy's slug: lower-case letters, digits and single hyphens (it names the policy in links and assignments). */
export const slugField = line('The short name', 60)
  .refine((s) => s.length > 0, 'Enter a short name for the policy, such as social-media.')
  .refine((s) => s === '' || SLUG.test(s), 'Use lower-case letters, digits and single hyphens only, such as social-media.');

export const publishForm = z.object({
  slug: slugField,
  title: line('The title', 200).refine((s) => s.length > 0, 'Enter the policy\'s title.'),
  label: line('The version label', 30).refine((s) => s.length > 0, 'Enter a version label, such as 2 or 2024.1.')
    .refine((s) => s === '' || /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s), 'A version label is letters, digits, dots, hyphens and underscores, such as 2 or 2024.1.'),
  text: z.string().max(50_000, 'The policy text is longer than 50,000 characters.')
    .refine((s) => s.trim().length > 0, 'Enter the policy text people read and sign.')
    // Line breaks are the policy's paragraphs; other control characters have no place in it.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(s), 'The policy text contains control characters.'),
  change_kind: z.enum(['material', 'correction'], { error: 'Choose whether this is a material change (everyone signs again) or a correction.' }),
  change_note: line('The note', 500).refine((s) => s.length > 0, 'Say in a sentence what changed and why.'),
  min_read_seconds: z.string().trim().refine((s) => s === '' || /^[0-9]{1,5}$/.test(s), 'Enter the minimum reading time as a whole number of seconds (0 to 3600), or leave it empty.')
    .transform((s) => (s === '' ? null : Number(s)))
    .refine((n) => n === null || n <= 3600, 'The minimum reading time is at most 3600 seconds (an hour).'),
  intent: z.enum(['preview', 'publish'], { error: 'Choose Preview or Publish.' }),
});

export const newPolicyQuery = z.object({
  slug: queryText(60),
});

/** The per-policy page's list of people: which page of it. */
export const signersQuery = z.object({
  page: queryPage,
});

export const POLICY_ADMIN_REQUESTS = {
  'GET /admin/policies': NO_FIELDS,
  'GET /admin/policies/new': newPolicyQuery,
  'POST /admin/policies': publishForm,
  'GET /admin/policies/:slug': signersQuery,
  'GET /admin/policies/:slug/versions/:id': NO_FIELDS,
  'GET /admin/policies/:slug/export.csv': NO_FIELDS,
} satisfies RequestSchemas;
