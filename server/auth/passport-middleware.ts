import passport from 'passport';
import { Strategy as LocalStrategy, type IVerifyOptions } from 'passport-local';
import { deviceTokenFrom } from './devices';
import type { SignInInfo } from './login';
import type { Auth } from './service';

/** A passport instance of our own (not the global singleton) so several apps can live in one test process. */
export function createPassport(auth: Auth): passport.PassportStatic {
  const pp = new passport.Passport() as passport.PassportStatic;
  pp.use(new LocalStrategy({ usernameField: 'email', passwordField: 'password', passReqToCallback: true }, (req, email, password, done) => {
    auth.signIn(email.slice(0, 254), password.slice(0, 1024), req.ip ?? null, deviceTokenFrom(req.headers.cookie))
      .then((r) => {
        // passport hands `info` on to the route's authenticate callback untouched.
        const info: IVerifyOptions & SignInInfo = r.ok ? { message: '', deviceToken: r.deviceToken } : { message: '', pausedUntil: r.pausedUntil, ...(r.ssoOnly ? { ssoOnly: true } : {}) };
        done(null, r.ok ? r.user : false, info);
      })
      .catch(done);
  }));
  pp.serializeUser((user, done) => done(null, user.id));
  // A deactivated person's sessions end on their next request.
  pp.deserializeUser((id: unknown, done) => {
    if (typeof id !== 'number') return done(null, false);
    auth.activeAccount(id)
      .then((user) => done(null, user ?? false))
      .catch(done);
  });
  return pp;
}
