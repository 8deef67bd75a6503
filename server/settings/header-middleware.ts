import type { RequestHandler } from 'express';
import type { Settings } from './service';

/**
 * The organisation's name and logo for the header of every page, from the settings (which fall back to
 * ORG_NAME). Set after viewLocals, whose orgName is the environment's.
 */
export function settingsLocals(settings: Settings): RequestHandler {
  return (_req, res, next) => {
    settings.current().then((current) => {
      res.locals.orgName = current.orgName;
      res.locals.logoUrl = current.logo ? `/settings/logo?v=${current.logo.sha256.slice(0, 16)}` : null;
      next();
    }, next);
  };
}
