import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { formatDateTime, formatDay } from '../training/dates';
import { STATUS_LABEL } from '../training/status';

export interface Flash {
  kind: 'success' | 'info' | 'error';
  message: string;
}

/** Values every view can use: who is signed in, the organisation, one-shot messages (csrfToken comes from http/csrf). */
export function viewLocals(config: Config): RequestHandler {
  const dateFmt = new Intl.DateTimeFormat('en-GB', { timeZone: config.timeZone, day: 'numeric', month: 'short', year: 'numeric' });
  return (req, res, next) => {
    res.locals.currentUser = req.user ?? null;
    res.locals.orgName = config.orgName;
    res.locals.path = req.path;
    res.locals.formatDay = formatDay;
    res.locals.statusLabel = STATUS_LABEL;
    res.locals.formatDate = (iso: string | null | undefined) => (iso ? dateFmt.format(new Date(iso)) : '');
    res.locals.formatDateTime = (iso: string | null | undefined) => (iso ? formatDateTime(iso, config.timeZone) : '');
    const flash = req.session?.flash;
    if (flash) {
      delete req.session.flash;
      res.locals.flash = flash;
    }
    next();
  };
}
