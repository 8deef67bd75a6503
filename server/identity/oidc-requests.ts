import { z } from 'zod';
import { safeNext } from '../http/guards';
import { NO_FIELDS, queryText, queryValue, type RequestSchemas } from '../http/validate';

/** Where to go after signing in: a plain local path, anything else quietly the dashboard. */
export const oidcLoginQuery = z.object({ next: queryValue(safeNext) });

/**
 * The provider's answer (OpenID Connect Core 3.1.2.5/3.1.2.6, RFC 9207 `iss`): each value once, as
 * text, or missing. Nothing here is trusted: the state must be one this server issued to this browser,
 * and openid-client checks the rest.
 */
export const oidcCallbackQuery = z.object({
  code: queryText(4000),
  state: queryText(512),
  iss: queryText(1000),
  session_state: queryText(1000),
  error: queryText(200),
  error_description: queryText(1000),
});

/** The callback's parameters the library is handed, rebuilt from the parsed values only. */
export const CALLBACK_PARAMS = ['code', 'state', 'iss', 'session_state', 'error', 'error_description'] as const;

export const OIDC_REQUESTS = {
  'GET /auth/oidc/login': oidcLoginQuery,
  'GET /auth/oidc/callback': oidcCallbackQuery,
  'POST /auth/oidc/logout': NO_FIELDS,
} satisfies RequestSchemas;
