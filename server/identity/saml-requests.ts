import { z } from 'zod';
import { safeNext } from '../http/guards';
import { NO_FIELDS, queryValue, rawFormValue, type RequestSchemas } from '../http/validate';

/** Where to go after signing in: a path on this site, else the dashboard. */
export const samlLoginQuery = z.object({ next: queryValue(safeNext) });

/**
 * The IdP's HTTP-POST: SAMLResponse (base64 XML) and, from some IdPs, a RelayState we never send and ignore.
 * Any value is taken as sent (a missing, repeated or non-text one becomes ''), so every bad response is
 * refused by the SAML checks with its page and audit event rather than by a form error.
 */
export const samlAcsForm = z.object({
  SAMLResponse: rawFormValue(z.unknown().transform((v) => (typeof v === 'string' ? v : ''))),
  RelayState: rawFormValue(z.unknown().transform(() => '')),
});

/** Mounted only when SAML_IDP_METADATA is set, so not in server/request-schemas.ts (which lists the routes every app serves). */
export const SAML_REQUESTS = {
  'GET /auth/saml/login': samlLoginQuery,
  'POST /auth/saml/acs': samlAcsForm,
  'GET /auth/saml/metadata': NO_FIELDS,
} as const satisfies RequestSchemas;
