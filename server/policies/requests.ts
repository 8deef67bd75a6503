import { z } from 'zod';
import { NO_FIELDS, rawFormValue, type RequestSchemas } from '../http/validate';

/**
 * Signing a policy (issue 16), read like the course attestation: the box counts as ticked only when it
 * says "yes", a missing or repeated name is no name, and the version the page showed is checked
 * against the current one by the service, never trusted.
 */
export const acknowledgeForm = z.object({
  agree: rawFormValue(z.unknown().refine((v) => v === 'yes', 'Tick the box to confirm you have read the policy and will follow it.')),
  typed_name: rawFormValue(z.unknown().transform((v) => (typeof v === 'string' ? v.slice(0, 300) : ''))
    .refine((s) => s.trim().length > 0, 'Type your full name as your signature.')),
  version_id: z.string().regex(/^[1-9][0-9]{0,9}$/, 'Reload the page and sign again.').transform(Number),
});

export const POLICY_REQUESTS = {
  'GET /policies/:slug': NO_FIELDS,
  'POST /policies/:slug/acknowledge': acknowledgeForm,
} satisfies RequestSchemas;
