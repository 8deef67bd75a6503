import { Router, type Request, type Response, type NextFunction } from 'express';
import type { PassportStatic } from 'passport';
import { fail } from '../errors';
import { formatDateTime } from '../dates';
import type { AppDeps } from '../deps';
import type { User } from '../users/service';
import { SESSION_COOKIE } from '../http/session';
import { parseForm, parseQuery } from '../http/validate';
import { DEVICE_COOKIE, DEVICE_MAX_AGE_MS } from './devices';
import { requireUser, safeNext } from '../http/guards';
import { parseResend } from '../http/signed-out';
import { signInLimiters } from './sign-in-middleware';
import type { SignInInfo } from './login';
import { PASSWORD_HINT } from './password-rules';
import { loginForm, loginPageQuery, newPasswordForm, resumeQuery, setPasswordForm, setupIdentityForm } from './requests';
import { accountKeySecret } from './throttle';


export function authRoutes(deps: AppDeps, pp: PassportStatic): Router {
  const { auth, clock, config } = deps;
  const router = Router();
  // The sign-in page's "Sign in with ..." buttons, one per configured protocol, on every render of it.
  const withSso = (res: Response) => { res.locals.ssoButtons = config.sso.buttons; };
  // The same words for every failure (unknown email, wrong password, deactivated): no enumeration.
  const minutes = (ms: number) => `${Math.round(ms / 60_000)} minute${Math.round(ms / 60_000) === 1 ? '' : 's'}`;
  const loginFailed = `That email and password did not match an active account. After ${config.lockoutThreshold} failed attempts in a row, ` +
    `sign-in with that address pauses on devices it has not been used on: ${minutes(config.lockoutFirstMs)} at first, ` +
    `doubling with each further failure up to ${minutes(config.lockoutMs)}.`;
  // Said for any address, known or not, since unknown addresses lock alike: the words reveal nothing.
  // Shown whatever the password was, so the right password during the lock is told why it is refused.
  const pausedMessage = (until: string) => {
    const wait = Math.max(1, Math.ceil((Date.parse(until) - clock.now().getTime()) / 60_000));
    return `This account is locked until ${formatDateTime(until, config.timeZone)} (in ${wait} minute${wait === 1 ? '' : 's'}): sign-in with this ` +
      'email address is paused after too many failed attempts. On a computer or phone where you have signed in before, you can sign in now; ' +
      'choose a new password with "Forgot your password?" (that ends the lock); or ask your administrator to unlock it.';
  };

  const ssoOnlyMessage = 'Password sign-in is turned off for your account: sign in with your organisation account ' +
    `(${config.sso.buttons.map((b) => `"Sign in with ${b.label}"`).join(' or ') || 'single sign-on'}) instead.`;
  const keySecret = accountKeySecret(config.sessionSecret);
  // The form a POST carried when its session had ended (http/signed-out.ts), kept through every re-render.
  const resendOf = (req: Request): string => {
    const raw = (req.body as Record<string, unknown> | undefined)?.resend;
    return parseResend(raw) ? raw as string : '';
  };
  const loginLimiters = signInLimiters(config, keySecret, deps.limiter, (req, res, message) => {
    withSso(res);
    res.status(429).render('auth/login', {
      title: 'Sign in', values: { email: '', next: safeNext(parseForm(loginForm, req.body).values.next) }, errors: {}, message, resend: resendOf(req),
    });
  });

  router.get('/login', (req, res) => {
    const query = parseQuery(loginPageQuery, req.query);
    if (!query.ok) fail('invalid', query.message);
    const q = query.data;
    if (req.user) return res.redirect(303, q.next);
    // Notices come as query flags, not session flashes: a visitor who is not signed in has no session.
    const notice = q.expired ? 'Your session ended. Please sign in again.'
      : q.signedOut ? 'You have signed out.'
        : q.setUp ? 'The administrator account was created. Sign in with your new password.'
          : q.passwordSet ? 'Your password is set. Sign in with it now.' : undefined;
    // An https BASE_URL over plain http (no trusted proxy said https): the Secure cookie cannot be set,
    // so say why the form will not work instead of letting it fail as an expired form.
    const message = config.secureCookies && !req.secure
      ? `Sign-in needs a secure connection. Open ${config.baseUrl}/login; if that is the address you used, the server's ` +
        'TRUST_PROXY setting does not name the reverse proxy in front of it (tell your IT team).'
      : undefined;
    withSso(res);
    res.render('auth/login', { title: 'Sign in', values: { email: '', next: q.next }, errors: {}, notice, message });
  });

  router.post('/login', ...loginLimiters, (req: Request, res: Response, next: NextFunction) => {
    const form = parseForm(loginForm, req.body);
    // Where to go after signing in (see loginForm): read even when the rest of the form is refused.
    const back = safeNext(form.values.next);
    withSso(res);
    if (!form.ok) {
      return res.status(400).render('auth/login', { title: 'Sign in', values: { email: form.values.email, next: back }, errors: form.errors, resend: resendOf(req) });
    }
    pp.authenticate('local', (err: unknown, user: User | false, info: SignInInfo | undefined) => {
      if (err) return next(err);
      if (!user) {
        return res.status(401).render('auth/login', {
          title: 'Sign in', values: { email: form.data.email, next: back }, errors: {},
          message: info?.ssoOnly ? ssoOnlyMessage : info?.pausedUntil ? pausedMessage(info.pausedUntil) : loginFailed, resend: resendOf(req),
        });
      }
      if (info?.deviceToken) {
        res.cookie(DEVICE_COOKIE, info.deviceToken, {
          httpOnly: true, sameSite: 'strict', secure: config.secureCookies, path: '/login', maxAge: DEVICE_MAX_AGE_MS,
        });
      }
      // passport regenerates the session here: a new session id at every sign-in.
      req.logIn(user, (loginErr) => {
        if (loginErr) return next(loginErr);
        req.session.authAt = clock.now().toISOString();
        const resend = parseResend(resendOf(req));
        if (resend) req.session.resend = resend;
        const to = resend ? `/resume?next=${encodeURIComponent(back)}` : back;
        req.session.save((saveErr) => (saveErr ? next(saveErr) : res.redirect(303, to)));
      });
    })(req, res, next);
  });

  // After signing in again: the form that was refused because the session had ended, ready to send
  // with a fresh token. Shown once; nothing is sent without the person choosing to.
  router.get('/resume', requireUser, (req, res) => {
    const query = parseQuery(resumeQuery, req.query);
    const back = query.ok ? query.data.next : safeNext(undefined);
    const resend = req.session.resend;
    if (!resend) return res.redirect(303, back);
    delete req.session.resend;
    res.render('auth/resume', { title: 'Send what you were sending', resend, back });
  });

  router.post('/logout', (req, res, next) => {
    const user = req.user;
    const finish = () => req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie(SESSION_COOKIE);
      res.redirect(303, '/login?signedOut=1');
    });
    if (!user) return finish();
    auth.signedOut(user, req.ip ?? null).then(() => req.logout({ keepSessionInfo: true }, (err) => (err ? next(err) : finish()))).catch(next);
  });

  const setupGone = (res: Response) => res.status(410).render('message', {
    title: 'Setup link not valid',
    message: 'This setup link has already been used, has expired, or an administrator already exists. ' +
      'If no administrator exists yet, restart the server: it prints a new link.',
  });

  router.get('/setup/:token', async (req, res) => {
    if (!(await deps.setup.linkUsable(req.params.token))) return setupGone(res);
    res.render('auth/setup', { title: 'Create the first administrator', values: {}, errors: {}, hint: PASSWORD_HINT });
  });

  router.post('/setup/:token', async (req, res) => {
    if (!(await deps.setup.linkUsable(req.params.token))) return setupGone(res);
    const who = parseForm(setupIdentityForm, req.body);
    const email = who.ok ? who.data.email : undefined;
    const pw = parseForm(newPasswordForm(() => ({ email, orgName: config.orgName })), req.body);
    if (!who.ok || !pw.ok) {
      const errors = { ...(who.ok ? {} : who.errors), ...(pw.ok ? {} : pw.errors) };
      return res.status(400).render('auth/setup', { title: 'Create the first administrator', values: who.values, errors, hint: PASSWORD_HINT });
    }
    const admin = await deps.setup.complete(req.params.token, { ...who.data, password: pw.data.password });
    if (!admin) return setupGone(res);
    res.redirect(303, '/login?setUp=1');
  });

  const linkGone = (res: Response) => res.status(410).render('message', {
    title: 'Link not valid',
    message: 'This password link has already been used or has expired (invitation links last 72 hours, password-reset links 1 hour, and a newer link ' +
      'ends older ones). Ask for a new one with "Forgot your password?" on the sign-in page, or ask your administrator.',
  });

  router.get('/password/:token', async (req, res) => {
    const user = await auth.passwordLinkAccount(req.params.token);
    if (!user) return linkGone(res);
    res.render('auth/set-password', { title: 'Choose your password', account: user.email, errors: {}, hint: PASSWORD_HINT });
  });

  router.post('/password/:token', async (req, res) => {
    const user = await auth.passwordLinkAccount(req.params.token);
    if (!user) return linkGone(res);
    const pw = parseForm(setPasswordForm(() => ({ email: user.email, orgName: config.orgName })), req.body);
    if (!pw.ok) {
      return res.status(400).render('auth/set-password', { title: 'Choose your password', account: user.email, errors: pw.errors, hint: PASSWORD_HINT });
    }
    // Also ends any pause strangers caused on the address (see Auth.setPasswordWithLink).
    const updated = await auth.setPasswordWithLink(req.params.token, pw.data.password, req.ip ?? null);
    if (!updated) return linkGone(res);
    await deps.sessions.destroyForUser(updated.id);
    res.redirect(303, '/login?passwordSet=1');
  });

  return router;
}
