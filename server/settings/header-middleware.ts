import type { RequestHandler } from 'express';
import { fillContacts, telHref } from '../content/contacts';
import { roleCan } from '../http/capabilities';
import { contactsOf, type Settings } from './service';

/**
 * The organisation's name and logo for the header of every page, and the privacy contact for its
 * footer, from the settings (the name falls back to ORG_NAME). Set after viewLocals, whose orgName is
 * the environment's. `courseHtml(html)` fills the contact placeholders of course Markdown for views;
 * people who can change the settings also see where a contact is not configured.
 */
export function settingsLocals(settings: Settings): RequestHandler {
  return (req, res, next) => {
    settings.current().then((current) => {
      res.locals.orgName = current.orgName;
      res.locals.logoUrl = current.logo ? `/settings/logo?v=${current.logo.sha256.slice(0, 16)}` : null;
      // The footer tells signed-in staff whom to ask or where to report, when the settings say.
      res.locals.privacyContact = { ...current.privacyOfficer, phoneHref: telHref(current.privacyOfficer.phone), hotline: current.hotline };
      const contacts = contactsOf(current);
      const markUnset = req.user ? roleCan(req.user.role, 'manage-settings') : false;
      res.locals.courseHtml = (html: string) => fillContacts(html, contacts, { markUnset });
      next();
    }, next);
  };
}
