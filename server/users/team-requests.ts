import { NO_FIELDS, type RequestSchemas } from '../http/validate';

export const TEAM_REQUESTS = {
  'GET /team/people/:id': NO_FIELDS,
} satisfies RequestSchemas;
