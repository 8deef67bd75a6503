import type { RequestHandler } from 'express';
import type { Settings } from './service';

/** A tel: link dials the number without its extension ("+1 555 0100 x12" → tel:+15550100). */
function telHref(phone: string): string {
  return `tel:${phone.replace(/\s*(?:x|ext\.?)\s*\d+$/i, '').replace(/[^0-9+]/g, '')}`;
}

/**
 * The organisation's name and logo for the header of every page, and the privacy contact for its
 * footer, from the settings (the name falls back to ORG_NAME). Set after viewLocals, whose orgName is
 * the environment's.
 */
export function settingsLocals(settings: Settings): RequestHandler {
  return (_req, res, next) => {
    settings.current().then((current) => {
      res.locals.orgName = current.orgName;
      res.locals.logoUrl = current.logo ? `/settings/logo?v=${current.logo.sha256.slice(0, 16)}` : null;
      // The footer tells signed-in staff whom to ask or where to report, when the settings say.
      res.locals.privacyContact = { ...current.privacyOfficer, phoneHref: telHref(current.privacyOfficer.phone), hotline: current.hotline };
      next();
    }, next);
  };
}
