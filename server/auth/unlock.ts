import type { Actor } from '../audit/service';
import { appendAudit } from '../audit/service';
import type { Clock } from '../clock';
import type { User } from '../db/schema';
import type { UnitOfWork } from '../db/unit-of-work';
import { accountKey, clearThrottle, throttleState } from './throttle';

/**
 * An admin ends a sign-in lock on a person's address at once (they checked it is really them, say by
 * phone): the failure count and the pause are cleared and the unlock is audited. Returns false, writing
 * nothing, when there was nothing to clear.
 */
export async function unlockSignIn(uow: UnitOfWork, clock: Clock, actor: Actor, keySecret: Buffer, user: User): Promise<boolean> {
  const key = accountKey(keySecret, user.email_normalized);
  return uow(async (trx) => {
    const state = await throttleState(trx, key, clock.now());
    if (!state.pausedUntil && state.failures === 0) return false;
    await clearThrottle(trx, key);
    await appendAudit(trx, clock, actor, {
      action: 'auth.unlocked', subjectType: 'user', subjectId: user.id, details: { failures: state.failures, lockedUntil: state.pausedUntil },
    });
    return true;
  });
}
