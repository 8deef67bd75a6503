import crypto from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../deps';
import { fail } from '../errors';
import { SESSION_COOKIE } from '../http/session';
import { parseQuery } from '../http/validate';
import { CALLBACK_PARAMS, oidcCallbackQuery, oidcLoginQuery } from './oidc-requests';

const FLOW_LIFE_MS = 10 * 60_000;

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * /auth/oidc/login, /auth/oidc/callback and /auth/oidc/logout. The callback is a GET (response_mode
 * query), so the CSRF check does not apply to it: the single-use state does that work, and a cookie set
 * when this browser started the flow ties the state to it, so a link carrying someone else's code
 * cannot sign a victim in as the attacker (login CSRF). The cookie holds an HMAC of the state, not the state.
 */
export function oidcRoutes(deps: AppDeps): Router {
  const { oidcSignIn, config, clock, settings, auth } = deps;
  const router = Router();
  const flowCookie = config.secureCookies ? '__Host-pr.oidc' : 'pr.oidc';
  const bindingKey = crypto.createHmac('sha256', config.sessionSecret).update('privacy-rounds oidc browser binding v1').digest();
  const binding = (state: string) => crypto.createHmac('sha256', bindingKey).update(state).digest('base64url');
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies, path: '/' };
  const baseUrl = async () => (await settings.current()).baseUrl;
  // The same page as every single sign-on refusal (sso-session-middleware.ts), with the status that fits this one.
  const refused = (res: Response, status: number, message: string) => res.status(status).render('identity/refused', { title: 'You have not been signed in', message });

  // People signed in through the provider sign out through it too (the header's sign-out form).
  router.use((req, res, next) => {
    if (req.session?.ssoProtocol === 'oidc') res.locals.signOutAction = '/auth/oidc/logout';
    next();
  });

  router.get('/auth/oidc/login', async (req, res) => {
    if (!oidcSignIn.enabled) fail('not-found', 'OpenID Connect sign-in is not set up on this server.');
    const q = parseQuery(oidcLoginQuery, req.query);
    const next = q.ok ? q.data.next : '/';
    if (req.user) return res.redirect(303, next);
    const started = await oidcSignIn.begin(`${await baseUrl()}/auth/oidc/callback`, next, req.ip ?? null);
    if ('refused' in started) return refused(res, started.refused.status, started.refused.message);
    res.cookie(flowCookie, binding(started.state), { ...cookieOptions, maxAge: FLOW_LIFE_MS });
    res.redirect(303, started.url);
  });

  router.get('/auth/oidc/callback', async (req, res, next: NextFunction) => {
    if (!oidcSignIn.enabled) fail('not-found', 'OpenID Connect sign-in is not set up on this server.');
    const q = parseQuery(oidcCallbackQuery, req.query);
    if (!q.ok) fail('invalid', q.message);
    const params = new URLSearchParams();
    for (const k of CALLBACK_PARAMS) if (q.data[k] !== undefined) params.set(k, q.data[k]);
    const held = cookieValue(req, flowCookie);
    const want = q.data.state ? Buffer.from(binding(q.data.state)) : undefined;
    const startedHere = held !== undefined && want !== undefined && held.length === want.length && crypto.timingSafeEqual(Buffer.from(held), want);
    res.clearCookie(flowCookie, cookieOptions);
    const outcome = await oidcSignIn.complete({
      redirectUri: `${await baseUrl()}/auth/oidc/callback`, query: params, state: q.data.state, startedHere,
      providerError: q.data.error, ip: req.ip ?? null,
    });
    if (outcome.kind === 'refused') return refused(res, outcome.status, outcome.message);
    const user = await auth.activeAccount(outcome.userId);
    if (!user) return refused(res, 403, 'This account is deactivated. Ask your administrator.');
    // passport regenerates the session here: a new session id at every sign-in.
    req.logIn(user, (err) => {
      if (err) return next(err);
      req.session.authAt = clock.now().toISOString();
      req.session.ssoProtocol = 'oidc';
      req.session.save((saveErr) => (saveErr ? next(saveErr) : res.redirect(303, outcome.returnTo)));
    });
  });

  // Ends our session, then (when the provider offers it) the provider's, which sends the browser back
  // to our sign-in page.
  router.post('/auth/oidc/logout', (req, res, next) => {
    const user = req.user;
    const viaProvider = req.session?.ssoProtocol === 'oidc';
    const finish = () => req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie(SESSION_COOKIE);
      const local = '/login?signedOut=1';
      if (!viaProvider) return res.redirect(303, local);
      baseUrl().then((base) => oidcSignIn.logoutUrl(`${base}/login`))
        .then((url) => res.redirect(303, url ?? local))
        .catch(next);
    });
    if (!user) return finish();
    auth.signedOut(user, req.ip ?? null).then(() => req.logout({ keepSessionInfo: true }, (err) => (err ? next(err) : finish()))).catch(next);
  });

  return router;
}
