import type { Kysely } from 'kysely';
import type { DB, User } from '../db/schema';
import { knownDeviceCount } from './devices';
import { accountKey, throttleState } from './throttle';

export interface SignInState {
  /** Failed sign-ins in a row from devices not known for the person. */
  failures: number;
  /** While set, sign-in with the person's address is paused for devices not known for them. */
  pausedUntil: string | null;
  knownDevices: number;
}

/** What the person page shows about sign-in, read from the throttle (users.locked_until is no longer used). */
export async function signInState(db: Kysely<DB>, keySecret: Buffer, user: User, now: Date): Promise<SignInState> {
  const state = await throttleState(db, accountKey(keySecret, user.email_normalized), now);
  return { ...state, knownDevices: await knownDeviceCount(db, user.id) };
}
