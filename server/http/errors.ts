import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';

/** The one error type routes throw for an expected failure; the message is shown to the person. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new HttpError(404, 'There is no page at this address. Check the link, or go back to your dashboard.'));
};

interface FrameworkError {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: string;
  expose?: boolean;
}

/** Maps errors from body parsers, uploads and CSRF to clear statuses; anything else is a logged 500. */
function classify(err: unknown): { status: number; message: string } {
  if (err instanceof HttpError) return { status: err.status, message: err.message };
  const e = (typeof err === 'object' && err !== null ? err : {}) as FrameworkError;
  if (e.code === 'EBADCSRFTOKEN') {
    return { status: 403, message: 'This form has expired or did not come from this site. Go back, reload the page and try again.' };
  }
  if (e.type === 'entity.too.large' || e.code === 'LIMIT_FILE_SIZE' || e.code === 'LIMIT_FIELD_VALUE') {
    return { status: 413, message: 'What you sent is too large. Forms are limited to 100 KB and uploaded files to 5 MB.' };
  }
  // Any other upload problem multer reports (too many parts or files, a part without a field name…).
  if (typeof e.code === 'string' && (e.code.startsWith('LIMIT_') || e.code === 'MISSING_FIELD_NAME')) {
    return { status: 400, message: 'The upload was not in the expected form: send one CSV file in the "file" field.' };
  }
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, message: 'The request could not be understood. Go back and try again.' };
  }
  return { status: 500, message: 'Something went wrong on our side. The error has been logged; please try again in a moment.' };
}

export function errorHandler(log: Logger, production: boolean): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, message } = classify(err);
    if (status >= 500) log.error({ err, reqId: res.locals.reqId as string | undefined }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status);
    if (req.path === '/healthz' || (req.accepts(['html', 'json']) === 'json')) {
      res.json({ error: message });
      return;
    }
    const stack = !production && status >= 500 && err instanceof Error ? err.stack : undefined;
    res.render('error', { title: status === 404 ? 'Page not found' : status === 403 ? 'Not allowed' : 'Something went wrong', status, message, stack });
  };
}
