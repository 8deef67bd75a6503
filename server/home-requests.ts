import { NO_FIELDS, type RequestSchemas } from './http/validate';

export const HOME_REQUESTS = {
  'GET /healthz': NO_FIELDS,
  'GET /': NO_FIELDS,
} satisfies RequestSchemas;
