import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { RuleError, type RuleCode } from '../errors';

/**
 * An HTTP-only refusal the web layer itself makes (an upload where none is taken: 415). Everything
 * below the routes throws a RuleError instead; this type never leaves server/http.
 */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** What the browser sees for an error: the status, the page title and the message. */
export interface ErrorPage {
  status: number;
  title: string;
  message: string;
}

/** The one place a rule's code becomes an HTTP status and an error-page title. */
export const RULE_PAGES: Readonly<Record<RuleCode, { status: number; title: string }>> = {
  'not-found': { status: 404, title: 'Page not found' },
  conflict: { status: 409, title: 'This cannot be done now' },
  invalid: { status: 400, title: 'Please check what you sent' },
  forbidden: { status: 403, title: 'Not allowed' },
  gone: { status: 410, title: 'No longer available' },
};

function titleOf(status: number): string {
  const rule = Object.values(RULE_PAGES).find((p) => p.status === status);
  if (rule) return rule.title;
  return status === 413 ? 'Too large' : 'Something went wrong';
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new RuleError('not-found', 'There is no page at this address. Check the link, or go back to your dashboard.'));
};

interface FrameworkError {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: string;
  expose?: boolean;
}

/**
 * The page for any error: a rule's own page, clear statuses for body parsers, uploads and CSRF, and
 * a 500 (logged by the handler) for anything else, whose message never reaches the browser.
 */
export function errorPage(err: unknown): ErrorPage {
  if (err instanceof RuleError) return { ...RULE_PAGES[err.code], message: err.message };
  const page = (status: number, message: string): ErrorPage => ({ status, title: titleOf(status), message });
  if (err instanceof HttpError) return page(err.status, err.message);
  const e = (typeof err === 'object' && err !== null ? err : {}) as FrameworkError;
  if (e.code === 'EBADCSRFTOKEN') {
    return page(403, 'This form has expired or did not come from this site. Go back, reload the page and try again.');
  }
  if (e.type === 'entity.too.large' || e.code === 'LIMIT_FILE_SIZE' || e.code === 'LIMIT_FIELD_VALUE') {
    return page(413, 'What you sent is too large. Forms are limited to 100 KB and uploaded files to 5 MB.');
  }
  // Any other upload problem multer reports (too many parts or files, a part without a field name…).
  if (typeof e.code === 'string' && (e.code.startsWith('LIMIT_') || e.code === 'MISSING_FIELD_NAME')) {
    return page(400, 'The upload was not in the expected form: send one CSV file in the "file" field.');
  }
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return page(status, 'The request could not be understood. Go back and try again.');
  }
  return page(500, 'Something went wrong on our side. The error has been logged; please try again in a moment.');
}

export function errorHandler(log: Logger, production: boolean): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { status, title, message } = errorPage(err);
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
    res.render('error', { title, status, message, stack });
  };
}
