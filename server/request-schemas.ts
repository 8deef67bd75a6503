import { ASSIGNMENT_REQUESTS } from './assignments/requests';
import { AUDIT_REQUESTS } from './audit/requests';
import { AUTH_REQUESTS } from './auth/requests';
import { FORGOT_PASSWORD_REQUESTS } from './auth/forgot-requests';
import { CERTIFICATE_REQUESTS } from './certificates/requests';
import { HOME_REQUESTS } from './home-requests';
import type { RequestSchemas } from './http/validate';
import { LEARNING_REQUESTS } from './learning/requests';
import { REPORT_REQUESTS } from './reports/requests';
import { SETTINGS_REQUESTS } from './settings/requests';
import { NOTIFICATION_REQUESTS } from './notifications/requests';
import { POLICY_REQUESTS } from './policies/requests';
import { POLICY_ADMIN_REQUESTS } from './policies/admin-requests';
import { OUTBOX_ADMIN_REQUESTS } from './notifications/admin-requests';
import { TRAINING_ADMIN_REQUESTS } from './training/admin-requests';
import { TRAINING_REQUESTS } from './training/requests';
import { IMPORT_REQUESTS } from './users/import-requests';
import { USER_REQUESTS } from './users/requests';
import { TEAM_REQUESTS } from './users/team-requests';
import { OIDC_REQUESTS } from './identity/oidc-requests';

/**
 * Every route's request schema in one place, keyed as Express registers the route ("POST /admin/users/:id"):
 * the form body for a POST, the query string for a GET. test/integration/request-schemas.test.ts checks
 * that it names exactly the routes the app serves, and the property-based form tests take their field
 * lists from it.
 *
 * Registering a routes file: give it a sibling `<stem>-requests.ts` (routes.ts → requests.ts) exporting a
 * `satisfies RequestSchemas` map, and add that map to this list — one line (plus its import).
 */
const FILES: RequestSchemas[] = [
  HOME_REQUESTS,
  AUTH_REQUESTS,
  FORGOT_PASSWORD_REQUESTS,
  LEARNING_REQUESTS,
  TRAINING_REQUESTS,
  TRAINING_ADMIN_REQUESTS,
  CERTIFICATE_REQUESTS,
  USER_REQUESTS,
  IMPORT_REQUESTS,
  TEAM_REQUESTS,
  REPORT_REQUESTS,
  AUDIT_REQUESTS,
  SETTINGS_REQUESTS,
  NOTIFICATION_REQUESTS,
  ASSIGNMENT_REQUESTS,
  POLICY_REQUESTS,
  POLICY_ADMIN_REQUESTS,
  OUTBOX_ADMIN_REQUESTS,
  OIDC_REQUESTS,
];

/** The maps merged. A route named in two files would hide one of its schemas, so loading this module fails instead. */
export function mergeRequestSchemas(files: RequestSchemas[]): RequestSchemas {
  const all: Record<string, RequestSchemas[keyof RequestSchemas]> = {};
  for (const file of files) {
    for (const [route, schema] of Object.entries(file)) {
      if (Object.hasOwn(all, route)) throw new Error(`${route} has a request schema in two files`);
      all[route] = schema;
    }
  }
  return Object.freeze(all) as RequestSchemas;
}

export const REQUEST_SCHEMAS: RequestSchemas = mergeRequestSchemas(FILES);
