import type { Request, RequestHandler, Response } from 'express';
import { safeNext } from './guards';
import { SESSION_COOKIE } from './session';

/**
 * A session cookie came with the request, yet nobody is signed in: the session ended (idle timeout)
 * while the person was away. Signing out clears the cookie, so this is not someone who chose to leave.
 */
export function sessionEnded(req: Request): boolean {
  if (req.user) return false;
  return (req.headers.cookie ?? '').split(';').some((part) => part.trim().startsWith(`${SESSION_COOKIE}=`));
}

export function signedOutMessage(idleMs: number): string {
  const minutes = Math.max(1, Math.round(idleMs / 60_000));
  const span = `${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `You were signed out after ${span} — your answers are kept. Sign in again to carry on where you were (a session ends after ${span} without activity).`;
}

/** For views: the notice every page shows (views/partials/head.ejs) while the ended session's cookie is still there. */
export function signedOutNotice(idleMs: number): RequestHandler {
  return (req, res, next) => {
    if (sessionEnded(req)) res.locals.signedOutNotice = signedOutMessage(idleMs);
    next();
  };
}

/** A form sent again after signing in: where it went and what it carried (never a password or a token). */
export interface Resend {
  action: string;
  fields: [string, string][];
}

const RESEND_MAX_FIELDS = 200;
const NOT_CARRIED = /^_csrf$|password|confirm|token/i;

/** The fields of a refused form worth carrying through the sign-in page. */
function carried(req: Request): [string, string][] {
  const body = typeof req.body === 'object' && req.body !== null ? req.body as Record<string, unknown> : {};
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(body)) {
    if (NOT_CARRIED.test(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') out.push([name, v]);
  }
  return out.slice(0, RESEND_MAX_FIELDS);
}

/** A path on this site (never another origin), from a Referer header or a form field; "/" otherwise. */
export function samePath(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '/';
  try {
    const u = new URL(value, 'http://same.invalid');
    return safeNext(`${u.pathname}${u.search}`);
  } catch {
    return '/';
  }
}

/**
 * The only forms carried through sign-in: a learner's own quiz answers and attestation. Each route checks
 * that the attempt belongs to whoever is signed in, so a form left on a shared ward computer, or planted
 * with a forged session cookie, can never act for the next person to sign in; and no other form (a person
 * edit, a set-password link with its token in the path) is ever kept in a page or a session.
 */
const RESENDABLE = /^\/courses\/[^/?#]+\/(?:quiz\/attempts\/\d+(?:\/answers)?|attest\/\d+)$/;

/** Reads a carried form back from the sign-in form's hidden field; undefined when it is not one. */
export function parseResend(value: unknown): Resend | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 100_000) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { action, fields } = parsed as { action?: unknown; fields?: unknown };
  if (typeof action !== 'string' || safeNext(action) !== action || !RESENDABLE.test(action)) return undefined;
  if (!Array.isArray(fields) || fields.length > RESEND_MAX_FIELDS) return undefined;
  const ok = fields.every((f): f is [string, string] => Array.isArray(f) && f.length === 2 && typeof f[0] === 'string' && typeof f[1] === 'string' && !NOT_CARRIED.test(f[0]));
  return ok ? { action, fields } : undefined;
}

/**
 * What a POST gets when its session ended before it was sent: not a bare "Not allowed" but the
 * sign-in page saying why, which carries the form's fields so they can be sent again once signed in
 * (auth/routes.ts, /resume). A script's request (it asks for JSON) gets the same in JSON.
 */
export function signedOutPost(idleMs: number): RequestHandler {
  return (req: Request, res: Response, next) => {
    if (req.path === '/logout') return res.redirect(303, '/login?signedOut=1');
    const back = samePath(req.get('referer'));
    const message = signedOutMessage(idleMs);
    if (req.accepts(['html', 'json']) === 'json') {
      res.status(401).json({ error: message, signIn: `/login?next=${encodeURIComponent(back)}` });
      return;
    }
    const resend: Resend = { action: safeNext(req.originalUrl), fields: carried(req) };
    res.locals.signedOutNotice = message;
    res.status(401).render('auth/login', {
      title: 'Sign in', values: { email: '', next: back }, errors: {},
      resend: RESENDABLE.test(resend.action) ? JSON.stringify(resend) : '',
    }, (err, html) => (err ? next(err) : res.send(html)));
  };
}
