import { z } from 'zod';
import { isRealDate } from '../dates';
import { queryId, queryPage, queryText, type RequestSchemas } from '../http/validate';

const day = queryText(10).transform((d) => (d && isRealDate(d) ? d : undefined));

/** The audit log's filters: a value that cannot be used is dropped (the filter is off), never an error. */
export const auditLogQuery = z.object({
  action: queryText(100).transform((a) => (a && /^[a-z._]+$/.test(a) ? a : undefined)),
  actor: queryId,
  user: queryId,
  from: day,
  to: day,
  page: queryPage,
});

export const AUDIT_REQUESTS = {
  'GET /admin/audit': auditLogQuery,
} satisfies RequestSchemas;
