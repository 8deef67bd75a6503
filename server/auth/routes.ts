import { Router, type Request, type Response, type NextFunction } from 'express';
import type { PassportStatic } from 'passport';
import { z } from 'zod';
import { appendAudit } from '../audit/service';
import { formatDateTime } from '../dates';
import type { AppDeps } from '../deps';
import type { User } from '../users/service';
import { SESSION_COOKIE } from '../http/session';
import { parseForm } from '../http/validate';
import { hasControlChars } from '../text';
import { DEVICE_COOKIE, DEVICE_MAX_AGE_MS } from './devices';
import { safeNext } from '../http/guards';
import { signInLimiters } from './sign-in-middleware';
import type { SignInInfo } from './login';
import { PASSWORD_HINT, PASSWORD_MAX, passwordProblem } from './password-rules';
import { setPasswordWithLink, userForPasswordLink } from './password-links';
import { completeSetup, setupLinkUsable } from './setup';
import { accountKey, accountKeySecret, clearThrottle } from './throttle';


const loginSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email address.').max(254, 'That email address is too long.'),
  password: z.string().min(1, 'Enter your password.').max(1024, 'That password is too long.'),
});

const newPasswordSchema = (ctx: () => { email?: string; orgName: string }) => z.object({
  password: z.string().max(PASSWORD_MAX * 4, `Use at most ${PASSWORD_MAX} characters.`),
  confirm: z.string().max(PASSWORD_MAX * 4),
}).superRefine((v, c) => {
  const problem = passwordProblem(v.password, ctx());
  if (problem) c.addIssue({ code: 'custom', path: ['password'], message: problem });
  else if (v.password !== v.confirm) c.addIssue({ code: 'custom', path: ['confirm'], message: 'The two passwords do not match.' });
});

const setupSchema = z.object({
  name: z.string().trim().min(1, 'Enter your full name.').max(200, 'Use at most 200 characters.')
    .refine((s) => !hasControlChars(s), 'Remove control characters.'),
  email: z.string().trim().max(254).pipe(z.email('Enter a valid email address.')),
});

