import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { capabilities, navigationFor } from './capabilities';
import type { DateFormatters } from '../dates';

export interface Flash {
  kind: 'success' | 'info' | 'error';
  message: string;
}

/**
 * How views put data into words, handed in by the app (app.ts) so that server/http, which every
 * feature uses, imports none of them.
 */
export interface ViewFormatters extends DateFormatters {
  statusLabel: Readonly<Record<string, string>>;
}

/**
 * Values every view can use: who is signed in, what they may do (`can`, a set of capabilities) and the
 * links they may open (`nav`), the organisation, one-shot messages (csrfToken comes from http/csrf).
 */
export function viewLocals(config: Config, formatters: ViewFormatters): RequestHandler {
  return (req, res, next) => {
    res.locals.currentUser = req.user ?? null;
    res.locals.can = req.user ? capabilities(req.user.role) : new Set();
    res.locals.nav = req.user ? navigationFor(req.user.role) : [];
    res.locals.orgName = config.orgName;
    res.locals.path = req.path;
    res.locals.formatDay = formatters.formatDay;
    res.locals.statusLabel = formatters.statusLabel;
    res.locals.formatDate = formatters.formatDate;
    res.locals.formatDateTime = formatters.formatDateTime;
    const flash = req.session?.flash;
    if (flash) {
      delete req.session.flash;
      res.locals.flash = flash;
    }
    next();
  };
}
