import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Strict CSP: our own scripts, styles and images only; no inline script or style. HSTS only on a
 * request that arrived over https (directly or through a trusted proxy that says so): browsers ignore
 * it over http anyway, and it must not be sent on behalf of a proxy the server does not trust.
 */
export function securityHeaders(secure: boolean): RequestHandler {
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
        formAction: ["'self'"],
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
