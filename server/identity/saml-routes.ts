import express, { Router } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { AppDeps } from '../deps';
import { parseForm, parseQuery } from '../http/validate';
import { SamlRefusal } from './saml-response';
import { samlAcsForm, samlLoginQuery } from './saml-requests';
import type { SamlSignIn } from './saml-sign-in';
import { finishSsoSignIn, renderSsoRefusal } from './sso-session-middleware';

export const SAML_ACS_PATH = '/auth/saml/acs';

/**
 * The ACS body parser, mounted in app.ts before the app-wide form parser: a SAML response with many group
 * claims can pass the 100 KB form limit. Up to 1 MB is read; saml-response refuses above 256 KB decoded,
 * with the refusal page and an audit event. A larger body gets the app's 413 page (no SAML response is that big).
 */
export const samlAcsBody = express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 10 });

/**
 * SAML 2.0 sign-in (issue 18): /auth/saml/login sends the browser to the IdP with an AuthnRequest, the IdP
 * posts its response to /auth/saml/acs, and /auth/saml/metadata is what the IdP's administrator loads.
 * The ACS is exempt from CSRF tokens (server/http/csrf.ts): the IdP's form cannot carry ours; the
 * InResponseTo of a request this server made, used once, plays that part.
 */
export function samlRoutes(deps: AppDeps, saml: SamlSignIn): Router {
  const router = Router();
  // Refused responses per client, as failed password sign-ins are (LOGIN_RATE_LIMIT per 15 minutes): each
  // costs a signature check and an audit event, so a flood of junk is cut off. Successes do not count.
  const acsLimit = deps.limiter('saml-acs', {
    windowMs: 15 * 60_000, limit: deps.config.loginRateLimit, standardHeaders: 'draft-8', legacyHeaders: false,
    skipSuccessfulRequests: true, validate: { xForwardedForHeader: false },
    keyGenerator: (req) => `saml|${ipKeyGenerator(req.ip ?? '')}`,
    handler: (_req, res) => {
      res.status(429).render('identity/refused', {
        title: 'You have not been signed in', message: 'Too many sign-in attempts from this network. Wait 15 minutes and try again.',
      });
    },
  });

  router.get('/auth/saml/metadata', (_req, res) => {
    res.type('application/samlmetadata+xml').send(saml.sp.metadataXml());
  });

  router.get('/auth/saml/login', async (req, res) => {
    const query = parseQuery(samlLoginQuery, req.query);
    const next = query.ok ? query.data.next : '/';
    if (req.user) return res.redirect(303, next);
    try {
      res.redirect(303, await saml.start(next));
    } catch (err) {
      if (!(err instanceof SamlRefusal)) throw err;
      const refused = await saml.refuseStart(err, req.ip ?? null);
      renderSsoRefusal(res, refused.message);
    }
  });

  router.post(SAML_ACS_PATH, acsLimit, async (req, res, next) => {
    const form = parseForm(samlAcsForm, req.body);
    const finished = await saml.finish(form.ok ? form.data.SAMLResponse : '', req.ip ?? null);
    if (finished.kind === 'refused') return renderSsoRefusal(res, finished.message);
    await finishSsoSignIn(deps, req, res, next, finished.outcome, finished.returnTo);
  });

  return router;
}
