import type { NextFunction, Request, Response } from 'express';
import type { AppDeps } from '../deps';
import type { SsoOutcome } from './sso-profile';
import { localReturnTo } from './sso-login-state';

/**
 * What a protocol's callback does with signIn's outcome: a signed-in person gets a session the way the
 * password sign-in starts one (req.logIn regenerates the session id, authAt starts the absolute limit),
 * then goes to returnTo; a refusal gets the refusal page (403, its words, no details; signIn already
 * wrote the sso.refused audit event).
 */
export async function finishSsoSignIn(
  deps: Pick<AppDeps, 'auth' | 'clock'>, req: Request, res: Response, next: NextFunction, outcome: SsoOutcome, returnTo: string,
): Promise<void> {
  if (outcome.kind === 'refused') return renderSsoRefusal(res, outcome.message);
  const user = await deps.auth.activeAccount(outcome.userId);
  if (!user) return renderSsoRefusal(res, 'Your account here is not active, so you cannot sign in. Ask your training administrator.');
  req.logIn(user, (loginErr) => {
    if (loginErr) return next(loginErr);
    req.session.authAt = deps.clock.now().toISOString();
    req.session.save((saveErr) => (saveErr ? next(saveErr) : res.redirect(303, localReturnTo(returnTo))));
  });
}

/** The refusal page for any reason a sign-in through an identity provider did not happen. */
export function renderSsoRefusal(res: Response, message: string): void {
  res.status(403).render('identity/refused', { title: 'You have not been signed in', message });
}
