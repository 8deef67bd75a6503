import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { formatDateTime, formatDay } from '../training/dates';
import { STATUS_LABEL } from '../training/status';
import { generateToken } from './csrf';

export interface Flash {
  kind: 'success' | 'info' | 'error';
  message: string;
}

/** Values every view can use: who is signed in, the CSRF token, the organisation, one-shot messages. */
export function viewLocals(config: Config): RequestHandler {
  const dateFmt = new Intl.DateTimeFormat('en-GB', { timeZone: config.timeZone, day: 'numeric', month: 'short', year: 'numeric' });
  return (req, res, next) => {
    res.locals.currentUser = req.user ?? null;
    res.locals.orgName = config.orgName;
    res.locals.path = req.path;
    // A token is made only when a page needs one, so anonymous visitors to public pages get no session.
    res.locals.csrfToken = () => generateToken(req);
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
