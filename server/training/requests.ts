import { z } from 'zod';
import { NO_FIELDS, rawFormValue, type RequestSchemas } from '../http/validate';

/**
 * The attestation. Both fields are read as sent: a repeated or missing name counts as no name, and the
 * box counts as ticked only when it says "yes", so either gets its own sentence rather than a generic one.
 */
export const attestForm = z.object({
  agree: rawFormValue(z.unknown().refine((v) => v === 'yes', 'Tick the box to confirm you have read the policy and will follow it.')),
  typed_name: rawFormValue(z.unknown().transform((v) => (typeof v === 'string' ? v.slice(0, 300) : ''))
    .refine((s) => s.trim().length > 0, 'Type your full name as your signature.')),
  /** Which policy text the page showed (see the route): checked against the current one, never trusted. */
  policy_shown: z.string().max(64, 'Reload the page and sign again.'),
});

export const TRAINING_REQUESTS = {
  'GET /courses/:courseId/attest/:attemptId': NO_FIELDS,
  'POST /courses/:courseId/attest/:attemptId': attestForm,
  'GET /transcript': NO_FIELDS,
} satisfies RequestSchemas;
