import { NO_FIELDS, type RequestSchemas } from '../http/validate';
import { csvUploadForm } from '../http/upload';

export const IMPORT_REQUESTS = {
  'GET /admin/import': NO_FIELDS,
  'POST /admin/import': csvUploadForm,
} satisfies RequestSchemas;