export function authRoutes(deps: AppDeps, pp: PassportStatic): Router {
  const { db, clock, config } = deps;
  const router = Router();
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
      'or ask your administrator to unlock it.';
  };

  const keySecret = accountKeySecret(config.sessionSecret);
  const loginLimiters = signInLimiters(config, keySecret, (req, res, message) => {
    res.status(429).render('auth/login', {
      title: 'Sign in', values: { email: '', next: safeNext((req.body as Record<string, unknown> | undefined)?.next) }, errors: {}, message,
    });
  });

  router.get('/login', (req, res) => {
    if (req.user) return res.redirect(303, safeNext(req.query.next));
    // Notices come as query flags, not session flashes: a visitor who is not signed in has no session.
    const notice = req.query.expired ? 'Your session ended. Please sign in again.'
      : req.query.signedOut ? 'You have signed out.'
        : req.query.setUp ? 'The administrator account was created. Sign in with your new password.'
          : req.query.passwordSet ? 'Your password is set. Sign in with it now.' : undefined;
    // An https BASE_URL over plain http (no trusted proxy said https): the Secure cookie cannot be set,
    // so say why the form will not work instead of letting it fail as an expired form.
    const message = config.secureCookies && !req.secure
      ? `Sign-in needs a secure connection. Open ${config.baseUrl}/login; if that is the address you used, the server's ` +
        'TRUST_PROXY setting does not name the reverse proxy in front of it (tell your IT team).'
      : undefined;
    res.render('auth/login', { title: 'Sign in', values: { email: '', next: safeNext(req.query.next) }, errors: {}, notice, message });
  });

  router.post('/login', ...loginLimiters, (req: Request, res: Response, next: NextFunction) => {
    const form = parseForm(loginSchema, req.body, ['email', 'password']);
    // Where to go after signing in is not the user's to get wrong: anything but a plain local path
    // (repeated, too long, another site) quietly becomes the dashboard.
    const back = safeNext((req.body as Record<string, unknown> | undefined)?.next);
    if (!form.ok) {
      return res.status(400).render('auth/login', { title: 'Sign in', values: { email: form.values.email, next: back }, errors: form.errors });
    }
    pp.authenticate('local', (err: unknown, user: User | false, info: SignInInfo | undefined) => {
      if (err) return next(err);
      if (!user) {
        return res.status(401).render('auth/login', {
          title: 'Sign in', values: { email: form.data.email, next: back }, errors: {},
          message: info?.pausedUntil ? pausedMessage(info.pausedUntil) : loginFailed,
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
        req.session.save((saveErr) => (saveErr ? next(saveErr) : res.redirect(303, back)));
      });
    })(req, res, next);
  });

  router.post('/logout', (req, res, next) => {
    const user = req.user;
    const finish = () => req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie(SESSION_COOKIE);
      res.redirect(303, '/login?signedOut=1');
    });
    if (!user) return finish();
    db.transaction().execute((trx) => appendAudit(trx, clock, { id: user.id, label: user.email, ip: req.ip ?? null }, {
      action: 'auth.logout', subjectType: 'user', subjectId: user.id,
    })).then(() => req.logout({ keepSessionInfo: true }, (err) => (err ? next(err) : finish()))).catch(next);
  });

  const setupGone = (res: Response) => res.status(410).render('message', {
    title: 'Setup link not valid',
    message: 'This setup link has already been used, has expired, or an administrator already exists. ' +
      'If no administrator exists yet, restart the server: it prints a new link.',
  });

  router.get('/setup/:token', async (req, res) => {
    if (!(await setupLinkUsable(db, clock, req.params.token))) return setupGone(res);
    res.render('auth/setup', { title: 'Create the first administrator', values: {}, errors: {}, hint: PASSWORD_HINT });
  });

  router.post('/setup/:token', async (req, res) => {
    if (!(await setupLinkUsable(db, clock, req.params.token))) return setupGone(res);
    const who = parseForm(setupSchema, req.body, ['name', 'email']);
    const email = who.ok ? who.data.email : undefined;
    const pw = parseForm(newPasswordSchema(() => ({ email, orgName: config.orgName })), req.body, ['password', 'confirm']);
    if (!who.ok || !pw.ok) {
      const errors = { ...(who.ok ? {} : who.errors), ...(pw.ok ? {} : pw.errors) };
      return res.status(400).render('auth/setup', { title: 'Create the first administrator', values: who.values, errors, hint: PASSWORD_HINT });
    }
    const admin = await completeSetup(deps.uow, clock, req.params.token, { ...who.data, password: pw.data.password });
    if (!admin) return setupGone(res);
    res.redirect(303, '/login?setUp=1');
  });

  const linkGone = (res: Response) => res.status(410).render('message', {
    title: 'Link not valid',
    message: 'This password link has already been used or has expired (links last 72 hours). Ask your administrator for a new one.',
  });

  router.get('/password/:token', async (req, res) => {
    const user = await userForPasswordLink(db, clock, req.params.token);
    if (!user) return linkGone(res);
    res.render('auth/set-password', { title: 'Choose your password', account: user.email, errors: {}, hint: PASSWORD_HINT });
  });

  router.post('/password/:token', async (req, res) => {
    const user = await userForPasswordLink(db, clock, req.params.token);
    if (!user) return linkGone(res);
    const pw = parseForm(newPasswordSchema(() => ({ email: user.email, orgName: config.orgName })), req.body, ['password', 'confirm']);
    if (!pw.ok) {
      return res.status(400).render('auth/set-password', { title: 'Choose your password', account: user.email, errors: pw.errors, hint: PASSWORD_HINT });
    }
    const updated = await setPasswordWithLink(db, clock, req.params.token, pw.data.password, req.ip ?? null);
    if (!updated) return linkGone(res);
    await deps.sessions.destroyForUser(updated.id);
    // Whoever set this password holds the link an administrator issued: a pause strangers caused on
    // the address must not stop them signing in with it now.
    await clearThrottle(db, accountKey(keySecret, updated.email_normalized));
    res.redirect(303, '/login?passwordSet=1');
  });

  return router;
}
