import crypto from 'node:crypto';
import { csrfSync } from 'csrf-sync';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import type { Config } from '../config';
import { HttpError } from './errors';
import { sessionEnded } from './signed-out';

const UPLOAD_MAX_BYTES = 5 * 1024 * 1024;

/**
 * The only routes that take multipart bodies (CSV uploads, the logo). Each mounts `acceptUpload` after its role
 * check; a multipart body sent anywhere else is refused before a byte of it is read.
 */
export const UPLOAD_PATHS: ReadonlySet<string> = new Set(['/admin/import', '/admin/completions/import', '/admin/settings/logo', '/admin/exemptions']);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * POSTs an identity provider's page sends us (the SAML ACS): that form cannot carry our token. Each carries
 * its own proof instead, the InResponseTo of a request this server made, used once and checked after the
 * signature (server/identity/saml-sign-in.ts).
 */
export const CSRF_EXEMPT_POSTS: ReadonlySet<string> = new Set(['/auth/saml/acs']);

const formToken = (req: Request): string | undefined => {
  const body: unknown = req.body;
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)._csrf : undefined;
  return typeof value === 'string' ? value : undefined;
};

// Signed in: a synchroniser token kept in the session, which exists anyway.
const sync = csrfSync({ getTokenFromRequest: formToken });

// One file in "file", small text fields only.
const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: UPLOAD_MAX_BYTES, files: 1, fields: 20, fieldSize: 100 * 1024, parts: 25 },
}).single('file');

export interface Csrf {
  /**
   * App-wide: gives views `csrfToken()` and checks the token of every state-changing request, except
   * multipart bodies to the upload routes, which `acceptUpload` checks once it has parsed them.
   */
  protect: RequestHandler;
  /** On an upload route, after its role check: parses the multipart body, then checks its token. */
  acceptUpload: RequestHandler;
}

const NONCE = /^[A-Za-z0-9_-]{43}$/;

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Forms shown to someone not signed in (sign-in, first-admin setup, set-password links) carry a
 * stateless signed double-submit token, so an anonymous page view writes no session row: a random
 * value in a SameSite=Strict, HttpOnly browser-session cookie, and in the form its HMAC under a key
 * derived from the session secret. A cross-site form can neither read the cookie nor compute the HMAC,
 * and a Strict cookie is not even sent with it. Signed-in forms keep the session-bound synchroniser token.
 * `onSignedOut` answers a POST refused because its session ended meanwhile (http/signed-out.ts).
 */
export function createCsrf(secret: string, secure: boolean, onSignedOut?: RequestHandler): Csrf {
  // The __Host- prefix makes browsers refuse the cookie from a sibling subdomain or without Secure.
  const cookieName = secure ? '__Host-pr.csrf' : 'pr.csrf';
  const key = crypto.createHmac('sha256', secret).update('privacy-rounds anonymous form token v1').digest();
  const sign = (nonce: string) => crypto.createHmac('sha256', key).update(nonce).digest('base64url');
  const issued = new WeakMap<Request, string>();

  const anonymousToken = (req: Request, res: Response): string => {
    let nonce = issued.get(req) ?? cookieValue(req, cookieName);
    if (!nonce || !NONCE.test(nonce)) {
      nonce = crypto.randomBytes(32).toString('base64url');
      res.cookie(cookieName, nonce, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
    }
    issued.set(req, nonce);
    return sign(nonce);
  };

  const anonymousValid = (req: Request): boolean => {
    const nonce = cookieValue(req, cookieName);
    const token = formToken(req);
    if (!nonce || !NONCE.test(nonce) || !token) return false;
    const want = Buffer.from(sign(nonce));
    const got = Buffer.from(token);
    return got.length === want.length && crypto.timingSafeEqual(got, want);
  };

  // Which kind a form carries is decided by whether someone is signed in, when it is shown and when
  // it is sent; a form that crosses a sign-in or sign-out is refused as expired, as before.
  const valid = (req: Request): boolean => (req.user ? sync.isRequestValid(req) : anonymousValid(req));

  const protect: RequestHandler = (req, res, next) => {
    res.locals.csrfToken = () => (req.user ? sync.generateToken(req) : anonymousToken(req, res));
    if (SAFE_METHODS.has(req.method)) return next();
    if (req.method === 'POST' && CSRF_EXEMPT_POSTS.has(req.path) && !req.is('multipart/form-data')) return next();
    if (req.is('multipart/form-data')) {
      if (req.method === 'POST' && UPLOAD_PATHS.has(req.path)) return next();
      // Closing the connection stops the client from sending the rest of a body nobody will read.
      res.setHeader('Connection', 'close');
      return next(new HttpError(415, 'This form does not take file uploads. Go back, reload the page and send it again.'));
    }
    if (valid(req)) return next();
    // A signed-in form sent after its session ended: say so (and keep what it carried), not "expired form".
    if (onSignedOut && req.method === 'POST' && sessionEnded(req)) return onSignedOut(req, res, next);
    next(sync.invalidCsrfTokenError);
  };

  const acceptUpload: RequestHandler = (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    upload(req, res, (err?: unknown) => {
      if (err && !(err instanceof multer.MulterError)) {
        // busboy's own errors (truncated or malformed multipart) are the sender's fault, not ours.
        return next(new HttpError(400, 'The upload could not be read. Choose the file again and resend the form.'));
      }
      if (err) return next(err);
      next(valid(req) ? undefined : sync.invalidCsrfTokenError);
    });
  };

  return { protect, acceptUpload };
}

/** The upload routes' guard, built from the same secret as the app-wide check. */
export function acceptUpload(config: Pick<Config, 'sessionSecret' | 'secureCookies'>): RequestHandler {
  return createCsrf(config.sessionSecret, config.secureCookies).acceptUpload;
}
