import { z } from 'zod';
import { NO_FIELDS, queryValue, type RequestSchemas } from '../http/validate';
import { hasControlChars } from '../text';

/** The code typed into the verify form, exactly as typed (the route says why it is not a code). */
export const verifyQuery = z.object({
  code: queryValue((v) => (typeof v === 'string' ? v : undefined)),
});

export const REVOKE_REASON_PROBLEM = 'Give a reason for revoking (up to 500 characters); nothing was changed.';

export const revokeForm = z.object({
  reason: z.string().trim().min(1, REVOKE_REASON_PROBLEM).max(500, REVOKE_REASON_PROBLEM).refine((s) => !hasControlChars(s), REVOKE_REASON_PROBLEM),
});

export const CERTIFICATE_REQUESTS = {
  'GET /certificates/:id.pdf': NO_FIELDS,
  'GET /verify': verifyQuery,
  'GET /verify/:code': NO_FIELDS,
  'POST /admin/certificates/:id/revoke': revokeForm,
  'POST /admin/certificates/:id/reissue': NO_FIELDS,
} satisfies RequestSchemas;
