import { z } from 'zod';
import { queryValue } from '../http/validate';
import { SCIM_MAX_RESULTS } from './scim-service';

// The SCIM list query (RFC 7644 3.4.2). The SCIM API is its own Express app under /scim/v2 (bearer
// tokens, JSON bodies, SCIM error bodies), so these are not in server/request-schemas.ts, which lists
// the HTML app's GET and POST routes.

const whole = (raw: unknown): number | undefined => (typeof raw === 'string' && /^-?\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : undefined);

export const scimListQuery = z.object({
  // Given twice (?filter=a&filter=b) it is refused, never ignored: no filter would list everyone.
  filter: z.string('Give the filter once, as text.').optional(),
  // RFC 7644 3.4.2.4: below 1 is read as 1; a count above the maximum is read as the maximum, below 0 as 0.
  startIndex: queryValue((v) => Math.max(1, whole(v) ?? 1)),
  count: queryValue((v) => Math.min(SCIM_MAX_RESULTS, Math.max(0, whole(v) ?? 100))),
});
