import session from 'express-session';
import type { RequestHandler } from 'express';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { DatabaseSessionStore } from '../auth/session-middleware';

export const SESSION_COOKIE = 'pr.sid';

export function sessionMiddleware(config: Config, store: DatabaseSessionStore): RequestHandler {
  return session({
    name: SESSION_COOKIE,
    secret: config.sessionSecret,
    store,
    resave: false,
    // No session row until someone signs in: anonymous pages (sign-in, links, verify) write nothing.
    saveUninitialized: false,
    // A browser-session cookie (no Expires or Max-Age), so it does not outlive the browser on a shared
    // PC. The idle limit is the store's: every request pushes its expiry forward (store.touch), and a
    // cookie presented after it finds no session.
    rolling: false,
    // No `proxy` option: express-session then asks Express (req.secure), which believes
    // X-Forwarded-Proto only from the proxies TRUST_PROXY names.
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.secureCookies,
      path: '/',
    },
  });
}

/**
 * Ends a signed-in session once it is older than the absolute limit, however active it has been,
 * so a session left open on a shared ward PC cannot live for days.
 */
export function absoluteTimeout(clock: Clock, absoluteMs: number): RequestHandler {
  return (req, res, next) => {
    const authAt = req.session?.authAt;
    if (!req.user || !authAt) return next();
    if (clock.now().getTime() - Date.parse(authAt) <= absoluteMs) return next();
    req.session.destroy(() => {
      res.clearCookie(SESSION_COOKIE);
      res.redirect(303, `/login?expired=1&next=${encodeURIComponent(req.originalUrl)}`);
    });
  };
}
