import type { Kysely } from 'kysely';
import { appendAudit, type Actor } from '../audit/service';
import type { Clock } from '../clock';
import type { DB, User } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { attemptLogin, type AccountLocked, type LoginResult, type SignInPolicy } from './login';
import { RESET_LIMITS, requestPasswordReset, type ResetLimits, type ResetRequestAnswer } from './password-reset';
import { setPasswordWithLink, userForPasswordLink } from './password-links';
import { signInState, type SignInState } from './sign-in-state';
import { authStore } from './store';
import { accountKey, clearThrottle } from './throttle';
import { unlockSignIn } from './unlock';

/**
 * What happens elsewhere after some sign-in events, wired by compose (the e-mails live in notifications,
 * which depends on auth, not the other way round). Each runs after its transaction has committed.
 */
export interface AuthHooks {
  /** An active person's account was just locked: e-mail them (notifications/lockout-mail.ts). */
  onLocked?: (lock: AccountLocked) => Promise<void>;
  /** A "forgot password" request was recorded, whatever its address: the reset mailer may look now. */
  onResetRequested?: () => void;
}

/**
 * Signing in and out and set-password links, built once by compose() over the database, so the sign-in
 * routes, the passport adapter and the person page never see the database themselves.
 */
export class Auth {
  /** Hooks still running after their answer went (see signIn). */
  private readonly background = new Set<Promise<void>>();

  constructor(
    private readonly db: Kysely<DB>, private readonly uow: UnitOfWork, private readonly clock: Clock, readonly policy: SignInPolicy,
    private readonly hooks: AuthHooks = {}, private readonly resetLimits: ResetLimits = RESET_LIMITS,
  ) {}

  /** One sign-in attempt (see attemptLogin: every failure looks the same to the caller). */
  async signIn(email: string, password: string, ip: string | null, deviceToken: string | undefined): Promise<LoginResult> {
    const result = await attemptLogin(this.db, this.clock, this.policy, email, password, ip, deviceToken);
    // Not awaited: the lock e-mail is queued after the answer, so the attempt that locks a real account
    // takes no longer than one that locks an unknown address (the hook never throws; it logs).
    if (!result.ok && result.locked && this.hooks.onLocked) {
      const work = this.hooks.onLocked(result.locked).finally(() => this.background.delete(work));
      this.background.add(work);
    }
    return result;
  }

  /** Resolves once the work hooks started after earlier answers is done (shutdown waits for it; tests too). */
  async idle(): Promise<void> {
    while (this.background.size) await Promise.all([...this.background]);
  }

  /**
   * "Forgot password": records the request (see requestPasswordReset: the same work and the same answer
   * whether or not the address has an account) and lets the reset mailer know, also alike for every address.
   */
  async requestPasswordReset(email: string, ip: string | null): Promise<ResetRequestAnswer> {
    const answer = await requestPasswordReset(this.uow, this.clock, this.policy.keySecret, this.resetLimits, email, ip);
    if (answer === 'recorded') this.hooks.onResetRequested?.();
    return answer;
  }

  /** The person a session names while their account is active; a deactivated person's sessions end on their next request. */
  activeAccount(id: number): Promise<User | undefined> {
    return authStore(this.db).activeAccount(id);
  }

  /** What the person page shows about sign-in: failures in a row, a running pause, known devices. */
  signInState(user: User): Promise<SignInState> {
    return signInState(this.db, this.policy.keySecret, user, this.clock.now());
  }

  /** An admin ends a person's sign-in pause and failure count (audited); false when there was nothing to clear. */
  unlock(actor: Actor, user: User): Promise<boolean> {
    return unlockSignIn(this.uow, this.clock, actor, this.policy.keySecret, user);
  }

  /** The person a set-password link belongs to, while the link is live and the account active. */
  passwordLinkAccount(token: string): Promise<User | undefined> {
    return userForPasswordLink(this.db, this.clock, token);
  }

  /**
   * Sets the password and uses up the link; undefined if the link was used meanwhile. Whoever sets it
   * holds the link an administrator issued, so a pause strangers caused on the address ends too.
   */
  async setPasswordWithLink(token: string, password: string, ip: string | null): Promise<User | undefined> {
    const user = await setPasswordWithLink(this.db, this.clock, token, password, ip);
    if (user) await clearThrottle(this.db, accountKey(this.policy.keySecret, user.email_normalized));
    return user;
  }

  /** Audits a sign-out. */
  async signedOut(user: User, ip: string | null): Promise<void> {
    await this.uow((trx) => appendAudit(trx, this.clock, { id: user.id, label: user.email, ip }, {
      action: 'auth.logout', subjectType: 'user', subjectId: user.id,
    }));
  }
}
