import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Strict CSP: our own scripts, styles and images only; no inline script or style. HSTS only on a
 * request that arrived over https (directly or through a trusted proxy that says so): browsers ignore
 * it over http anyway, and it must not be sent on behalf of a proxy the server does not trust.
 * `formTargets`: other origins a form's answer may redirect to (the OpenID provider, for its logout).
 */
export function securityHeaders(secure: boolean, formTargets: readonly string[] = []): RequestHandler {
  const hsts = helmet.strictTransportSecurity({ maxAge: 31536000, includeSubDomains: true });
  const rest = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        // Browsers apply form-action to the redirects after a form is sent too: a sign-out form whose answer
        // sends the browser on to the identity provider's logout needs that provider's origin here.
        formAction: ["'self'", ...formTargets],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
        ...(secure ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'same-origin' },
  });
  return (req, res, next) => {
    rest(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (secure && req.secure) return hsts(req, res, next);
      next();
    });
  };
}
