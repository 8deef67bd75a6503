import { NO_FIELDS, type RequestSchemas } from '../http/validate';
import { csvUploadForm } from '../http/upload';
import { inPersonFields } from './record';

/** An in-person session recorded by an admin (the rules live with the service, which takes the parsed form). */
export const inPersonForm = inPersonFields;

export const TRAINING_ADMIN_REQUESTS = {
  'POST /admin/users/:id/completions': inPersonForm,
  'GET /admin/completions/import': NO_FIELDS,
  'POST /admin/completions/import': csvUploadForm,
} satisfies RequestSchemas;
