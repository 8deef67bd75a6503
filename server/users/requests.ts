import { z } from 'zod';
import { NO_FIELDS, queryId, queryPage, queryText, rawFormValue, type RequestSchemas } from '../http/validate';
import { hasControlChars } from '../text';
import { splitDepartmentPath } from './departments';
import { personFormFields, ROLES } from './fields';
import type { Role, UserStatus } from './service';

/** The people list's filters: a value that cannot be used is dropped (the filter is off), never an error. */
export const peopleListQuery = z.object({
  q: queryText(),
  role: queryText().transform((r) => ((ROLES as readonly string[]).includes(r ?? '') ? r as Role : undefined)),
  status: queryText().transform((s) => (s === 'active' || s === 'deactivated' ? s as UserStatus : undefined)),
  department: queryId,
  page: queryPage,
});

/** The admin person form (add and edit): the fields CSV import shares, plus the lesson-time accommodation. */
export const personForm = personFormFields;

/**
 * A department, or a path of them ("Nursing/ICU"), created as needed. A repeated field counts as no
 * name, so it gets the same sentence as an empty one.
 */
export const departmentForm = z.object({
  path: rawFormValue(z.unknown().transform((v, ctx): string[] => {
    const raw = typeof v === 'string' ? v : '';
    const parts = raw.trim() ? splitDepartmentPath(raw) : 'Enter a department name, or a path such as Nursing/ICU.';
    if (typeof parts === 'string' || hasControlChars(raw)) {
      ctx.addIssue({ code: 'custom', message: typeof parts === 'string' ? parts : 'Remove control characters.' });
      return z.NEVER;
    }
    return parts;
  })),
});

export const USER_REQUESTS = {
  'GET /admin/users': peopleListQuery,
  'GET /admin/users/new': NO_FIELDS,
  'POST /admin/users': personForm,
  'GET /admin/users/:id': NO_FIELDS,
  'POST /admin/users/:id': personForm,
  'POST /admin/users/:id/deactivate': NO_FIELDS,
  'POST /admin/users/:id/sso/:identity/unlink': NO_FIELDS,
  'POST /admin/users/:id/unlock': NO_FIELDS,
  'POST /admin/users/:id/reactivate': NO_FIELDS,
  'POST /admin/users/:id/password-link': NO_FIELDS,
  'GET /admin/departments': NO_FIELDS,
  'POST /admin/departments': departmentForm,
} satisfies RequestSchemas;
